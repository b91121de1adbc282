#include "config/file_checks.hpp"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <fstream>
#include <system_error>

namespace edigate::gateway::config {

std::optional<std::string> check_readable(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return "'" + file.string() + "' is not a file";
  std::ifstream in(file, std::ios::binary);
  if (!in) return "cannot read '" + file.string() + "'";
  return std::nullopt;
}

std::optional<std::string> check_private(const fs::path& file) {
  if (auto unreadable = check_readable(file)) return unreadable;
  std::error_code ec;
  const fs::perms perms = fs::status(file, ec).permissions();
  if (!ec && (perms & fs::perms::others_read) != fs::perms::none) {
    return "'" + file.string() + "' is readable by everyone (chmod o-r)";
  }
  return std::nullopt;
}

std::optional<std::string> check_directory(const fs::path& dir, bool may_be_created) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return std::nullopt;
  if (fs::exists(dir, ec)) return "'" + dir.string() + "' is not a directory";
  if (may_be_created && fs::is_directory(dir.parent_path(), ec)) return std::nullopt;
  return "directory '" + dir.string() + "' does not exist";
}

LoadedCertificate load_certificate_file(const fs::path& file) {
  if (auto unreadable = check_readable(file)) return {{}, *unreadable};
  as2::Result<std::string> bytes = as2::read_file_bytes(file.string());
  if (!bytes) return {{}, bytes.error().message};
  as2::Result<as2::Certificate> cert = as2::load_certificate(*bytes);
  if (!cert) return {{}, "'" + file.string() + "': " + cert.error().message};
  return {*cert, {}};
}

LoadedKey load_key_file(const fs::path& file, const std::string& passphrase) {
  if (auto exposed = check_private(file)) return {{}, *exposed};
  as2::Result<std::string> bytes = as2::read_file_bytes(file.string());
  if (!bytes) return {{}, bytes.error().message};
  as2::Result<as2::PrivateKey> key = as2::load_private_key(*bytes, passphrase);
  const bool encrypted = as2::is_encrypted_pem_key(*bytes);
  OPENSSL_cleanse(bytes->data(), bytes->size());
  if (key) return {*key, {}};
  if (encrypted && passphrase.empty()) {
    return {{},
            "'" + file.string() +
                "' is encrypted: give its passphrase in <keys passphrase-file> or "
                "<keys passphrase-credential>"};
  }
  if (encrypted) {
    return {{}, "'" + file.string() + "' does not decrypt with the passphrase in <keys>"};
  }
  return {{}, "'" + file.string() + "': " + key.error().message};
}

LoadedSecret load_passphrase_file(const fs::path& file) {
  if (auto exposed = check_private(file)) return {{}, *exposed};
  as2::Result<std::string> bytes = as2::read_file_bytes(file.string());
  if (!bytes) return {{}, bytes.error().message};
  std::string line = bytes->substr(0, bytes->find('\n'));
  OPENSSL_cleanse(bytes->data(), bytes->size());
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // OpenSSL's PEM password callbacks take at most PEM_BUFSIZE (1024) bytes.
  constexpr std::size_t kMaxPassphraseBytes = 1023;
  if (line.empty()) return {{}, "'" + file.string() + "' holds no passphrase on its first line"};
  if (line.size() > kMaxPassphraseBytes) {
    OPENSSL_cleanse(line.data(), line.size());
    return {{}, "'" + file.string() + "': the passphrase is longer than 1023 bytes"};
  }
  return {std::move(line), {}};
}

bool key_matches(const as2::Certificate& cert, const as2::PrivateKey& key) {
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace edigate::gateway::config
