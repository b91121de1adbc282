// The certificates a loaded configuration names, what each is for and when it is valid, and the
// warnings for those that have expired, are not valid yet or soon expire. An expired
// certificate is the most common cause of an AS2 outage; these make it visible (config check,
// the daemon's log at start and reload, a Prometheus gauge) but never refuse a configuration:
// an expired partner certificate is the partner's to renew, and refusing to start would stop
// every other partner too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace edigate::gateway::config {

// Warnings start this long before a certificate's notAfter.
inline constexpr std::int64_t kExpiryWarningSeconds = 30 * 86400;

enum class CertificateUse : unsigned char {
  as2,             // our AS2 station (<as2 cert>)
  tls_listener,    // an <https> listener
  partner_as2,     // a partner's pinned AS2 certificate
  connector_tls,   // an HTTP connector's mTLS client certificate
  as2_tls_client,  // the TLS client certificate we present to partners (<as2 tls-cert>)
  partner_tls_ca,  // the first certificate of a partner's <as2 tls-ca>
  as2_previous,    // a previous certificate of ours (<as2><previous>), still decrypted with
};
// "as2", "tls-listener", "partner-as2", "connector-tls", "as2-tls-client", "partner-tls-ca",
// "as2-previous": the metric's `use` label.
std::string_view to_string(CertificateUse use);

// Unix seconds.
struct Validity {
  std::int64_t not_before = 0;
  std::int64_t not_after = 0;
};
// Nothing when the certificate is empty or its times cannot be read.
std::optional<Validity> validity_of(const as2::Certificate& certificate);

struct ConfiguredCertificate {
  CertificateUse use = CertificateUse::as2;
  std::string partner;  // the partner's id (partner_as2); empty for our own
  std::string name;     // the listener's, connector's or previous key's name; else empty
  fs::path file;        // the certificate file
  ConfigPlace place;    // where the configuration names it
  Validity validity;
};

// Every certificate `config` names, in configuration order (ours, listeners, connectors, then
// partners). SFTP host keys are keys, not certificates, and are not listed.
std::vector<ConfiguredCertificate> list_certificates(const GatewayConfig& config);

// One warning for each certificate of `config` that at `now` (Unix seconds) has expired, is
// not valid yet or expires within kExpiryWarningSeconds: "file:line: acme's AS2 certificate
// (certs/acme.pem) expires 2026-12-10 (in 9 days)". Warnings, not issues: the configuration
// still loads.
std::vector<ConfigIssue> certificate_warnings(const GatewayConfig& config, std::int64_t now);

}  // namespace edigate::gateway::config
