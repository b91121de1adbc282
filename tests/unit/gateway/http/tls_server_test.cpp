#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "http/server.hpp"

using namespace edigate::gateway::http;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

// A throwaway self-signed P-256 certificate, PEM encoded; it also serves as its own CA.
struct TestIdentity {
  std::string cert_pem;
  std::string key_pem;
  std::string sha256_hex;
  std::string encrypted_key_pem;  // the same key, PKCS#8 under kPassphrase
};

constexpr const char* kPassphrase = "correct horse battery";

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

TestIdentity make_identity(const char* common_name) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());

  TestIdentity id;
  BIO* c = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(c, cert);
  id.cert_pem = bio_text(c);
  BIO* k = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  id.key_pem = bio_text(k);
  BIO* e = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(e, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                const_cast<char*>(kPassphrase));
  id.encrypted_key_pem = bio_text(e);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert, EVP_sha256(), md, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < len; ++i) {
    id.sha256_hex += kHex[md[i] >> 4];
    id.sha256_hex += kHex[md[i] & 0x0f];
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return id;
}

struct TlsReply {
  bool handshake_ok = false;
  std::string fingerprint;
  std::string protocol;
};

// One GET /who over TLS with the given client context; errors are reported, never thrown.
TlsReply ask(std::uint16_t port, asio::ssl::context& client) {
  TlsReply reply;
  asio::io_context ioc;
  asio::ssl::stream<asio::ip::tcp::socket> stream(ioc, client);
  boost::system::error_code ec;
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return reply;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return reply;
  reply.protocol = SSL_get_version(stream.native_handle());
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/who", 11};
  req.set(bhttp::field::host, "localhost");
  bhttp::write(stream, req, ec);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  bhttp::read(stream, buffer, res, ec);
  if (ec) return reply;  // TLS 1.3 reports a refused client certificate only here
  reply.handshake_ok = true;
  reply.fingerprint = res.body();
  return reply;
}

struct TlsServer {
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;

  TlsServer(const TestIdentity& server_id, const std::optional<std::string>& client_ca,
            bool require, bool encrypted_key = false) {
    Router router;
    router.add("GET", "/who", [](Request req, Responder res) {
      res.send(Response::text(200, req.client_cert_sha256.value_or("none")));
    });
    server = std::make_unique<HttpServer>(ServerOptions{}, std::move(router), nullptr);
    auto tls =
        encrypted_key
            ? make_server_tls_context(server_id.cert_pem, server_id.encrypted_key_pem, client_ca,
                                      require, kPassphrase)
            : make_server_tls_context(server_id.cert_pem, server_id.key_pem, client_ca, require);
    REQUIRE(tls.ok());
    auto bound = server->add_listener({"tls", "127.0.0.1", 0, tls.value()});
    REQUIRE(bound.ok());
    port = bound.value();
    REQUIRE(server->start().ok());
  }
};

asio::ssl::context client_context(int min_version, int max_version) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), min_version);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), max_version);
  // Let the client offer old protocols, so a refusal is the server's doing.
  SSL_CTX_set_security_level(ctx.native_handle(), 0);
  ctx.set_verify_mode(asio::ssl::verify_none);
  return ctx;
}

void use_identity(asio::ssl::context& ctx, const TestIdentity& id) {
  ctx.use_certificate(asio::buffer(id.cert_pem), asio::ssl::context::pem);
  ctx.use_private_key(asio::buffer(id.key_pem), asio::ssl::context::pem);
}

}  // namespace

TEST_CASE("tls: 1.2 and 1.3 accepted, 1.1 refused, client fingerprint reaches the handler",
          "[http]") {
  auto server_id = make_identity("localhost");
  auto partner = make_identity("partner");
  auto stranger = make_identity("stranger");
  TlsServer ts(server_id, partner.cert_pem, false);

  auto tls12 = client_context(TLS1_2_VERSION, TLS1_2_VERSION);
  auto r12 = ask(ts.port, tls12);
  CHECK(r12.handshake_ok);
  CHECK(r12.protocol == "TLSv1.2");
  CHECK(r12.fingerprint == "none");

  auto tls13 = client_context(TLS1_3_VERSION, TLS1_3_VERSION);
  use_identity(tls13, partner);
  auto r13 = ask(ts.port, tls13);
  CHECK(r13.handshake_ok);
  CHECK(r13.protocol == "TLSv1.3");
  CHECK(r13.fingerprint == partner.sha256_hex);

  auto tls11 = client_context(TLS1_1_VERSION, TLS1_1_VERSION);
  CHECK_FALSE(ask(ts.port, tls11).handshake_ok);

  auto unknown = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  use_identity(unknown, stranger);
  CHECK_FALSE(ask(ts.port, unknown).handshake_ok);
}

TEST_CASE("tls: require_client_cert refuses a client without a certificate", "[http]") {
  auto server_id = make_identity("localhost");
  auto partner = make_identity("partner");
  TlsServer ts(server_id, partner.cert_pem, true);

  auto anonymous = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  CHECK_FALSE(ask(ts.port, anonymous).handshake_ok);

  auto known = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  use_identity(known, partner);
  auto r = ask(ts.port, known);
  CHECK(r.handshake_ok);
  CHECK(r.fingerprint == partner.sha256_hex);
}

TEST_CASE("tls: an encrypted key is served with its passphrase, refused without it", "[http]") {
  auto server_id = make_identity("localhost");
  REQUIRE(server_id.encrypted_key_pem.find("ENCRYPTED PRIVATE KEY") != std::string::npos);
  TlsServer ts(server_id, std::nullopt, false, true);
  auto client = client_context(TLS1_2_VERSION, TLS1_3_VERSION);
  CHECK(ask(ts.port, client).handshake_ok);

  // Without the passphrase (or with a wrong one) the context is refused; OpenSSL is never left
  // to prompt on a terminal.
  auto none =
      make_server_tls_context(server_id.cert_pem, server_id.encrypted_key_pem, std::nullopt, false);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().find("server private key") != std::string::npos);
  auto wrong = make_server_tls_context(server_id.cert_pem, server_id.encrypted_key_pem,
                                       std::nullopt, false, "not the passphrase");
  CHECK_FALSE(wrong.ok());
}
