#include "as2_test_support.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace edigate::as2::test {
namespace {

Identity generate(const std::string& name, int bits) {
  auto id = make_self_signed_identity(name, bits);
  if (!id) throw std::runtime_error(id.error().message);
  return *id;
}

}  // namespace

const Identity& identity(const std::string& name, int bits) {
  static std::map<std::string, Identity> cache;
  const std::string key = name + "/" + std::to_string(bits);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, generate(name, bits)).first;
  return it->second;
}

Certificate certificate_valid(const PrivateKey& key, std::int64_t not_before,
                              std::int64_t not_after) {
  Certificate cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(not_after));
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("dated"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the test certificate");
  }
  return cert;
}

std::string pem_certificate(const Certificate& cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string pem_private_key(const PrivateKey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string pem_encrypted_private_key(const PrivateKey& key, const std::string& passphrase) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PKCS8PrivateKey(bio, key.get(), EVP_aes_256_cbc(), passphrase.data(),
                                static_cast<int>(passphrase.size()), nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "edigate-as2-XXXXXX").string();
  path_ = ::mkdtemp(templ.data());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

PartnerProfile partner_profile(int bits) {
  PartnerProfile p;
  p.as2_id = "PARTNER A";
  p.certificate = identity("partner", bits).certificate;
  return p;
}

LocalStation local_station(int bits) {
  return LocalStation{"EDIGATE", identity("edigate", bits), {}};
}

PartnerProfile as_partner_of_partner(int bits) {
  PartnerProfile p;
  p.as2_id = "EDIGATE";
  p.certificate = identity("edigate", bits).certificate;
  return p;
}

LocalStation partner_station(int bits) {
  return LocalStation{"PARTNER A", identity("partner", bits), {}};
}

}  // namespace edigate::as2::test
