// Test support: RSA identities generated at test time, temp dirs and file helpers.
#pragma once

#include <cstdint>
#include <edigate/as2/credentials.hpp>
#include <edigate/as2/partner.hpp>
#include <filesystem>
#include <string>

namespace edigate::as2::test {

// A fresh RSA key and self-signed certificate (cached per name+bits within the test run).
const Identity& identity(const std::string& name, int bits = 2048);

// A self-signed certificate for `key` valid from `not_before` to `not_after` (Unix seconds).
Certificate certificate_valid(const PrivateKey& key, std::int64_t not_before,
                              std::int64_t not_after);

std::string pem_certificate(const Certificate& cert);
std::string pem_private_key(const PrivateKey& key);
// PKCS#8, encrypted with AES-256-CBC under `passphrase` (what `openssl pkey -aes256` writes).
std::string pem_encrypted_private_key(const PrivateKey& key, const std::string& passphrase);

// A temporary directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_file(const std::string& path, std::string_view bytes);
std::string read_file(const std::string& path);
// Runs a shell command; returns its exit status.
int run(const std::string& command);

// Partner "PARTNER A" (spaces on purpose) and local station "EDIGATE" with the given key size.
PartnerProfile partner_profile(int bits = 2048);
LocalStation local_station(int bits = 2048);
PartnerProfile as_partner_of_partner(int bits = 2048);  // how the partner sees us
LocalStation partner_station(int bits = 2048);          // the partner's own station

}  // namespace edigate::as2::test
