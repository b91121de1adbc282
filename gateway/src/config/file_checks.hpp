// Checks on the files a configuration names: readable secrets, loadable certificates and keys.
// Each returns an error message, or nothing when the file is fine.
#pragma once

#include <optional>
#include <string>

#include "config/config.hpp"

namespace edigate::gateway::config {

// A regular file we can open for reading (secrets: token, password, client secret, HMAC key).
std::optional<std::string> check_readable(const fs::path& file);
// A readable file that only its owner and group may read: private keys and secrets. A file
// everyone can read is refused, like ssh refuses such a key.
std::optional<std::string> check_private(const fs::path& file);
// A directory (or one that can be created later: its parent exists).
std::optional<std::string> check_directory(const fs::path& dir, bool may_be_created);

struct LoadedCertificate {
  as2::Certificate certificate;
  std::string error;  // empty when loaded
};
LoadedCertificate load_certificate_file(const fs::path& file);

struct LoadedKey {
  as2::PrivateKey key;
  std::string error;
};
// A PEM or DER private key; an encrypted PEM key (PKCS#8 or OpenSSL's legacy form) is
// decrypted with `passphrase` (empty: none configured, and the error says so).
LoadedKey load_key_file(const fs::path& file, const std::string& passphrase);

// The passphrase of our encrypted keys from a file: its first line, without the line end (as
// `openssl ... -passin file:` reads it). The file must be private and the line not empty.
struct LoadedSecret {
  std::string text;
  std::string error;
};
LoadedSecret load_passphrase_file(const fs::path& file);

// The key belongs to the certificate.
bool key_matches(const as2::Certificate& cert, const as2::PrivateKey& key);

}  // namespace edigate::gateway::config
