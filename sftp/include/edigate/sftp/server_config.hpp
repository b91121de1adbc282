// What the SFTP server needs to run: where to listen, its host keys, its partners and limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edigate/sftp/limits.hpp"
#include "edigate/sftp/password_hash.hpp"
#include "edigate/sftp/result.hpp"

namespace edigate::sftp {

// Names a client uploads under and then renames into place (WinSCP's NAME.filepart, the .NAME.part
// of edigate's own push): such an upload is held at its close and handed on at its rename.
inline const std::vector<std::string> kDefaultTemporarySuffixes = {".filepart", ".part"};
inline constexpr std::size_t kMaxTemporarySuffixes = 8;
inline constexpr std::size_t kMaxTemporarySuffixBytes = 32;

// Each suffix a dot then 1-31 letters, digits or . _ ~ -; at most kMaxTemporarySuffixes of them.
Status check_temporary_suffixes(const std::vector<std::string>& suffixes);
// Whether the name ends in one of the suffixes and has something before it.
bool is_temporary_name(const std::string& name, const std::vector<std::string>& suffixes);
// A space-separated list as in the configuration files ("" is none).
std::vector<std::string> split_suffixes(const std::string& list);

struct PartnerAccount {
  std::string id;                            // the SSH user name the partner logs in with
  std::vector<std::string> authorized_keys;  // OpenSSH public key lines ("ssh-ed25519 AAAA... c")
  std::string jail_dir;                      // holds inbox/ and outbox/
  bool legacy_algorithms = false;            // this partner needs the legacy algorithm set
  std::optional<PasswordHash> password;      // set: password authentication is enabled
  std::vector<std::string> temporary_suffixes = kDefaultTemporarySuffixes;
};

struct ServerConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 2222;  // 0 picks a free port (tests)
  std::string host_key_dir;   // ssh_host_ed25519_key, ssh_host_rsa_key
  std::string journal_path;   // durable record of uploads (JournalSink)
  std::string ready_file;     // if set, the bound port is written here
  ServerLimits limits;
  std::vector<PartnerAccount> partners;
};

// Reads the XML configuration (format in docs/sftp.md). Relative paths are taken relative to
// the directory of the file.
Result<ServerConfig> load_server_config(const std::string& path);

}  // namespace edigate::sftp
