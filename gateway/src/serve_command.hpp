// `edigate serve`.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
