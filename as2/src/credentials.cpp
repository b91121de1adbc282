#include "edigate/as2/credentials.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "ossl.hpp"

namespace edigate::as2 {

void X509Free::operator()(X509* p) const { X509_free(p); }
void PkeyFree::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }

std::string Certificate::subject() const {
  if (!x509_) return {};
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x509_.get()), buf, sizeof buf);
  return buf;
}

bool Certificate::same_as(const Certificate& other) const {
  if (!x509_ || !other.x509_) return false;
  return X509_cmp(x509_.get(), other.x509_.get()) == 0;
}

std::string Certificate::der() const {
  unsigned char* bytes = nullptr;
  const int n = x509_ ? i2d_X509(x509_.get(), &bytes) : -1;
  if (n <= 0) return {};
  std::string out(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
  OPENSSL_free(bytes);
  return out;
}

Result<Certificate> load_certificate(std::string_view bytes) {
  Bio bio = memory_bio(bytes);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    ERR_clear_error();
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    cert = d2i_X509(nullptr, &p, static_cast<long>(bytes.size()));
  }
  if (cert == nullptr)
    return Error{ErrorCode::crypto_error, "not a PEM or DER certificate: " + openssl_error()};
  return Certificate(cert);
}

bool is_encrypted_pem_key(std::string_view bytes) {
  return bytes.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
         bytes.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

Result<PrivateKey> load_private_key(std::string_view bytes, std::string_view password) {
  std::string pass(password);
  Bio bio = memory_bio(bytes);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, pass.data());
  if (key == nullptr) {
    ERR_clear_error();
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size()));
  }
  if (key == nullptr && is_encrypted_pem_key(bytes)) {
    ERR_clear_error();
    return Error{ErrorCode::crypto_error, password.empty()
                                              ? "the key is encrypted and no password was given"
                                              : "the password does not decrypt the key"};
  }
  if (key == nullptr)
    return Error{ErrorCode::crypto_error, "not a PEM or DER private key: " + openssl_error()};
  return PrivateKey(key);
}

Result<Identity> load_pkcs12(std::string_view bytes, std::string_view password) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  PKCS12* p12 = d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size()));
  if (p12 == nullptr)
    return Error{ErrorCode::crypto_error, "not a PKCS#12 file: " + openssl_error()};
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  const std::string pass(password);
  const int ok = PKCS12_parse(p12, pass.c_str(), &key, &cert, nullptr);
  PKCS12_free(p12);
  if (ok != 1 || key == nullptr || cert == nullptr) {
    EVP_PKEY_free(key);
    X509_free(cert);
    return Error{ErrorCode::crypto_error, "cannot open PKCS#12 (password?): " + openssl_error()};
  }
  return Identity{Certificate(cert), PrivateKey(key)};
}

Result<std::string> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::bad_input, "cannot open " + path};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<Identity> make_self_signed_identity(std::string_view common_name, int bits, long days) {
  PrivateKey key(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  Certificate cert(X509_new());
  if (!key || !cert)
    return Error{ErrorCode::crypto_error, "key generation failed: " + openssl_error()};
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));  // CMS names a signer by issuer+serial
  BN_free(bn);
  X509_set_version(cert.get(), 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400);
  const std::string cn(common_name);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return Error{ErrorCode::crypto_error, "certificate signing failed: " + openssl_error()};
  return Identity{cert, key};
}

}  // namespace edigate::as2
