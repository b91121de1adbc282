// What every part of the running daemon shares: the current configuration (swapped whole on
// SIGHUP), the store and spool, the metrics registry, the connectors built from the config, and
// the wake-up signal for job runners.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "config/partner_registry.hpp"
#include "connectors/connector.hpp"
#include "connectors/http_connector.hpp"
#include "daemon/refusal_gate.hpp"
#include "http/metrics.hpp"
#include "store/blobs.hpp"
#include "store/spool.hpp"
#include "store/store.hpp"

namespace edigate::gateway::daemon {

// A configuration and everything built from it, replaced together.
struct Live {
  std::shared_ptr<const config::GatewayConfig> config;
  std::shared_ptr<const config::PartnerRegistry> partners;
  std::map<std::string, std::shared_ptr<connectors::Connector>, std::less<>> connectors;
};

class Core {
 public:
  Core(std::unique_ptr<store::Store> store, std::unique_ptr<store::Spool> spool,
       std::shared_ptr<http::Metrics> metrics);

  // Builds the connectors of `config` and makes it the live configuration. Returns what could
  // not be built (the live configuration is then unchanged).
  std::string apply(std::shared_ptr<const config::GatewayConfig> config);
  std::shared_ptr<const Live> live() const;

  store::Store& store() { return *store_; }
  store::Spool& spool() { return *spool_; }
  // Payloads go to the spool; everything else the rows name goes through here.
  store::Blobs& blobs() { return blobs_; }
  http::Metrics& metrics() { return *metrics_; }
  // Which AS2 requests we refuse are stored (nothing in them was verified to be a partner's:
  // a stranger's, or one that names a partner and fails its checks): at most so many a minute
  // per address and overall; the rest get the same answer, unsigned, and are only counted
  // (as2.refusals_suppressed sums them up).
  RefusalGate& as2_refusals() { return as2_refusals_; }
  // Which refused partner uploads (no valid token or client certificate) get an audit entry of
  // their own, the same way; the rest are summed up in upload.refusals_suppressed.
  RefusalGate& upload_refusals() { return upload_refusals_; }

  // Job runners sleep until woken (new work was committed) or the timeout passes. A runner
  // takes a token before it looks for work and waits with it, so a wake-up between looking and
  // waiting is not lost.
  void wake();
  void wake_all();  // every runner (to stop)
  std::uint64_t work_token();
  void wait_for_work(std::uint64_t token, std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Spool> spool_;
  store::Blobs blobs_;
  std::shared_ptr<http::Metrics> metrics_;
  RefusalGate as2_refusals_;
  RefusalGate upload_refusals_;
  mutable std::mutex live_mutex_;
  std::shared_ptr<const Live> live_;
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  std::uint64_t wake_count_ = 0;
};

// The HTTP connector options of a <http> connector of edigate.xml.
connectors::HttpConnectorOptions http_connector_options(const std::string& name,
                                                        const config::HttpConnector& c,
                                                        const config::SecretText& key_passphrase);

// Milliseconds since the epoch (what the store's times are).
std::int64_t now_ms();

}  // namespace edigate::gateway::daemon
