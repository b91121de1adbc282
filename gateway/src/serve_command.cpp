#include "serve_command.hpp"

#include <memory>

#include "daemon/serve.hpp"

namespace edigate::cli {

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<gateway::daemon::ServeOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the gateway daemon (AS2 and HTTPS intake, pipeline, connectors, admin API).\n"
      "SIGHUP reloads the configuration, SIGTERM stops. Exit status 2: cannot start");
  serve->add_option("--config", options->config, "edigate.xml")->capture_default_str();
  serve->callback([options, &exit_code] { exit_code = gateway::daemon::serve(*options); });
}

}  // namespace edigate::cli
