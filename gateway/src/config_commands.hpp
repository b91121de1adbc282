// `edigate config check|hash-token`: checking a gateway configuration before (re)loading it, and
// hashing a token for <admin><token sha256> or a partner's <upload><token sha256>.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

void add_config_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
