// SFTP version 3 (draft-ietf-secsh-filexfer-02) on the wire, server side. Packets are framed from
// the channel's byte stream with max_packet_bytes checked on the 4-byte length before any of the
// body is kept: an oversized packet costs its first bytes (enough for its type, id and handle)
// and is then skipped as it arrives, so a session holds at most one packet of the limit. The
// requests edigate serves are decoded and its replies encoded here; nothing here touches files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edigate::sftp::wire {

// Packet types.
inline constexpr std::uint8_t kInit = 1;
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::uint8_t kOpen = 3;
inline constexpr std::uint8_t kClose = 4;
inline constexpr std::uint8_t kRead = 5;
inline constexpr std::uint8_t kWrite = 6;
inline constexpr std::uint8_t kLstat = 7;
inline constexpr std::uint8_t kFstat = 8;
inline constexpr std::uint8_t kSetstat = 9;
inline constexpr std::uint8_t kFsetstat = 10;
inline constexpr std::uint8_t kOpendir = 11;
inline constexpr std::uint8_t kReaddir = 12;
inline constexpr std::uint8_t kRemove = 13;
inline constexpr std::uint8_t kRealpath = 16;
inline constexpr std::uint8_t kStat = 17;
inline constexpr std::uint8_t kRename = 18;
inline constexpr std::uint8_t kStatus = 101;
inline constexpr std::uint8_t kHandle = 102;
inline constexpr std::uint8_t kData = 103;
inline constexpr std::uint8_t kName = 104;
inline constexpr std::uint8_t kAttrs = 105;

// Status codes.
inline constexpr std::uint32_t kOk = 0;
inline constexpr std::uint32_t kEof = 1;
inline constexpr std::uint32_t kNoSuchFile = 2;
inline constexpr std::uint32_t kPermissionDenied = 3;
inline constexpr std::uint32_t kFailure = 4;
inline constexpr std::uint32_t kBadMessage = 5;
inline constexpr std::uint32_t kOpUnsupported = 8;

// OPEN flags.
inline constexpr std::uint32_t kOpenRead = 0x01;
inline constexpr std::uint32_t kOpenWrite = 0x02;
inline constexpr std::uint32_t kOpenAppend = 0x04;
inline constexpr std::uint32_t kOpenCreate = 0x08;

// Attribute flags.
inline constexpr std::uint32_t kAttrSize = 0x01;
inline constexpr std::uint32_t kAttrUidGid = 0x02;
inline constexpr std::uint32_t kAttrPermissions = 0x04;
inline constexpr std::uint32_t kAttrAcModTime = 0x08;
inline constexpr std::uint32_t kAttrExtended = 0x80000000;

inline constexpr std::uint32_t kProtocolVersion = 3;

// SFTP's big-endian 32-bit fields (also the handle table's wire handles).
inline std::uint32_t get_u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}
inline void put_u32(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (24 - 8 * i));
}

// What is kept of a packet over the limit: type, id and a handle of up to 256 bytes.
inline constexpr std::size_t kOversizedHeadBytes = 1 + 4 + 4 + 256;

// Points into the Framer's buffer: valid until its next feed().
struct Frame {
  std::string_view body;     // from the type byte on; of an oversized packet, its first bytes only
  std::uint32_t length = 0;  // the length the packet declared
  bool oversized = false;
};

// Cuts the channel's bytes into packets.
class Framer {
 public:
  explicit Framer(std::uint32_t max_length) : max_length_(max_length) {}

  // Takes bytes as they come off the channel (those of an oversized packet's rest are dropped).
  // What next() handed out so far is let go: the buffer holds at most one packet of the limit
  // (or an oversized one's head) and what this call adds.
  void feed(const char* data, std::size_t size);
  // The next whole packet, or the head of one over the limit; nullopt when more bytes are needed
  // or the stream is broken.
  std::optional<Frame> next();
  // A packet declared a length of 0 (no type byte): nothing after it can be framed.
  bool broken() const { return broken_; }
  std::size_t buffered() const { return buffer_.size() - start_; }
  // Bytes in the buffer, those already handed out included.
  std::size_t held() const { return buffer_.size(); }

 private:
  void skip_buffered();

  std::uint32_t max_length_;
  std::string buffer_;
  std::size_t start_ = 0;       // where the unread bytes begin in buffer_
  std::uint64_t skipping_ = 0;  // bytes of an oversized packet still to drop
  bool broken_ = false;
};

struct Attributes {
  std::uint32_t flags = 0;
  std::uint64_t size = 0;
  std::uint32_t permissions = 0;
  std::uint32_t atime = 0;
  std::uint32_t mtime = 0;
};

struct Request {
  std::uint8_t type = 0;
  std::uint32_t id = 0;      // INIT: the client's version
  std::string path;          // OPEN, OPENDIR, REMOVE, REALPATH, STAT, LSTAT, SETSTAT, RENAME's
                             // old path (may hold a NUL)
  std::string target;        // RENAME: the new path
  std::string handle;        // CLOSE, READ, WRITE, FSTAT, FSETSTAT, READDIR
  std::uint32_t pflags = 0;  // OPEN
  std::uint64_t offset = 0;  // READ, WRITE
  std::uint32_t length = 0;  // READ
  std::string_view data;     // WRITE: points into the frame's body
  Attributes attributes;     // SETSTAT, FSETSTAT (extended attributes are flagged, not kept)
};

enum class Decoded {
  ok,
  bad_message,  // type and id read, the rest is not a well-formed request of that type
  unreadable,   // not even a type and an id: the session cannot answer it
};

// A whole packet's body. Types edigate does not serve are read as far as their id.
Decoded decode(std::string_view body, Request& out, std::string& error);
// An oversized packet's head: its type, id and, for a WRITE, its handle when the head holds it.
Decoded decode_head(std::string_view head, Request& out);

struct Name {
  std::string file_name;
  std::string long_name;
  Attributes attributes;
};

// Replies, each a whole packet with its length.
std::string version_packet();
std::string status_packet(std::uint32_t id, std::uint32_t code, std::string_view message);
std::string handle_packet(std::uint32_t id, std::string_view handle);
std::string data_packet(std::uint32_t id, std::string_view data);
std::string attrs_packet(std::uint32_t id, const Attributes& attributes);
std::string name_packet(std::uint32_t id, const std::vector<Name>& names);

}  // namespace edigate::sftp::wire
