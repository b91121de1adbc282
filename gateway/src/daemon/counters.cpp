#include "daemon/counters.hpp"

#include <algorithm>
#include <string>

namespace edigate::gateway::daemon::counters {
namespace {

http::Labels by_partner(std::string_view partner) { return {{"partner", std::string(partner)}}; }

http::Labels by_transport(std::string_view partner, std::string_view transport) {
  return {{"partner", std::string(partner)}, {"transport", std::string(transport)}};
}

}  // namespace

http::Counter& messages_received(http::Metrics& m, std::string_view partner,
                                 std::string_view transport) {
  return m.counter("edigate_messages_received_total", "Messages received",
                   by_transport(partner, transport));
}

http::Counter& bytes_received(http::Metrics& m, std::string_view partner,
                              std::string_view transport) {
  return m.counter("edigate_bytes_received_total", "Bytes received",
                   by_transport(partner, transport));
}

http::Counter& receive_errors(http::Metrics& m, std::string_view partner,
                              std::string_view transport) {
  return m.counter("edigate_receive_errors_total", "Messages refused",
                   by_transport(partner, transport));
}

http::Counter& documents(http::Metrics& m, std::string_view partner) {
  return m.counter("edigate_documents_total", "Transaction sets read", by_partner(partner));
}

http::Counter& edi_errors(http::Metrics& m, std::string_view partner) {
  return m.counter("edigate_edi_errors_total", "EDI errors found", by_partner(partner));
}

http::Counter& delivery_failures(http::Metrics& m, std::string_view partner,
                                 std::string_view connector) {
  return m.counter("edigate_delivery_failures_total", "Delivery attempts that failed",
                   {{"partner", std::string(partner)}, {"connector", std::string(connector)}});
}

http::Counter& outbound_messages(http::Metrics& m, std::string_view partner) {
  return m.counter("edigate_outbound_messages_total", "Outbound messages taken from the ERP",
                   by_partner(partner));
}

http::Counter& mdn_timeouts(http::Metrics& m) {
  return m.counter("edigate_mdn_timeouts_total", "Async MDNs that did not come by their deadline");
}

http::Counter& jobs_released(http::Metrics& m) {
  return m.counter("edigate_jobs_released_total",
                   "Jobs left running by a failed store write, made ready again");
}

http::Counter& purged_messages(http::Metrics& m) {
  return m.counter("edigate_store_purged_messages_total", "Messages removed by retention");
}

http::Counter& as2_refusals_unrecorded(http::Metrics& m) {
  return m.counter("edigate_as2_refusals_unrecorded_total",
                   "AS2 requests refused and not stored (past the per-minute share of their "
                   "address or of all; summed up in as2.refusals_suppressed)");
}

http::Counter& upload_refusals_unaudited(http::Metrics& m) {
  return m.counter("edigate_upload_refusals_unaudited_total",
                   "Uploads refused for their credentials and not audited one by one (past the "
                   "per-minute share of their address or of all; summed up in "
                   "upload.refusals_suppressed)");
}

void declare(http::Metrics& m, const config::GatewayConfig& config) {
  const bool upload_served =
      std::any_of(config.listeners.begin(), config.listeners.end(),
                  [](const config::ListenerConfig& l) { return l.serves.upload; });
  for (const config::PartnerProfile& p : config.partners) {
    std::vector<std::string_view> transports;
    if (p.as2 && config.as2) transports.emplace_back("as2");
    if (upload_served && (!p.upload.token_sha256.empty() || !p.upload.client_cert_sha256.empty())) {
      transports.emplace_back("https");
    }
    if (p.sftp && config.sftp) transports.emplace_back("sftp");
    for (const std::string_view t : transports) (void)messages_received(m, p.id, t);
    if (p.as2 && config.as2) {  // bytes and refusals are counted for AS2 only
      (void)bytes_received(m, p.id, "as2");
      (void)receive_errors(m, p.id, "as2");
    }
    (void)documents(m, p.id);
    (void)edi_errors(m, p.id);
    for (const config::Route& r : p.routes) (void)delivery_failures(m, p.id, r.connector);
    const bool sendable = (p.as2 && !p.as2->url.empty() && config.as2) ||
                          !p.https_push_connector.empty() || p.sftp_push;
    if (p.mapping && sendable) (void)outbound_messages(m, p.id);
  }
  (void)mdn_timeouts(m);
  (void)jobs_released(m);
  (void)purged_messages(m);
  (void)as2_refusals_unrecorded(m);
  (void)upload_refusals_unaudited(m);
}

}  // namespace edigate::gateway::daemon::counters
