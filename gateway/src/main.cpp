// edigate: the EDI/B2B gateway. One binary, with subcommands.
#include <CLI/CLI.hpp>

#include "as2_commands.hpp"
#include "config_commands.hpp"
#include "edi_commands.hpp"
#include "map_commands.hpp"
#include "serve_command.hpp"
#include "sftp_commands.hpp"
#include "store_commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"edigate: EDI/B2B gateway (X12, EDIFACT, AS2, SFTP)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "edigate 0.1.0");
  int exit_code = 0;
  edigate::cli::add_edi_commands(app, exit_code);
  edigate::cli::add_map_commands(app, exit_code);
  edigate::cli::add_serve_command(app, exit_code);
  edigate::cli::add_sftp_commands(app, exit_code);
  edigate::cli::add_as2_commands(app, exit_code);
  edigate::cli::add_store_commands(app, exit_code);
  edigate::cli::add_config_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;  // usage errors exit 2
  }
  return exit_code;
}
