#include "sftp_wire.hpp"

#include <algorithm>

namespace edigate::sftp::wire {
namespace {

// Reads big-endian fields off the front of a packet body; each read fails, taking nothing, when
// the body is too short for it.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool u8(std::uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (in_.size() < 4) return false;
    v = get_u32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool u64(std::uint64_t& v) {
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    if (in_.size() < 8 || !u32(high) || !u32(low)) return false;
    v = (std::uint64_t{high} << 32) | low;
    return true;
  }
  bool string(std::string_view& v) {
    if (in_.size() < 4 || get_u32(in_.data()) > in_.size() - 4) return false;
    v = in_.substr(4, get_u32(in_.data()));
    in_.remove_prefix(4 + v.size());
    return true;
  }
  bool string(std::string& v) {
    std::string_view view;
    if (!string(view)) return false;
    v.assign(view);
    return true;
  }
  // ATTRS. What a client asks for at OPEN is read to be skipped; SETSTAT's are kept (extended
  // pairs are read past, their presence left in the flags).
  bool attributes(Attributes& out) {
    std::uint32_t word = 0;
    if (!u32(out.flags)) return false;
    if ((out.flags & kAttrSize) != 0 && !u64(out.size)) return false;
    if ((out.flags & kAttrUidGid) != 0 && !(u32(word) && u32(word))) return false;
    if ((out.flags & kAttrPermissions) != 0 && !u32(out.permissions)) return false;
    if ((out.flags & kAttrAcModTime) != 0 && !(u32(out.atime) && u32(out.mtime))) return false;
    if ((out.flags & kAttrExtended) == 0) return true;
    std::uint32_t count = 0;
    if (!u32(count)) return false;
    std::string_view type;
    std::string_view data;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (!string(type) || !string(data)) return false;
    }
    return true;
  }
  bool attributes() {
    Attributes skipped;
    return attributes(skipped);
  }

 private:
  std::string_view in_;
};

// Builds one packet: the length is filled in at the end.
class Packet {
 public:
  explicit Packet(std::uint8_t type) {
    out_.assign(4, '\0');
    out_.push_back(static_cast<char>(type));
  }
  Packet& u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(v >> shift));
    return *this;
  }
  Packet& u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    return u32(static_cast<std::uint32_t>(v));
  }
  Packet& string(std::string_view v) {
    u32(static_cast<std::uint32_t>(v.size()));
    out_.append(v);
    return *this;
  }
  // Only the attributes Attributes holds: their flags, then each of their fields.
  Packet& attributes(const Attributes& a) {
    const std::uint32_t flags = a.flags & (kAttrSize | kAttrPermissions | kAttrAcModTime);
    u32(flags);
    if ((flags & kAttrSize) != 0) u64(a.size);
    if ((flags & kAttrPermissions) != 0) u32(a.permissions);
    if ((flags & kAttrAcModTime) != 0) u32(a.atime).u32(a.mtime);
    return *this;
  }
  std::string finish() {
    const auto length = static_cast<std::uint32_t>(out_.size() - 4);
    put_u32(out_.data(), length);
    return std::move(out_);
  }

 private:
  std::string out_;
};

}  // namespace

void Framer::feed(const char* data, std::size_t size) {
  const std::size_t dropped = static_cast<std::size_t>(std::min<std::uint64_t>(skipping_, size));
  skipping_ -= dropped;
  if (start_ > 0) {  // only an unfinished packet's bytes are moved
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(data + dropped, size - dropped);
}

void Framer::skip_buffered() {
  const std::size_t dropped =
      static_cast<std::size_t>(std::min<std::uint64_t>(skipping_, buffered()));
  skipping_ -= dropped;
  start_ += dropped;
}

std::optional<Frame> Framer::next() {
  if (broken_ || buffered() < 4) return std::nullopt;
  const std::uint32_t length = get_u32(buffer_.data() + start_);
  if (length == 0) {
    broken_ = true;
    return std::nullopt;
  }
  const bool oversized = length > max_length_;
  const std::size_t kept =
      oversized ? std::min<std::size_t>(length, kOversizedHeadBytes) : std::size_t{length};
  if (buffered() - 4 < kept) return std::nullopt;
  Frame frame{std::string_view(buffer_).substr(start_ + 4, kept), length, oversized};
  start_ += 4 + kept;
  if (oversized) {
    skipping_ = length - kept;
    skip_buffered();
  }
  return frame;
}

Decoded decode(std::string_view body, Request& out, std::string& error) {
  Reader in(body);
  out = Request{};
  if (!in.u8(out.type) || !in.u32(out.id)) return Decoded::unreadable;
  bool ok = true;
  switch (out.type) {
    case kOpen:
      ok = in.string(out.path) && in.u32(out.pflags) && in.attributes();
      break;
    case kClose:
    case kFstat:
    case kReaddir:
      ok = in.string(out.handle);
      break;
    case kRead:
      ok = in.string(out.handle) && in.u64(out.offset) && in.u32(out.length);
      break;
    case kWrite:
      ok = in.string(out.handle) && in.u64(out.offset) && in.string(out.data);
      break;
    case kSetstat:
      ok = in.string(out.path) && in.attributes(out.attributes);
      break;
    case kFsetstat:
      ok = in.string(out.handle) && in.attributes(out.attributes);
      break;
    case kRename:
      ok = in.string(out.path) && in.string(out.target);
      break;
    case kOpendir:
    case kRemove:
    case kRealpath:
    case kStat:
    case kLstat:
      ok = in.string(out.path);
      break;
    default:  // INIT (its version read as the id), and what is not served
      break;
  }
  if (ok) return Decoded::ok;
  error = "malformed request of type " + std::to_string(out.type);
  return Decoded::bad_message;
}

Decoded decode_head(std::string_view head, Request& out) {
  Reader in(head);
  out = Request{};
  if (!in.u8(out.type) || !in.u32(out.id)) return Decoded::unreadable;
  if (out.type == kWrite && !in.string(out.handle)) out.handle.clear();
  return Decoded::ok;
}

std::string version_packet() { return Packet(kVersion).u32(kProtocolVersion).finish(); }

std::string status_packet(std::uint32_t id, std::uint32_t code, std::string_view message) {
  return Packet(kStatus).u32(id).u32(code).string(message).string("en").finish();
}

std::string handle_packet(std::uint32_t id, std::string_view handle) {
  return Packet(kHandle).u32(id).string(handle).finish();
}

std::string data_packet(std::uint32_t id, std::string_view data) {
  return Packet(kData).u32(id).string(data).finish();
}

std::string attrs_packet(std::uint32_t id, const Attributes& attributes) {
  return Packet(kAttrs).u32(id).attributes(attributes).finish();
}

std::string name_packet(std::uint32_t id, const std::vector<Name>& names) {
  Packet p(kName);
  p.u32(id).u32(static_cast<std::uint32_t>(names.size()));
  for (const Name& n : names) p.string(n.file_name).string(n.long_name).attributes(n.attributes);
  return p.finish();
}

}  // namespace edigate::sftp::wire
