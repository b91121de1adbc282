#include "daemon/serve.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "config/addresses.hpp"
#include "config/cert_expiry.hpp"
#include "config/exposure.hpp"
#include "daemon/certificate_gauge.hpp"
#include "daemon/core.hpp"
#include "daemon/counters.hpp"
#include "daemon/handlers.hpp"
#include "daemon/jobs.hpp"
#include "daemon/refusal_gate.hpp"
#include "daemon/retention.hpp"
#include "daemon/sftp_intake.hpp"
#include "http/server.hpp"
#include "http/tls.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_json.hpp"
#include "store/store_lock.hpp"

namespace edigate::gateway::daemon {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) return {};
  std::string out;
  char buffer[8192];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, n);
  std::fclose(f);
  return out;
}

http::ServerOptions server_options(const config::GatewayConfig& c) {
  http::ServerOptions o;
  o.limits.max_header_bytes = c.limits.header_bytes;
  o.limits.max_body_bytes = c.limits.body_bytes;
  o.limits.idle_timeout = std::chrono::seconds(c.limits.idle_seconds);
  o.limits.body_read_timeout = std::chrono::seconds(c.limits.request_seconds);
  o.limits.max_connections = c.limits.connections;
  o.limits.max_connections_per_ip = c.limits.connections_per_ip;
  return o;
}

void log(std::string_view line) { std::cerr << "edigate: " << line << "\n"; }

// Counts a refused request that has no audit entry of its own.
void count_unaudited(Core& core, const char* why) {
  core.metrics()
      .counter("edigate_http_refusals_unaudited_total",
               "Refused requests not audited one by one (rate: over the per-address or total "
               "limit, summed up in http.refusals_suppressed; saturated: the workers were busy)",
               {{"reason", why}})
      .add();
}

// Requests the HTTP server refused before any handler saw them (malformed, over a limit, too
// slow) go into the audit log, as many as `gate` lets through (the rest are summed up each
// minute, see audit_suppressed). The entry is written on a worker, never on the network
// thread; when a flood fills the worker queue the rest are only counted.
http::RefusalObserver audit_refusals(Core& core, http::WorkerPool& pool, RefusalGate& gate) {
  return [&core, &pool, &gate](const http::Refusal& r) {
    core.metrics()
        .counter("edigate_http_refused_total", "Requests the HTTP server refused itself",
                 {{"listener", r.listener}, {"status", std::to_string(r.status)}})
        .add();
    if (!gate.admit(r.remote_address, now_ms())) return count_unaudited(core, "rate");
    const bool queued = pool.submit([&core, r] {
      nlohmann::json details = {
          {"listener", r.listener}, {"status", r.status}, {"reason", r.reason}};
      if (!r.method.empty()) {
        details["method"] = r.method;
        details["target"] = r.target;
      }
      (void)core.store().append_audit(
          {"http", "http.refused", "address:" + r.remote_address, store::json_text(details)});
    });
    if (!queued) count_unaudited(core, "saturated");
  };
}

// One entry for the refusals of a window that were counted but not audited one by one: the
// HTTP server's (http.refusals_suppressed), refused AS2 requests not stored
// (as2.refusals_suppressed) or uploads refused for their credentials
// (upload.refusals_suppressed).
void audit_suppressed(Core& core, std::string_view source,
                      const std::optional<RefusalGate::Summary>& s) {
  if (!s) return;
  nlohmann::json top = nlohmann::json::array();
  for (const auto& [address, count] : s->top)
    top.push_back({{"address", address}, {"count", count}});
  (void)core.store().append_audit(
      {std::string(source), std::string(source) + ".refusals_suppressed", std::string(source),
       store::json_text({{"from", store::iso_time(s->from)},
                         {"until", store::iso_time(s->until)},
                         {"suppressed", s->suppressed},
                         {"top", std::move(top)}})});
}

http::Result<http::TlsContextPtr> listener_tls(const config::ListenerConfig& l,
                                               const config::SecretText& passphrase) {
  return http::make_server_tls_context(
      read_file(l.cert), read_file(l.key),
      l.client_ca.empty() ? std::nullopt : std::optional<std::string>(read_file(l.client_ca)),
      false, passphrase.str());
}

http::Result<http::TlsContextPtr> admin_tls(const config::AdminConfig& a,
                                            const config::SecretText& passphrase) {
  return http::make_server_tls_context(read_file(a.cert), read_file(a.key), std::nullopt, false,
                                       passphrase.str());
}

// On SIGHUP: the TLS files of listeners that stay (same position, address, port and kind) are
// read again, so a renewed certificate takes effect without a restart. Every new context is
// built before any is swapped in: if one fails the reload is refused and nothing changes.
// Listeners added, removed or moved need a restart; they are only reported.
struct TlsReload {
  std::vector<std::pair<std::string, http::TlsContextPtr>> contexts;
  http::TlsContextPtr admin;  // the admin listener's, when it is HTTPS and stays
  std::vector<std::string> restart_needed;
  std::string error;
};

// A listener keeps its socket across a reload only when address, port and TLS stay.
template <typename Listener>
bool same_binding(const Listener& a, const Listener& b) {
  return config::bound_address(a.address) == config::bound_address(b.address) && a.port == b.port &&
         a.tls == b.tls;
}

TlsReload prepare_tls_reload(const config::GatewayConfig& running,
                             const config::GatewayConfig& next) {
  TlsReload r;
  for (std::size_t i = 0; i < next.listeners.size(); ++i) {
    const config::ListenerConfig& l = next.listeners[i];
    const bool same = i < running.listeners.size() && same_binding(running.listeners[i], l);
    if (!same) {
      r.restart_needed.push_back(l.address + ":" + std::to_string(l.port));
      continue;
    }
    if (!l.tls) continue;
    auto tls = listener_tls(l, next.key_passphrase);
    if (!tls.ok()) {
      r.error = "listener " + l.address + ":" + std::to_string(l.port) + ": " + tls.error();
      return r;
    }
    r.contexts.emplace_back(l.name, tls.value());
  }
  for (std::size_t i = next.listeners.size(); i < running.listeners.size(); ++i) {
    const config::ListenerConfig& l = running.listeners[i];
    r.restart_needed.push_back(l.address + ":" + std::to_string(l.port));
  }
  const config::AdminConfig& a = next.admin;
  if (!same_binding(a, running.admin)) {
    r.restart_needed.push_back("admin " + a.address + ":" + std::to_string(a.port));
  } else if (a.tls) {
    auto tls = admin_tls(a, next.key_passphrase);
    if (!tls.ok()) {
      r.error = "admin API: " + tls.error();
      return r;
    }
    r.admin = tls.value();
  }
  return r;
}

// What a reload put in force: `next`, but with the listeners and the admin listener still
// bound as at start where the reload changed their address, port or TLS (those take a
// restart), so that warnings and the certificate series describe what is serving.
config::GatewayConfig as_running(const config::GatewayConfig& started,
                                 const config::GatewayConfig& next) {
  config::GatewayConfig out = next;
  out.listeners = started.listeners;
  for (std::size_t i = 0; i < out.listeners.size() && i < next.listeners.size(); ++i) {
    if (same_binding(next.listeners[i], out.listeners[i])) {
      out.listeners[i] = next.listeners[i];  // its renewed certificate
    }
  }
  const config::AdminConfig& a = started.admin;
  if (!same_binding(next.admin, a)) {
    out.admin.address = a.address;
    out.admin.port = a.port;
    out.admin.tls = a.tls;
    out.admin.cert = a.cert;
    out.admin.key = a.key;
    out.admin.certificate = a.certificate;
  }
  return out;
}

// What each partner listener of `c` serves, by name.
ListenerEndpoints endpoints_of(const config::GatewayConfig& c) {
  ListenerEndpoints out;
  for (const config::ListenerConfig& l : c.listeners) out.emplace(l.name, l.serves);
  return out;
}

// Settings a reload cannot change in the running listeners and worker pool (they were built
// from them at start): reported, in force at the next restart.
std::vector<std::string> restart_settings(const config::GatewayConfig& started,
                                          const config::GatewayConfig& next) {
  std::vector<std::string> out;
  const config::Limits& a = started.limits;
  const config::Limits& b = next.limits;
  if (a.header_bytes != b.header_bytes) out.emplace_back("<limits header-bytes>");
  if (a.body_bytes != b.body_bytes) out.emplace_back("<limits body-bytes> (HTTP listeners)");
  if (a.idle_seconds != b.idle_seconds) out.emplace_back("<limits idle-seconds>");
  if (a.request_seconds != b.request_seconds) out.emplace_back("<limits request-seconds>");
  if (a.connections != b.connections) out.emplace_back("<limits connections>");
  if (a.connections_per_ip != b.connections_per_ip) {
    out.emplace_back("<limits connections-per-ip>");
  }
  if (started.workers != next.workers) out.emplace_back("<workers count>");
  if (started.store.database != next.store.database || started.store.spool != next.store.spool) {
    out.emplace_back("<store>");
  }
  // The SFTP server takes new partner logins at a reload (SftpService::reload), nothing else.
  const auto& sa = started.sftp;
  const auto& sb = next.sftp;
  if (sa.has_value() != sb.has_value()) {
    out.emplace_back(sb ? "<sftp> (added)" : "<sftp> (removed)");
  } else if (sa && (config::bound_address(sa->address) != config::bound_address(sb->address) ||
                    sa->port != sb->port)) {
    out.emplace_back("<sftp address port>");
  } else if (sa && (sa->host_keys != sb->host_keys || sa->jails != sb->jails)) {
    out.emplace_back("<sftp host-keys jails>");
  } else if (sa && sa->limits != sb->limits) {
    out.emplace_back("<sftp limits>");
  }
  return out;
}

// At start and after each reload: secrets served in clear (exposure.hpp), and certificates that
// have expired, are not valid yet or expire
// soon are logged (never refused: one partner's expired certificate must not stop the others),
// and the expiry gauge follows the running configuration.
void report_certificates(Core& core, const config::GatewayConfig& c) {
  counters::declare(core.metrics(), c);
  for (const config::ConfigIssue& w : config::certificate_warnings(c, now_ms() / 1000)) {
    log("warning: " + w.to_string());
  }
  for (const config::ConfigIssue& w : config::exposure_warnings(c))
    log("warning: " + w.to_string());
  set_certificate_gauges(core.metrics(), c);
}

// At start and after each reload: everything sent to a partner is numbered under the
// partner's id (store::ControlNumbers' key). Until 2026-12 acknowledgements were numbered under
// the partner's interchange sender ids and outbound interchanges under its mapping directory's
// id, so that the two could carry the same ISA13; the partner's counters start above every
// number handed out under those keys. Idempotent: raising to a maximum twice changes nothing.
void merge_control_numbers(Core& core, const config::GatewayConfig& c) {
  for (const config::PartnerProfile& p : c.partners) {
    std::vector<std::string> from;
    if (p.x12) from.push_back(p.x12->id);
    if (p.edifact) from.push_back(p.edifact->id);
    if (p.mapping) from.push_back(p.mapping->id);
    if (auto s = core.store().merge_control_numbers(p.id, from); !s.ok()) {
      log("warning: control numbers of partner " + p.id + " not merged: " + s.message);
    }
  }
}

// At start and after each reload: a partner whose <expect-acks> is new (or back) watches the
// messages already sent to it too (watch_sent_to).
void watch_sent_messages(Core& core, const config::GatewayConfig& c) {
  for (const config::PartnerProfile& p : c.partners) {
    for (const std::string& line : watch_sent_to(core, p)) log(line);
  }
}

// The watchdog interval systemd asked for (half of WatchdogSec), or zero.
std::chrono::milliseconds watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(usec / 2000);
}

}  // namespace

int serve(const ServeOptions& options) {
  // Signals are taken by the main thread with sigtimedwait: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  config::LoadResult loaded = config::load_config(options.config);
  if (!loaded.ok()) {
    for (const auto& i : loaded.issues) std::cerr << i.to_string() << "\n";
    return 2;
  }
  const auto cfg = loaded.config;
  store::StoreLock store_lock;
  if (const std::string why = store_lock.take(cfg->store.database.string()); !why.empty()) {
    log("not started: " + why);
    return 2;
  }
  auto opened = store::open_sqlite_store(cfg->store.database.string());
  if (!opened.ok()) {
    log("cannot open the store " + cfg->store.database.string() + ": " + opened.status().message);
    return 2;
  }
  auto spool = std::make_unique<store::Spool>(cfg->store.spool.string());
  if (auto s = spool->open(); !s.ok()) {
    log("cannot open the spool " + cfg->store.spool.string() + ": " + s.message);
    return 2;
  }
  auto metrics = std::make_shared<http::Metrics>();
  Core core(std::move(opened.value()), std::move(spool), metrics);
  if (const std::string error = core.apply(cfg); !error.empty()) {
    log(error);
    return 2;
  }
  report_certificates(core, *cfg);
  merge_control_numbers(core, *cfg);
  watch_sent_messages(core, *cfg);

  http::WorkerPool pool(cfg->workers, http::kDefaultWorkerQueueCapacity);
  std::vector<http::ListenerConfig> listeners;
  for (std::size_t i = 0; i < cfg->listeners.size(); ++i) {
    const config::ListenerConfig& l = cfg->listeners[i];
    http::ListenerConfig lc;
    lc.name = l.name;
    lc.address = l.address;
    lc.port = l.port;
    if (l.tls) {
      auto tls = listener_tls(l, cfg->key_passphrase);
      if (!tls.ok()) {
        log("listener " + l.address + ":" + std::to_string(l.port) + ": " + tls.error());
        return 2;
      }
      lc.tls = tls.value();
    }
    listeners.push_back(std::move(lc));
  }
  http::ServerOptions http_options = server_options(*cfg);
  RefusalGate refusals;
  http_options.on_refused = audit_refusals(core, pool, refusals);
  auto served = std::make_shared<ServedEndpoints>();
  served->set(endpoints_of(*cfg));
  http::HttpServer partners(http_options, partner_router(core, pool, served), metrics);
  http::HttpServer admin(http_options, admin_router(core, pool), metrics);
  for (const http::ListenerConfig& lc : listeners) {
    auto port = partners.add_listener(lc);
    if (!port.ok()) {
      log("cannot listen on " + lc.address + ":" + std::to_string(lc.port) + ": " + port.error());
      return 2;
    }
    log("listening on " + lc.address + ":" + std::to_string(port.value()) + " (" + lc.name + ")");
  }
  http::ListenerConfig admin_listener;
  admin_listener.name = "admin";
  admin_listener.address = cfg->admin.address;
  admin_listener.port = cfg->admin.port;
  if (cfg->admin.tls) {
    auto tls = admin_tls(cfg->admin, cfg->key_passphrase);
    if (!tls.ok()) {
      log("admin API: " + tls.error());
      return 2;
    }
    admin_listener.tls = tls.value();
  }
  if (auto port = admin.add_listener(admin_listener); !port.ok()) {
    log("cannot listen on the admin address: " + port.error());
    return 2;
  } else {
    log("admin API on " + cfg->admin.address + ":" + std::to_string(port.value()) +
        (cfg->admin.tls ? " (https)" : ""));
  }

  std::unique_ptr<SftpService> sftp;
  if (cfg->sftp) {
    // Address, port and host keys are read at start; partners and their keys again on SIGHUP.
    sftp = std::make_unique<SftpService>(core, *cfg);
    if (const std::string error = sftp->start(*cfg); !error.empty()) {
      log("cannot start the SFTP server: " + error);
      return 2;
    }
    log("SFTP on " + cfg->sftp->address + ":" + std::to_string(sftp->port()));
  }

  JobRunner runner(core, cfg->workers);
  runner.start();
  Retention retention(core);
  retention.start();
  if (!partners.start().ok() || !admin.start().ok()) {
    log("cannot start the listeners");
    return 2;
  }
  (void)core.store().append_audit(
      {"daemon", "daemon.started", "config:" + cfg->file.string(), "{}"});
  sd_notify(0, "READY=1\nSTATUS=serving");
  log("ready");

  const auto watchdog = watchdog_interval();
  const auto tick = watchdog.count() > 0 ? std::min(watchdog, std::chrono::milliseconds(1000))
                                         : std::chrono::milliseconds(1000);
  while (true) {
    timespec timeout{static_cast<time_t>(tick.count() / 1000),
                     static_cast<long>((tick.count() % 1000) * 1'000'000)};
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (watchdog.count() > 0) sd_notify(0, "WATCHDOG=1");
    audit_suppressed(core, "http", refusals.take_ended(now_ms()));
    audit_suppressed(core, "as2", core.as2_refusals().take_ended(now_ms()));
    audit_suppressed(core, "upload", core.upload_refusals().take_ended(now_ms()));
    if (sig == SIGHUP) {
      sd_notify(0, "RELOADING=1");
      config::LoadResult again = config::load_config(options.config);
      TlsReload tls;
      // Compared with the configuration the listeners were bound from, at start.
      if (again.ok()) tls = prepare_tls_reload(*cfg, *again.config);
      // The SFTP logins are checked before anything is applied, so a refusal changes nothing.
      if (again.ok() && tls.error.empty() && sftp) tls.error = sftp->check(*again.config);
      // Before the new partners are in force (raising counters is harmless if the reload is
      // then refused).
      if (again.ok() && tls.error.empty()) merge_control_numbers(core, *again.config);
      // Whether the last reload was applied (1) or refused (0), and when it was tried: an
      // alert can say what `systemctl reload` (which only sends the signal) cannot.
      auto& reload_ok = core.metrics().gauge(
          "edigate_config_last_reload_successful",
          "1 when the last configuration reload (SIGHUP) was applied, 0 when it was refused");
      core.metrics()
          .gauge("edigate_config_last_reload_timestamp_seconds",
                 "When the last configuration reload (SIGHUP) was tried")
          .set(static_cast<double>(now_ms()) / 1000.0);
      reload_ok.set(0);
      if (!again.ok()) {
        constexpr std::size_t kAuditedProblems = 20;
        nlohmann::json problems = nlohmann::json::array();
        for (const auto& i : again.issues) {
          std::cerr << i.to_string() << "\n";
          if (problems.size() < kAuditedProblems) problems.push_back(i.to_string());
        }
        nlohmann::json details{{"problems", problems}};
        if (again.issues.size() > problems.size()) {
          details["more"] = again.issues.size() - problems.size();
        }
        (void)core.store().append_audit({"daemon", "config.reload_failed",
                                         "config:" + cfg->file.string(),
                                         store::json_text(details)});
        log("reload refused: the running configuration stays");
      } else if (!tls.error.empty()) {
        (void)core.store().append_audit({"daemon", "config.reload_failed",
                                         "config:" + cfg->file.string(),
                                         store::json_text(nlohmann::json{{"error", tls.error}})});
        log("reload refused: " + tls.error + "; the running configuration stays");
      } else if (const std::string error = core.apply(again.config); !error.empty()) {
        (void)core.store().append_audit({"daemon", "config.reload_failed",
                                         "config:" + cfg->file.string(),
                                         store::json_text(nlohmann::json{{"error", error}})});
        log("reload refused: " + error);
      } else {
        // What did not take is logged and audited with the reload.
        nlohmann::json not_applied = nlohmann::json::array();
        if (sftp) {
          // Checked above; only a jail removed since then can make this fail.
          if (const std::string why = sftp->reload(*again.config); !why.empty()) {
            log("SFTP logins not reloaded (the others are): " + why);
            not_applied.push_back("sftp logins: " + why);
          }
        }
        std::size_t tls_reloaded = 0;
        for (auto& [name, context] : tls.contexts) {
          if (auto s = partners.replace_tls(name, context); !s.ok()) {
            log(s.error);
            not_applied.push_back("tls " + name + ": " + s.error);
          } else {
            ++tls_reloaded;
          }
        }
        if (tls.admin) {
          if (auto s = admin.replace_tls("admin", tls.admin); !s.ok()) {
            log(s.error);
            not_applied.push_back("tls admin: " + s.error);
          } else {
            ++tls_reloaded;
          }
        }
        for (const std::string& where : tls.restart_needed) {
          log("listener " + where + " changed: listeners are added, moved or removed at restart");
          not_applied.push_back("listener " + where + ": at the next restart");
        }
        for (const std::string& what : restart_settings(*cfg, *again.config)) {
          log(what + " changed: in force at the next restart");
          not_applied.push_back(what + ": at the next restart");
        }
        // What each listener serves (serve="...") changes now.
        const config::GatewayConfig running = as_running(*cfg, *again.config);
        served->set(endpoints_of(running));
        nlohmann::json details{{"tls_reloaded", tls_reloaded}};
        if (!not_applied.empty()) details["not_applied"] = not_applied;
        (void)core.store().append_audit({"daemon", "config.reloaded",
                                         "config:" + cfg->file.string(),
                                         store::json_text(details)});
        reload_ok.set(1);
        log("configuration reloaded (partners, routes, connectors, SFTP logins, " +
            std::to_string(tls_reloaded) + " TLS certificate(s))");
        report_certificates(core, running);
        watch_sent_messages(core, *again.config);
      }
      sd_notify(0, "READY=1");
    } else if (sig == SIGTERM || sig == SIGINT) {
      break;
    }
  }
  sd_notify(0, "STOPPING=1");
  log("stopping");
  partners.stop();
  admin.stop();
  audit_suppressed(core, "http", refusals.finish(now_ms()));
  audit_suppressed(core, "as2", core.as2_refusals().finish(now_ms()));
  audit_suppressed(core, "upload", core.upload_refusals().finish(now_ms()));
  if (sftp) sftp->stop();
  pool.stop();
  retention.stop();
  runner.stop();
  (void)core.store().append_audit(
      {"daemon", "daemon.stopped", "config:" + cfg->file.string(), "{}"});
  return 0;
}

}  // namespace edigate::gateway::daemon
