// SFTP push to a partner's server (libcurl): key authentication, host key pinned by its SHA-256
// fingerprint, upload under a temporary name then rename, retries with exponential backoff.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "edigate/sftp/result.hpp"

namespace edigate::sftp {

inline constexpr unsigned kDefaultPushAttempts = 4;
inline constexpr unsigned kDefaultPushBackoffMillis = 500;  // doubled per retry, with jitter
inline constexpr long kDefaultPushConnectTimeoutSeconds = 15;
// A transfer that moves less than a byte a second for this long is given up (and retried): a
// partner's server that stops reading must not hold the caller (a job runner) for ever.
inline constexpr long kDefaultPushStallSeconds = 60;
// Beyond the stall check, one attempt as a whole may take 5 minutes plus a second per 16 KiB.
inline constexpr long kPushBaseSeconds = 300;
inline constexpr long kPushBytesPerSecond = 16 * 1024;

struct PushTarget {
  std::string host;
  std::uint16_t port = 22;
  std::string user;
  std::string private_key_file;
  std::string private_key_passphrase;  // for an encrypted key; empty: the key is not encrypted
  std::string public_key_file;         // optional; libssh2 derives it from the private key if empty
  std::string host_key_sha256;   // "SHA256:..." as printed by ssh-keygen -lf, or the bare base64
  std::string remote_dir;        // absolute, e.g. /inbound
  bool temp_then_rename = true;  // upload as .NAME.part, then rename to NAME
  unsigned max_attempts = kDefaultPushAttempts;
  unsigned initial_backoff_ms = kDefaultPushBackoffMillis;
  long connect_timeout_seconds = kDefaultPushConnectTimeoutSeconds;
  long stall_seconds = kDefaultPushStallSeconds;
};

struct PushOutcome {
  unsigned attempts = 0;
  std::string remote_path;
};

// Uploads `local_path` as `remote_name` in target.remote_dir. A wrong host key or a refused
// login is final (no retry); transport errors are retried up to max_attempts.
Result<PushOutcome> push_file(const PushTarget& target, const std::string& local_path,
                              const std::string& remote_name);
// The same for bytes held in memory.
Result<PushOutcome> push_bytes(const PushTarget& target, std::string_view bytes,
                               const std::string& remote_name);

}  // namespace edigate::sftp
