// Every size or count a partner controls has a named default here and a setting in ServerLimits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edigate::sftp {

inline constexpr std::uint32_t kDefaultMaxPacketBytes = 256 * 1024;  // one SFTP request
inline constexpr std::uint32_t kDefaultMaxReadBytes = 64 * 1024;     // one READ reply
// The most either may be set to: a session holds one request and one reply of these sizes
// (OpenSSH's client sends 32-256 KiB per request).
inline constexpr std::uint32_t kMaxPacketBytesCeiling = 16 * 1024 * 1024;
inline constexpr std::uint32_t kDefaultMaxOpenHandles = 16;  // per session
inline constexpr std::uint32_t kDefaultMaxSessionsPerPartner = 4;
inline constexpr std::uint32_t kDefaultMaxSessionsTotal = 64;
inline constexpr std::uint32_t kDefaultMaxAuthAttempts = 3;
inline constexpr std::uint32_t kDefaultIdleSeconds = 300;
inline constexpr std::uint32_t kDefaultLoginGraceSeconds = 30;       // kex + auth must finish
inline constexpr std::uint64_t kDefaultMaxUploadBytes = 4ull << 30;  // one file
inline constexpr std::uint32_t kDefaultMaxPathBytes = 1024;          // one path from a client
inline constexpr std::uint32_t kDefaultMaxListEntries = 10000;       // one directory listing
// Password checks (scrypt, 32 MiB each by default) running at once across all connections.
inline constexpr std::ptrdiff_t kMaxConcurrentPasswordChecks = 2;

struct ServerLimits {
  std::uint32_t max_packet_bytes = kDefaultMaxPacketBytes;
  std::uint32_t max_read_bytes = kDefaultMaxReadBytes;
  std::uint32_t max_open_handles = kDefaultMaxOpenHandles;
  std::uint32_t max_sessions_per_partner = kDefaultMaxSessionsPerPartner;
  std::uint32_t max_sessions_total = kDefaultMaxSessionsTotal;
  std::uint32_t max_auth_attempts = kDefaultMaxAuthAttempts;
  std::uint32_t idle_seconds = kDefaultIdleSeconds;
  std::uint32_t login_grace_seconds = kDefaultLoginGraceSeconds;
  std::uint64_t max_upload_bytes = kDefaultMaxUploadBytes;
  std::uint32_t max_path_bytes = kDefaultMaxPathBytes;
  std::uint32_t max_list_entries = kDefaultMaxListEntries;

  bool operator==(const ServerLimits&) const = default;
};

}  // namespace edigate::sftp
