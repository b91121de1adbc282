// Keys and certificates, loaded from PEM, DER or PKCS#12. Owning, movable handles.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "edigate/as2/result.hpp"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace edigate::as2 {

struct X509Free {
  void operator()(X509* p) const;
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const;
};

class Certificate {
 public:
  Certificate() = default;
  explicit Certificate(X509* owned) : x509_(owned, X509Free{}) {}
  X509* get() const { return x509_.get(); }
  explicit operator bool() const { return x509_ != nullptr; }
  std::string subject() const;
  bool same_as(const Certificate& other) const;  // byte-identical DER
  std::string der() const;                       // "" for an empty handle

 private:
  std::shared_ptr<X509> x509_;
};

class PrivateKey {
 public:
  PrivateKey() = default;
  explicit PrivateKey(EVP_PKEY* owned) : pkey_(owned, PkeyFree{}) {}
  EVP_PKEY* get() const { return pkey_.get(); }
  explicit operator bool() const { return pkey_ != nullptr; }

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
};

// A certificate with its private key: what we sign and decrypt with.
struct Identity {
  Certificate certificate;
  PrivateKey key;
};

// Bytes in PEM or DER.
Result<Certificate> load_certificate(std::string_view bytes);
Result<PrivateKey> load_private_key(std::string_view bytes, std::string_view password = {});
// A PEM private key under a password: PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY) or OpenSSL's older
// form (Proc-Type: 4,ENCRYPTED).
bool is_encrypted_pem_key(std::string_view bytes);
Result<Identity> load_pkcs12(std::string_view bytes, std::string_view password);
Result<std::string> read_file_bytes(const std::string& path);

// A fresh RSA key with a self-signed certificate (CN = common_name, valid for `days`), for
// tests, benchmarks and development stations; production keys come from the operator.
Result<Identity> make_self_signed_identity(std::string_view common_name, int bits, long days = 365);

}  // namespace edigate::as2
