#include "config/cert_expiry.hpp"

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace edigate::gateway::config {
namespace {

constexpr std::int64_t kDaySeconds = 86400;

// Seconds since 1970-01-01T00:00:00Z. ASN1_TIME_diff counts in days and seconds without going
// through time_t, so dates past 2038 (or before 1970) come out right everywhere.
std::optional<std::int64_t> unix_seconds(const ASN1_TIME* time) {
  const std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> epoch(ASN1_TIME_set(nullptr, 0),
                                                                    &ASN1_TIME_free);
  int days = 0, seconds = 0;
  if (time == nullptr || !epoch || ASN1_TIME_diff(&days, &seconds, epoch.get(), time) != 1) {
    return std::nullopt;
  }
  return std::int64_t{days} * kDaySeconds + seconds;
}

// "2026-12-10" (UTC).
std::string utc_date(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(seconds);
  char out[16];
  return std::strftime(out, sizeof out, "%Y-%m-%d", &tm) > 0 ? out : std::to_string(seconds);
}

// "in 9 days", "12 days ago", "in less than a day"; whole days, rounded down.
std::string distance(std::int64_t from, std::int64_t to) {
  const bool future = to >= from;
  const std::int64_t days = (future ? to - from : from - to) / kDaySeconds;
  const std::string span = days == 0   ? "less than a day"
                           : days == 1 ? "1 day"
                                       : std::to_string(days) + " days";
  return future ? "in " + span : span + " ago";
}

// What the warning says is wrong, or nothing when the certificate is fine at `now`.
std::optional<std::string> expiry_problem(const Validity& v, std::int64_t now) {
  if (now >= v.not_after) {
    return "expired " + utc_date(v.not_after) + " (" + distance(now, v.not_after) + ")";
  }
  if (now < v.not_before) {
    return "is not valid before " + utc_date(v.not_before) + " (" + distance(now, v.not_before) +
           ")";
  }
  if (v.not_after - now <= kExpiryWarningSeconds) {
    return "expires " + utc_date(v.not_after) + " (" + distance(now, v.not_after) + ")";
  }
  return std::nullopt;
}

std::string description(const ConfiguredCertificate& c) {
  switch (c.use) {
    case CertificateUse::as2:
      return "our AS2 certificate";
    case CertificateUse::tls_listener:
      return "listener " + c.name + "'s TLS certificate";
    case CertificateUse::partner_as2:
      return c.partner + "'s AS2 certificate";
    case CertificateUse::connector_tls:
      return "connector " + c.name + "'s client certificate";
    case CertificateUse::as2_tls_client:
      return "our TLS client certificate for AS2";
    case CertificateUse::partner_tls_ca:
      return c.partner + "'s trusted TLS certificate (tls-ca)";
    case CertificateUse::as2_previous:
      return "our previous AS2 certificate " + c.name;
  }
  return "a certificate";
}

// The file as the operator knows it: relative to edigate.xml's directory when it is below it.
std::string shown_file(const fs::path& file, const GatewayConfig& config) {
  const fs::path relative = file.lexically_relative(config.file.parent_path());
  if (relative.empty() || *relative.begin() == "..") return file.string();
  return relative.string();
}

// Appends `certificate` to `out` with its validity; an empty or unreadable one is left out
// (a loaded configuration has none).
void add(std::vector<ConfiguredCertificate>& out, const as2::Certificate& certificate,
         ConfiguredCertificate entry) {
  const std::optional<Validity> validity = validity_of(certificate);
  if (!validity) return;
  entry.validity = *validity;
  out.push_back(std::move(entry));
}

}  // namespace

std::string_view to_string(CertificateUse use) {
  switch (use) {
    case CertificateUse::as2:
      return "as2";
    case CertificateUse::tls_listener:
      return "tls-listener";
    case CertificateUse::partner_as2:
      return "partner-as2";
    case CertificateUse::connector_tls:
      return "connector-tls";
    case CertificateUse::as2_tls_client:
      return "as2-tls-client";
    case CertificateUse::partner_tls_ca:
      return "partner-tls-ca";
    case CertificateUse::as2_previous:
      return "as2-previous";
  }
  return "unknown";
}

std::optional<Validity> validity_of(const as2::Certificate& certificate) {
  if (!certificate) return std::nullopt;
  const std::optional<std::int64_t> not_before =
      unix_seconds(X509_get0_notBefore(certificate.get()));
  const std::optional<std::int64_t> not_after = unix_seconds(X509_get0_notAfter(certificate.get()));
  if (!not_before || !not_after) return std::nullopt;
  return Validity{*not_before, *not_after};
}

std::vector<ConfiguredCertificate> list_certificates(const GatewayConfig& config) {
  std::vector<ConfiguredCertificate> out;
  if (config.as2) {
    const As2Station& s = *config.as2;
    add(out, s.identity.certificate, {CertificateUse::as2, {}, {}, s.cert, s.place, {}});
    for (const As2Station::Previous& p : s.previous) {
      add(out, p.identity.certificate,
          {CertificateUse::as2_previous, {}, p.name, p.cert, p.place, {}});
    }
    if (!s.tls_cert.empty()) {
      add(out, s.tls_certificate,
          {CertificateUse::as2_tls_client, {}, {}, s.tls_cert, s.place, {}});
    }
  }
  for (const ListenerConfig& l : config.listeners) {
    if (!l.tls) continue;
    add(out, l.certificate, {CertificateUse::tls_listener, {}, l.name, l.cert, l.place, {}});
  }
  if (config.admin.tls) {
    add(out, config.admin.certificate,
        {CertificateUse::tls_listener, {}, "admin", config.admin.cert, config.admin.place, {}});
  }
  for (const ConnectorConfig& c : config.connectors) {
    const auto* http = std::get_if<HttpConnector>(&c.target);
    if (http == nullptr || http->mtls_cert.empty()) continue;
    add(out, http->mtls_certificate,
        {CertificateUse::connector_tls, {}, c.name, http->mtls_cert, http->mtls_place, {}});
  }
  for (const PartnerProfile& p : config.partners) {
    if (!p.as2) continue;
    add(out, p.as2->certificate,
        {CertificateUse::partner_as2, p.id, {}, p.as2->cert_file, p.as2->place, {}});
    if (!p.as2->tls_ca.empty()) {
      add(out, p.as2->tls_ca_certificate,
          {CertificateUse::partner_tls_ca, p.id, {}, p.as2->tls_ca, p.as2->place, {}});
    }
  }
  return out;
}

std::vector<ConfigIssue> certificate_warnings(const GatewayConfig& config, std::int64_t now) {
  std::vector<ConfigIssue> out;
  for (const ConfiguredCertificate& c : list_certificates(config)) {
    const std::optional<std::string> problem = expiry_problem(c.validity, now);
    if (!problem) continue;
    out.push_back({c.place.file, c.place.line,
                   description(c) + " (" + shown_file(c.file, config) + ") " + *problem});
  }
  return out;
}

}  // namespace edigate::gateway::config
