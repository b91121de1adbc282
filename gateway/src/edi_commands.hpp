// `edigate edi ...`: parse, validate and acknowledge EDI files from the command line.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

// Exit codes: 0 fine, 1 problems found, 2 cannot read the input or bad usage.
void add_edi_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
