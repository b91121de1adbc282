// The server TLS context: TLS 1.2 and 1.3 only, Mozilla "intermediate" settings, optional
// client-certificate verification. See docs/http.md for why each setting is what it is.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace edigate::gateway::http {

// Mozilla intermediate (guidelines v5.7) TLS 1.2 ciphers: ECDHE/DHE key exchange, AEAD only.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
inline constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
inline constexpr const char* kTlsGroups = "X25519:P-256:P-384";

struct TlsServerSettings {
  std::string cert_pem;                  // server certificate, then any intermediates
  std::string key_pem;                   // its private key (PEM, encrypted or not)
  std::optional<std::string> client_ca;  // PEM CA bundle; when set, client certs are verified
  bool require_client_cert = false;      // refuse the handshake without a valid client cert
  std::string key_passphrase;            // decrypts an encrypted key_pem; never prompted for
};

using TlsContextPtr = std::shared_ptr<boost::asio::ssl::context>;

Result<TlsContextPtr> make_server_tls_context(const TlsServerSettings& settings);
Result<TlsContextPtr> make_server_tls_context(const std::string& cert_pem,
                                              const std::string& key_pem,
                                              const std::optional<std::string>& client_ca,
                                              bool require_client_cert,
                                              const std::string& key_passphrase = {});

}  // namespace edigate::gateway::http
