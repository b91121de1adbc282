// Named limits for every untrusted size the as2 module reads. Each default can be overridden
// per call through the settings structs that carry them.
#pragma once

#include <cstddef>

namespace edigate::as2 {

inline constexpr std::size_t kDefaultMaxHeaderBytes = 64 * 1024;  // one part's header block
inline constexpr std::size_t kDefaultMaxParts = 64;               // parts in one multipart
inline constexpr std::size_t kDefaultMaxDepth = 8;                // multipart nesting
inline constexpr std::size_t kDefaultMaxDecompressedBytes = 256u * 1024 * 1024;  // bombs
inline constexpr std::size_t kDefaultMaxMessageBytes = 512u * 1024 * 1024;
inline constexpr std::size_t kMaxAs2IdLength = 128;
// RecipientInfos tried on decryption (each costs a private-key operation).
inline constexpr std::size_t kMaxRecipients = 16;
inline constexpr std::size_t kMaxMessageIdLength = 998;

struct MimeLimits {
  std::size_t max_header_bytes = kDefaultMaxHeaderBytes;
  std::size_t max_parts = kDefaultMaxParts;
  std::size_t max_depth = kDefaultMaxDepth;
};

struct Limits {
  MimeLimits mime;
  std::size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
  std::size_t max_message_bytes = kDefaultMaxMessageBytes;
  std::size_t max_recipients = kMaxRecipients;
  // false: a negative MDN goes unsigned even when a signed one was asked for (a flood guard:
  // a refusal then costs no private-key operation), unless the message's signature verified
  // as the partner's (ReceiveOutcome::was_signed). A positive MDN is signed as asked either
  // way.
  bool sign_refusals = true;
};

}  // namespace edigate::as2
