// libFuzzer target: the SFTP server's packet framing and request decoding (sftp/src/sftp_wire.hpp),
// everything a logged-in partner's bytes reach before the jail. The input's first byte picks the
// size of the pieces it is fed in (as bytes come off the channel), the rest is the stream. For
// any input: feeding it whole or in pieces gives the same frames; no frame holds more than the
// limit (an oversized one only its head); the buffer holds no more than one unfinished packet
// and the piece just fed; every decoded request's strings lie within its packet; replies built
// from what was decoded frame back as one packet each.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sftp_wire.hpp"

namespace {

namespace wire = edigate::sftp::wire;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr std::uint32_t kMaxPacket = 512;

// A frame kept past the next feed.
struct Kept {
  std::string body;
  std::uint32_t length = 0;
  bool oversized = false;
};

std::vector<Kept> frames_of(std::string_view stream, std::size_t piece) {
  wire::Framer framer(kMaxPacket);
  std::vector<Kept> frames;
  for (std::size_t at = 0; at < stream.size(); at += piece) {
    const std::size_t n = std::min(piece, stream.size() - at);
    framer.feed(stream.data() + at, n);
    // An unfinished packet (its length field and less than the limit, or less than an
    // oversized one's head) and the new bytes.
    check(framer.held() < 4 + std::max<std::size_t>(kMaxPacket, wire::kOversizedHeadBytes) + n);
    while (auto f = framer.next())
      frames.push_back({std::string(f->body), f->length, f->oversized});
    if (framer.broken()) break;
  }
  return frames;
}

void check_reply_frames(const std::string& packet) {
  wire::Framer framer(1u << 20);
  framer.feed(packet.data(), packet.size());
  auto f = framer.next();
  check(f.has_value() && !f->oversized && f->length + 4 == packet.size());
  check(framer.buffered() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::vector<Kept> whole = frames_of(stream, stream.size() + 1);
  const std::vector<Kept> pieces = frames_of(stream, piece);
  check(whole.size() == pieces.size());
  for (std::size_t i = 0; i < whole.size(); ++i) {
    const Kept& f = whole[i];
    check(f.body == pieces[i].body && f.length == pieces[i].length &&
          f.oversized == pieces[i].oversized);
    if (f.oversized) {
      check(f.length > kMaxPacket && f.body.size() <= wire::kOversizedHeadBytes);
      wire::Request head;
      if (wire::decode_head(f.body, head) == wire::Decoded::ok && head.type != wire::kWrite) {
        check(head.handle.empty());
      }
      continue;
    }
    check(f.body.size() == f.length && f.length <= kMaxPacket);
    wire::Request r;
    std::string error;
    const wire::Decoded d = wire::decode(f.body, r, error);
    if (d == wire::Decoded::bad_message) check(!error.empty());
    if (d != wire::Decoded::ok) continue;
    check(r.path.size() + r.target.size() + r.handle.size() + r.data.size() <= f.body.size());
    if (!r.data.empty()) {
      check(r.data.data() >= f.body.data() &&
            r.data.data() + r.data.size() <= f.body.data() + f.body.size());
    }
    check_reply_frames(wire::status_packet(r.id, wire::kFailure, r.path));
    check_reply_frames(wire::handle_packet(r.id, r.handle));
    check_reply_frames(wire::data_packet(r.id, r.data));
    wire::Attributes a;
    a.flags = wire::kAttrSize | wire::kAttrPermissions | wire::kAttrAcModTime;
    a.size = r.offset;
    check_reply_frames(wire::name_packet(r.id, {{r.path, r.handle, a}}));
    check_reply_frames(wire::attrs_packet(r.id, a));
    // Attributes come only with SETSTAT and FSETSTAT, each field only with its flag; built into
    // a reply, those the reply cannot hold (owner, extended) are left out, flag and all.
    const wire::Attributes& got = r.attributes;
    if (r.type != wire::kSetstat && r.type != wire::kFsetstat) check(got.flags == 0);
    if ((got.flags & wire::kAttrSize) == 0) check(got.size == 0);
    if ((got.flags & wire::kAttrPermissions) == 0) check(got.permissions == 0);
    if ((got.flags & wire::kAttrAcModTime) == 0) check(got.atime == 0 && got.mtime == 0);
    const std::string attrs = wire::attrs_packet(r.id, got);
    check_reply_frames(attrs);
    const std::uint32_t kept =
        got.flags & (wire::kAttrSize | wire::kAttrPermissions | wire::kAttrAcModTime);
    const std::size_t fields = ((kept & wire::kAttrSize) != 0 ? 8u : 0u) +
                               ((kept & wire::kAttrPermissions) != 0 ? 4u : 0u) +
                               ((kept & wire::kAttrAcModTime) != 0 ? 8u : 0u);
    check(attrs.size() == std::size_t{4 + 1 + 4 + 4} + fields);  // length, type, id, flags
  }
  return 0;
}
