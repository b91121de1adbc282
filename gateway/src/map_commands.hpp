// `edigate map in|out|check`: canonical documents from EDI and back, with partner mapping files.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

void add_map_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
