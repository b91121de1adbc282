#include "daemon/core.hpp"

#include <iostream>
#include <variant>

#include "connectors/circuit_breaker.hpp"
#include "connectors/file_connector.hpp"
#include "connectors/http_connector.hpp"
#include "daemon/jobs.hpp"

namespace edigate::gateway::daemon {

connectors::HttpConnectorOptions http_connector_options(const std::string& name,
                                                        const config::HttpConnector& c,
                                                        const config::SecretText& key_passphrase) {
  connectors::HttpConnectorOptions o;
  o.name = name;
  o.url = c.url;
  o.total_timeout = std::chrono::seconds(c.timeout_seconds);
  o.ca_file = c.ca.string();
  o.client_cert_file = c.mtls_cert.string();
  o.client_key_file = c.mtls_key.string();
  o.client_key_passphrase = key_passphrase.str();
  // Plain http:// only to loopback (a sidecar, the test harness); everything else is TLS.
  o.allow_plain_http = connectors::is_loopback_http(c.url);
  std::visit(
      [&](const auto& auth) {
        using T = std::decay_t<decltype(auth)>;
        if constexpr (std::is_same_v<T, config::BearerAuth>) {
          o.auth = connectors::HttpAuth::bearer;
          o.bearer_token_file = auth.token_file.string();
        } else if constexpr (std::is_same_v<T, config::BasicAuth>) {
          o.auth = connectors::HttpAuth::basic;
          o.basic_user = auth.user;
          o.basic_password_file = auth.password_file.string();
        } else if constexpr (std::is_same_v<T, config::OAuth2Auth>) {
          o.auth = connectors::HttpAuth::oauth2;
          o.oauth2_token_url = auth.token_url;
          o.oauth2_client_id = auth.client_id;
          o.oauth2_client_secret_file = auth.client_secret_file.string();
          o.oauth2_scope = auth.scope;
        } else if constexpr (std::is_same_v<T, config::HmacAuth>) {
          o.auth = connectors::HttpAuth::hmac;
          o.hmac_secret_file = auth.secret_file.string();
          o.hmac_header = auth.header;
          o.hmac_algorithm = auth.algorithm;
        }
      },
      c.auth);
  return o;
}

namespace {

// One connector from its configuration, behind a circuit breaker; null and `error` when it
// cannot be built (an unreadable secret file, say).
std::shared_ptr<connectors::Connector> build(const config::ConnectorConfig& c,
                                             const config::SecretText& key_passphrase,
                                             std::string& error) {
  std::unique_ptr<connectors::Connector> inner;
  if (const auto* file = std::get_if<config::FileConnector>(&c.target)) {
    connectors::FileConnectorOptions o;
    o.name = c.name;
    o.directory = file->dir.string();
    o.write_raw_edi = file->raw;
    o.create_directory = file->create_dir;
    inner = std::make_unique<connectors::FileConnector>(o);
  } else {
    auto made = connectors::HttpConnector::create(
        http_connector_options(c.name, std::get<config::HttpConnector>(c.target), key_passphrase));
    if (!made.ok()) {
      error = "connector " + c.name + ": " + made.error().message;
      return nullptr;
    }
    inner = std::move(made.value());
  }
  connectors::CircuitBreakerOptions breaker;
  breaker.failure_threshold = static_cast<int>(c.breaker_failures);
  breaker.cool_down = std::chrono::seconds(c.breaker_cool_down_seconds);
  return std::make_shared<connectors::BreakerConnector>(std::move(inner), breaker);
}

}  // namespace

Core::Core(std::unique_ptr<store::Store> store, std::unique_ptr<store::Spool> spool,
           std::shared_ptr<http::Metrics> metrics)
    : store_(std::move(store)),
      spool_(std::move(spool)),
      blobs_(*store_, *spool_),
      metrics_(std::move(metrics)) {}

std::string Core::apply(std::shared_ptr<const config::GatewayConfig> config) {
  auto live = std::make_shared<Live>();
  live->config = config;
  live->partners = std::make_shared<const config::PartnerRegistry>(config);
  for (const config::ConnectorConfig& c : config->connectors) {
    std::string error;
    auto connector = build(c, config->key_passphrase, error);
    if (connector == nullptr) return error;
    live->connectors.emplace(c.name, std::move(connector));
  }
  {
    std::lock_guard lock(live_mutex_);
    live_ = std::move(live);
  }
  // Jobs the replaced connectors' circuit breakers held wait for breakers that are gone: the
  // new ones are closed, so those jobs may go now rather than when the old cool-down ends. So
  // may the resends waiting for them (they wait until the held delivery's old due time).
  std::int64_t released = 0;
  for (std::string_view why : {connectors::kCircuitOpenError, kWaitingForDeliveryError}) {
    auto r = store_->release_postponed(why, now_ms(), std::nullopt);
    if (!r.ok()) {
      // The jobs still go when they were due, through the new connectors.
      std::cerr << "edigate: warning: jobs postponed with \"" << why
                << "\" were not made due after the connectors were rebuilt (they wait until "
                   "their old due time): "
                << r.status().message << "\n";
      continue;
    }
    released += r.value();
  }
  if (released > 0) wake_all();
  return {};
}

std::shared_ptr<const Live> Core::live() const {
  std::lock_guard lock(live_mutex_);
  return live_;
}

void Core::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    ++wake_count_;
  }
  // One runner is enough: a runner that gets a job claims again until none is left, so more
  // work than one wake-up is still taken up, and idle runners are not all sent to the store.
  wake_cv_.notify_one();
}

void Core::wake_all() {
  {
    std::lock_guard lock(wake_mutex_);
    ++wake_count_;
  }
  wake_cv_.notify_all();
}

std::uint64_t Core::work_token() {
  std::lock_guard lock(wake_mutex_);
  return wake_count_;
}

void Core::wait_for_work(std::uint64_t token, std::chrono::milliseconds timeout) {
  std::unique_lock lock(wake_mutex_);
  wake_cv_.wait_for(lock, timeout, [&] { return wake_count_ != token; });
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace edigate::gateway::daemon
