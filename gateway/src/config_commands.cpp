#include "config_commands.hpp"

#include <iostream>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/token_hash.hpp"

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
  std::cout << "ok: " << loaded.config->partners.size() << " partners, "
            << loaded.config->connectors.size() << " connectors\n";
  return 0;
}

int hash_token() {
  std::string token(kMaxTokenBytes + 1, '\0');
  std::cin.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<std::size_t>(std::cin.gcount()));
  if (token.size() > kMaxTokenBytes) {
    std::cerr << "edigate: the token is longer than " << kMaxTokenBytes << " bytes\n";
    return 1;
  }
  // `echo TOKEN |` and a file written by an editor end with a newline that is not the token's.
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) {
    std::cerr << "edigate: no token on standard input\n";
    return 1;
  }
  std::cout << config::to_hex(config::sha256_of(token)) << "\n";
  return 0;
}

}  // namespace

void add_config_commands(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("config", "Check the gateway configuration, hash tokens");
  cmd->require_subcommand(1);

  auto file = std::make_shared<std::string>(config::kDefaultConfigPath);
  CLI::App* check_cmd = cmd->add_subcommand(
      "check", "Check edigate.xml, the partner profiles and their mapping directories");
  check_cmd->add_option("-c,--config", *file, "the configuration file")->capture_default_str();
  check_cmd->callback([file, &exit_code] { exit_code = check(*file); });

  CLI::App* hash_cmd = cmd->add_subcommand(
      "hash-token", "Read a token on standard input, print its SHA-256 for the configuration");
  hash_cmd->callback([&exit_code] { exit_code = hash_token(); });
}

}  // namespace edigate::cli
