#include "config/file_checks.hpp"

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

LoadedKey load_key_file(const fs::path& file) {
  if (auto exposed = check_private(file)) return {{}, *exposed};
  as2::Result<std::string> bytes = as2::read_file_bytes(file.string());
  if (!bytes) return {{}, bytes.error().message};
  as2::Result<as2::PrivateKey> key = as2::load_private_key(*bytes);
  if (!key) return {{}, "'" + file.string() + "': " + key.error().message};
  return {*key, {}};
}

bool key_matches(const as2::Certificate& cert, const as2::PrivateKey& key) {
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

}  // namespace edigate::gateway::config
