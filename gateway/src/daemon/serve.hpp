// `edigate serve`: the gateway daemon. Loads the configuration, opens the store, starts the
// partner and admin listeners and the job runners, tells systemd it is ready (Type=notify) and
// pings its watchdog; SIGHUP reloads partners, routes and connectors (an invalid new
// configuration is refused and the running one stays); SIGTERM stops it gracefully.
#pragma once

#include <filesystem>

namespace edigate::gateway::daemon {

struct ServeOptions {
  std::filesystem::path config = "/etc/edigate/edigate.xml";
};

// Returns the process exit status: 0 after a clean stop, 2 when it could not start.
int serve(const ServeOptions& options);

}  // namespace edigate::gateway::daemon
