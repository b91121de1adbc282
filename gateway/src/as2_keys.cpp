#include "as2_keys.hpp"

#include "config/file_checks.hpp"

namespace edigate::cli {

void KeyOptions::add_to(CLI::App* command, const std::string& whose) {
  command->add_option("--cert", cert, whose + " certificate (PEM or DER)");
  command->add_option("--key", key, whose + " private key (PEM or DER)");
  command->add_option("--p12", p12, whose + " certificate and key as PKCS#12");
  auto* pw = command->add_option("--password", password,
                                 "Password of the PKCS#12 file or encrypted PEM key");
  command
      ->add_option("--password-file", password_file,
                   "File whose first line is that password (not on the command line, where "
                   "other users of the host can read it)")
      ->excludes(pw);
}

namespace {

// The password from --password or the first line of --password-file.
as2::Result<std::string> password_of(const KeyOptions& options) {
  if (options.password_file.empty()) return options.password;
  gateway::config::LoadedSecret secret =
      gateway::config::load_passphrase_file(options.password_file);
  if (!secret.error.empty()) return as2::Error{as2::ErrorCode::bad_input, secret.error};
  return secret.text;
}

}  // namespace

as2::Result<as2::Certificate> load_certificate_file(const std::string& path) {
  auto bytes = as2::read_file_bytes(path);
  if (!bytes) return bytes.error();
  auto cert = as2::load_certificate(*bytes);
  if (!cert) return as2::Error{cert.error().code, path + ": " + cert.error().message};
  return cert;
}

as2::Result<as2::Identity> load_identity(const KeyOptions& options) {
  auto password = password_of(options);
  if (!password) return password.error();
  if (!options.p12.empty()) {
    auto bytes = as2::read_file_bytes(options.p12);
    if (!bytes) return bytes.error();
    return as2::load_pkcs12(*bytes, *password);
  }
  if (options.cert.empty() || options.key.empty())
    return as2::Error{as2::ErrorCode::bad_input, "give --p12, or --cert and --key"};
  auto cert = load_certificate_file(options.cert);
  if (!cert) return cert.error();
  auto bytes = as2::read_file_bytes(options.key);
  if (!bytes) return bytes.error();
  auto key = as2::load_private_key(*bytes, *password);
  if (!key) return as2::Error{key.error().code, options.key + ": " + key.error().message};
  return as2::Identity{*cert, *key};
}

}  // namespace edigate::cli
