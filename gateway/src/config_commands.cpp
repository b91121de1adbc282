#include "config_commands.hpp"

#include <openssl/crypto.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "config/cert_expiry.hpp"
#include "config/config.hpp"
#include "config/exposure.hpp"
#include "config/token_hash.hpp"
#include "edigate/sftp/password_hash.hpp"

namespace edigate::cli {
namespace {

namespace config = gateway::config;

// A token longer than this is a mistake (a file piped in by accident), not a token.
constexpr std::size_t kMaxTokenBytes = 4096;

int check(const std::string& file) {
  const config::LoadResult loaded = config::load_config(file);
  if (!loaded.ok()) {
    for (const config::ConfigIssue& i : loaded.issues) std::cerr << i.to_string() << "\n";
    return 1;
  }
  // Certificates about to expire and secrets served in clear are reported but do not fail the
  // check (cert_expiry.hpp, exposure.hpp).
  for (const config::ConfigIssue& w :
       config::certificate_warnings(*loaded.config, std::time(nullptr))) {
    std::cerr << "warning: " << w.to_string() << "\n";
  }
  for (const config::ConfigIssue& w : config::exposure_warnings(*loaded.config)) {
    std::cerr << "warning: " << w.to_string() << "\n";
  }
  std::cout << "ok: " << loaded.config->partners.size() << " partners, "
            << loaded.config->connectors.size() << " connectors\n";
  return 0;
}

// Reads a secret from standard input (never from argv, which other users can see in ps).
// Empty when it is missing or too long; the message names `what`.
std::string read_secret(const char* what, std::size_t max_bytes) {
  std::string secret(max_bytes + 1, '\0');
  std::cin.read(secret.data(), static_cast<std::streamsize>(secret.size()));
  secret.resize(static_cast<std::size_t>(std::cin.gcount()));
  if (secret.size() > max_bytes) {
    std::cerr << "edigate: the " << what << " is longer than " << max_bytes << " bytes\n";
    return {};
  }
  // `echo TOKEN |` and a file written by an editor end with a newline that is not the secret's.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) std::cerr << "edigate: no " << what << " on standard input\n";
  return secret;
}

int hash_token() {
  const std::string token = read_secret("token", kMaxTokenBytes);
  if (token.empty()) return 1;
  std::cout << config::to_hex(config::sha256_of(token)) << "\n";
  return 0;
}

int hash_password() {
  std::string password = read_secret("password", sftp::kMaxPasswordBytes);
  if (password.empty()) return 1;
  auto hashed = sftp::hash_password(password);
  OPENSSL_cleanse(password.data(), password.size());
  if (!hashed.ok()) {
    std::cerr << "edigate: " << hashed.status().message << "\n";
    return 1;
  }
  std::cout << hashed.value() << "\n";
  return 0;
}

}  // namespace

void add_config_commands(CLI::App& app, int& exit_code) {
  CLI::App* cmd =
      app.add_subcommand("config", "Check the gateway configuration, hash tokens and passwords");
  cmd->require_subcommand(1);

  auto file = std::make_shared<std::string>(config::kDefaultConfigPath);
  CLI::App* check_cmd = cmd->add_subcommand(
      "check", "Check edigate.xml, the partner profiles and their mapping directories");
  check_cmd->add_option("-c,--config", *file, "the configuration file")->capture_default_str();
  check_cmd->callback([file, &exit_code] { exit_code = check(*file); });

  CLI::App* hash_cmd = cmd->add_subcommand(
      "hash-token", "Read a token on standard input, print its SHA-256 for the configuration");
  hash_cmd->callback([&exit_code] { exit_code = hash_token(); });

  CLI::App* password_cmd = cmd->add_subcommand(
      "hash-password",
      "Read a partner's SFTP password on standard input, print its scrypt hash for the profile");
  password_cmd->callback([&exit_code] { exit_code = hash_password(); });
}

}  // namespace edigate::cli
