// REST/webhook connector: POSTs the canonical JSON to the ERP with libcurl.
//
// Request: POST <url>, body = Delivery::json, headers
//   Content-Type: application/json
//   Idempotency-Key: <Delivery::idempotency_key>   (the same on every attempt)
//   X-Edigate-Document-Id, X-Edigate-Document-Type, X-Edigate-Partner, X-Edigate-Attempt
//   + the auth headers (see HttpAuth). The raw EDI is not sent.
// Classification: 2xx delivered; 408, 429, 5xx and network errors/timeouts retry (Retry-After
// reported in DeliveryResult::retry_after); any other status dead, with the response excerpt.
// TLS peer and host verification are always on. See docs/connectors.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/result.hpp"

namespace edigate::gateway::connectors {

// Secret files (tokens, passwords, keys) are small; a bigger file is a configuration mistake.
inline constexpr std::size_t kMaxSecretFileBytes = 64 * 1024;
// An OAuth2 token response larger than this is refused.
inline constexpr std::size_t kMaxTokenResponseBytes = 64 * 1024;
// A Retry-After beyond this is clamped: a misconfigured ERP must not park documents for a year.
inline constexpr std::chrono::seconds kMaxRetryAfter{std::chrono::hours(24)};
// Header values we send come partly from documents (document type); longer ones are refused.
inline constexpr std::size_t kMaxHeaderValueBytes = 256;

enum class HttpAuth {
  none,
  bearer,  // Authorization: Bearer <token from bearer_token_file>
  basic,   // Authorization: Basic (basic_user, password from basic_password_file)
  oauth2,  // client credentials grant against oauth2_token_url, then Bearer <access_token>
  hmac,    // X-Edigate-Timestamp + X-Edigate-Signature (hmac_signature.hpp)
};

struct HttpConnectorOptions {
  std::string name = "http";
  std::string url;
  HttpAuth auth = HttpAuth::none;
  std::string bearer_token_file;
  std::string basic_user;
  std::string basic_password_file;
  std::string oauth2_token_url;
  std::string oauth2_client_id;
  std::string oauth2_client_secret_file;
  std::string oauth2_scope;  // optional
  // A cached token is renewed this long before it expires (at most half its lifetime).
  std::chrono::seconds oauth2_refresh_margin{60};
  std::string hmac_secret_file;
  std::string hmac_header = "X-Edigate-Signature";  // <hmac header>
  std::string hmac_algorithm = "sha256";            // <hmac algorithm>: sha256, sha384, sha512
  std::string ca_file;                              // empty: the system trust store
  std::string client_cert_file;                     // mTLS: both or neither (PEM)
  std::string client_key_file;
  std::string client_key_passphrase;  // for an encrypted client_key_file
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
  // http:// (no TLS) is refused unless this is set — for loopback tests and local sidecars.
  bool allow_plain_http = false;
};

// Thread-safe: each deliver() uses its own curl easy handle (no connection reuse across calls);
// the OAuth2 token cache is behind a mutex and one thread fetches while the others wait.
// Whether `url` is plain http:// to this machine: its host (as a URL parser reads it, so
// user info and look-alike names do not count) is 127.0.0.1, [::1] or localhost.
bool is_loopback_http(const std::string& url);

class HttpConnector final : public Connector {
 public:
  // Checks the options and reads the secret files once; errors name the bad option or file.
  static Result<std::unique_ptr<HttpConnector>> create(HttpConnectorOptions options);

  DeliveryResult deliver(const Delivery& delivery) override;
  std::string_view name() const override { return options_.name; }

  // How many times an OAuth2 token was fetched (for tests and metrics).
  int token_fetches() const;

 private:
  struct Secrets {
    std::string bearer_token;
    std::string basic_password;
    std::string oauth2_client_secret;
    std::string hmac_secret;
  };
  struct CachedToken {
    std::string access_token;
    std::chrono::steady_clock::time_point renew_at{};
  };

  HttpConnector(HttpConnectorOptions options, Secrets secrets);

  DeliveryResult post(const Delivery& delivery, const std::string& oauth_token);
  // The cached OAuth2 token, fetched when missing or due; an error text on failure.
  Result<std::string> oauth_token();
  // Forgets `stale` (if it is still the cached one) after the ERP answered 401 to it.
  void invalidate_token(const std::string& stale);

  HttpConnectorOptions options_;
  Secrets secrets_;
  mutable std::mutex token_mutex_;
  CachedToken token_;
  int token_fetches_ = 0;
};

}  // namespace edigate::gateway::connectors
