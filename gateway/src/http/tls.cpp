#include "http/tls.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <cstring>

namespace edigate::gateway::http {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_error(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what;
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return what + ": " + buf;
}

// The CertificateRequest names these CAs so clients pick the right certificate.
bool set_client_ca_names(SSL_CTX* ctx, const std::string& ca_pem) {
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  if (bio == nullptr) return false;
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_NAME* name = X509_NAME_dup(X509_get_subject_name(cert));
    if (name != nullptr) sk_X509_NAME_push(names, name);
    X509_free(cert);
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  BIO_free(bio);
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  return true;
}

Status apply_protocol_policy(SSL_CTX* ctx) {
  // No compression (CRIME), no renegotiation (client-initiated renegotiation is a DoS lever),
  // and the client's cipher order wins: every offered cipher is strong, and clients know whether
  // they have AES hardware (Mozilla intermediate sets no server preference).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv2 |
                               SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
  SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Status::failure(openssl_error("cannot restrict TLS versions"));
  }
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    return Status::failure(openssl_error("cannot set TLS 1.2 ciphers"));
  }
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Ciphersuites) != 1) {
    return Status::failure(openssl_error("cannot set TLS 1.3 ciphersuites"));
  }
  if (SSL_CTX_set1_groups_list(ctx, kTlsGroups) != 1) {
    return Status::failure(openssl_error("cannot set key exchange groups"));
  }
  SSL_CTX_set_dh_auto(ctx, 1);  // DHE-RSA suites use the built-in ffdhe group matching the key
  return Status::success();
}

// OpenSSL's pem_password_cb: copies the passphrase `userdata` points at (a std::string).
int copy_passphrase(char* buffer, int size, int /*rwflag*/, void* userdata) {
  const auto* passphrase = static_cast<const std::string*>(userdata);
  if (passphrase == nullptr || passphrase->size() > static_cast<std::size_t>(size)) return 0;
  std::memcpy(buffer, passphrase->data(), passphrase->size());
  return static_cast<int>(passphrase->size());
}

Status load_identity(ssl::context& ctx, const TlsServerSettings& settings) {
  boost::system::error_code ec;
  ctx.use_certificate_chain(boost::asio::buffer(settings.cert_pem), ec);
  if (ec) return Status::failure("server certificate: " + ec.message());
  // An encrypted key is decrypted with the configured passphrase; without one the callback
  // answers nothing, so OpenSSL never falls back to prompting on a terminal. The callback is
  // removed again: it points at this frame.
  SSL_CTX* native = ctx.native_handle();
  SSL_CTX_set_default_passwd_cb(native, &copy_passphrase);
  SSL_CTX_set_default_passwd_cb_userdata(native,
                                         const_cast<std::string*>(&settings.key_passphrase));
  ctx.use_private_key(boost::asio::buffer(settings.key_pem), ssl::context::pem, ec);
  SSL_CTX_set_default_passwd_cb(native, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(native, nullptr);
  if (ec) return Status::failure("server private key: " + ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return Status::failure(openssl_error("the private key does not match the certificate"));
  }
  return Status::success();
}

Status load_client_ca(ssl::context& ctx, const std::string& ca_pem, bool require) {
  boost::system::error_code ec;
  ctx.add_certificate_authority(boost::asio::buffer(ca_pem), ec);
  if (ec) return Status::failure("client CA: " + ec.message());
  if (!set_client_ca_names(ctx.native_handle(), ca_pem)) {
    return Status::failure(openssl_error("client CA names"));
  }
  auto mode = ssl::verify_peer | (require ? ssl::verify_fail_if_no_peer_cert : 0);
  ctx.set_verify_mode(mode, ec);
  if (ec) return Status::failure("client verification: " + ec.message());
  // Session resumption with client certificates needs a session id context.
  static constexpr unsigned char kSessionContext[] = "edigate-http";
  SSL_CTX_set_session_id_context(ctx.native_handle(), kSessionContext, sizeof kSessionContext - 1);
  return Status::success();
}

}  // namespace

Result<TlsContextPtr> make_server_tls_context(const TlsServerSettings& settings) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  if (auto s = apply_protocol_policy(ctx->native_handle()); !s.ok()) return s;
  if (auto s = load_identity(*ctx, settings); !s.ok()) return s;
  if (settings.client_ca) {
    if (auto s = load_client_ca(*ctx, *settings.client_ca, settings.require_client_cert); !s.ok()) {
      return s;
    }
  } else if (settings.require_client_cert) {
    return Status::failure("require_client_cert needs a client CA");
  }
  return ctx;
}

Result<TlsContextPtr> make_server_tls_context(const std::string& cert_pem,
                                              const std::string& key_pem,
                                              const std::optional<std::string>& client_ca,
                                              bool require_client_cert,
                                              const std::string& key_passphrase) {
  return make_server_tls_context(
      TlsServerSettings{cert_pem, key_pem, client_ca, require_client_cert, key_passphrase});
}

}  // namespace edigate::gateway::http
