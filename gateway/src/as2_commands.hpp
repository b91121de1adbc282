// `edigate as2 ...`: pack, unpack and check AS2 messages and MDNs (for debugging a partner).
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

// Exit codes: 0 processed / MDN positive and MIC matches, 1 negative result, 2 bad usage or input.
void add_as2_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
