// `edigate audit verify|export` and `edigate messages list|show|add`: the operator's view of
// the store.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

void add_store_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
