// `edigate sftp serve` and `edigate sftp push`.
#pragma once

#include <CLI/CLI.hpp>

namespace edigate::cli {

void add_sftp_commands(CLI::App& app, int& exit_code);

}  // namespace edigate::cli
