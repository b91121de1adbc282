#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "sftp_wire.hpp"

using namespace edigate::sftp;

namespace {

std::string u32(std::uint32_t v) {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(v >> shift);
  return out;
}

std::string u64(std::uint64_t v) {
  return u32(static_cast<std::uint32_t>(v >> 32)) + u32(static_cast<std::uint32_t>(v));
}

std::string str(const std::string& s) { return u32(static_cast<std::uint32_t>(s.size())) + s; }

// A whole packet: its length, then the body.
std::string packet(const std::string& body) {
  return u32(static_cast<std::uint32_t>(body.size())) + body;
}

// A frame kept past the next feed (the Framer's own point into its buffer).
struct Kept {
  std::string body;
  std::uint32_t length = 0;
  bool oversized = false;
};

Kept keep(const wire::Frame& f) { return {std::string(f.body), f.length, f.oversized}; }

std::string write_body(std::uint32_t id, const std::string& handle, std::uint64_t offset,
                       const std::string& data) {
  return std::string(1, static_cast<char>(wire::kWrite)) + u32(id) + str(handle) + u64(offset) +
         str(data);
}

}  // namespace

TEST_CASE("sftp wire: packets are cut from the stream however the bytes arrive") {
  const std::string a = std::string(1, static_cast<char>(wire::kStat)) + u32(7) + str("inbox");
  const std::string b = write_body(8, "HANDLE01", 0, "ISA*00*");
  const std::string stream = packet(a) + packet(b);
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{5}, stream.size()}) {
    wire::Framer framer(1024);
    std::vector<std::string> bodies;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      framer.feed(stream.data() + at, std::min(piece, stream.size() - at));
      while (auto f = framer.next()) {
        CHECK_FALSE(f->oversized);
        CHECK(f->length == f->body.size());
        bodies.emplace_back(f->body);
      }
    }
    REQUIRE(bodies.size() == 2);
    CHECK(bodies[0] == a);
    CHECK(bodies[1] == b);
    CHECK(framer.buffered() == 0);
  }
}

TEST_CASE("sftp wire: a packet over the limit keeps only its head, and the stream goes on") {
  const std::string big = write_body(9, "HANDLE01", 4096, std::string(100000, 'x'));
  const std::string after =
      std::string(1, static_cast<char>(wire::kClose)) + u32(10) + str("HANDLE01");
  const std::string stream = packet(big) + packet(after);
  wire::Framer framer(40000);
  std::vector<Kept> frames;
  std::size_t most_held = 0;
  for (std::size_t at = 0; at < stream.size(); at += 4096) {
    framer.feed(stream.data() + at, std::min<std::size_t>(4096, stream.size() - at));
    most_held = std::max(most_held, framer.held());
    while (auto f = framer.next()) frames.push_back(keep(*f));
  }
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].oversized);
  CHECK(frames[0].length == big.size());
  CHECK(frames[0].body.size() == wire::kOversizedHeadBytes);
  CHECK(most_held <= 2 * 4096);  // the 100 KB were dropped as they came
  wire::Request r;
  REQUIRE(wire::decode_head(frames[0].body, r) == wire::Decoded::ok);
  CHECK(r.type == wire::kWrite);
  CHECK(r.id == 9);
  CHECK(r.handle == "HANDLE01");
  CHECK_FALSE(frames[1].oversized);
  CHECK(frames[1].body == after);
}

TEST_CASE("sftp wire: an oversized packet's rest is dropped even when it arrives in one piece") {
  const std::string big = write_body(1, "H", 0, std::string(5000, 'x'));
  const std::string next = std::string(1, static_cast<char>(wire::kRealpath)) + u32(2) + str(".");
  const std::string stream = packet(big) + packet(next);
  wire::Framer framer(1000);
  framer.feed(stream.data(), stream.size());
  auto first = framer.next();
  REQUIRE(first);
  CHECK(first->oversized);
  CHECK(first->body.size() == wire::kOversizedHeadBytes);
  auto second = framer.next();
  REQUIRE(second);
  CHECK(second->body == next);
  CHECK_FALSE(framer.next());
}

TEST_CASE("sftp wire: the buffer holds one unfinished packet and the new bytes, no more") {
  // Packets of about 20,000 bytes under a 40,000 limit, read 50,004 bytes at a time: each read ends
  // inside a packet, whose start is all that is kept of what came before.
  const std::string one = packet(write_body(1, "HANDLE01", 0, std::string(19975, 'x')));
  std::string stream;
  for (int i = 0; i < 20; ++i) stream += one;
  wire::Framer framer(40000);
  std::size_t frames = 0;
  for (std::size_t at = 0; at < stream.size(); at += 50004) {
    const std::size_t n = std::min<std::size_t>(50004, stream.size() - at);
    framer.feed(stream.data() + at, n);
    CHECK(framer.held() < one.size() + n);
    while (auto f = framer.next()) {
      CHECK(f->length + 4 == one.size());
      ++frames;
    }
  }
  CHECK(frames == 20);
}

TEST_CASE("sftp wire: a zero length breaks the stream") {
  wire::Framer framer(1000);
  const std::string zero = u32(0) + "rest";
  framer.feed(zero.data(), zero.size());
  CHECK_FALSE(framer.next());
  CHECK(framer.broken());
}

TEST_CASE("sftp wire: requests are decoded field by field") {
  wire::Request r;
  std::string error;
  const std::string open = std::string(1, static_cast<char>(wire::kOpen)) + u32(3) +
                           str("inbox/a.edi") + u32(wire::kOpenWrite | wire::kOpenCreate) +
                           u32(wire::kAttrSize | wire::kAttrPermissions | wire::kAttrExtended) +
                           u64(10) + u32(0600) + u32(1) + str("x@example") + str("v");
  REQUIRE(wire::decode(open, r, error) == wire::Decoded::ok);
  CHECK(r.type == wire::kOpen);
  CHECK(r.id == 3);
  CHECK(r.path == "inbox/a.edi");
  CHECK(r.pflags == (wire::kOpenWrite | wire::kOpenCreate));

  REQUIRE(wire::decode(write_body(4, "HH", 1ull << 40, "data"), r, error) == wire::Decoded::ok);
  CHECK(r.handle == "HH");
  CHECK(r.offset == (1ull << 40));
  CHECK(r.data == "data");

  const std::string read = std::string(1, static_cast<char>(wire::kRead)) + u32(5) + str("HH") +
                           u64(100) + u32(0xFFFFFFFF);
  REQUIRE(wire::decode(read, r, error) == wire::Decoded::ok);
  CHECK(r.offset == 100);
  CHECK(r.length == 0xFFFFFFFF);

  // A path with a NUL in it is kept whole: the session refuses it, nothing cuts it short.
  const std::string nul =
      std::string(1, static_cast<char>(wire::kStat)) + u32(6) + str(std::string("inbox/a\0b", 9));
  REQUIRE(wire::decode(nul, r, error) == wire::Decoded::ok);
  CHECK(r.path.size() == 9);

  const std::string init = std::string(1, static_cast<char>(wire::kInit)) + u32(3);
  REQUIRE(wire::decode(init, r, error) == wire::Decoded::ok);
  CHECK(r.type == wire::kInit);
  CHECK(r.id == 3);  // the client's version

  const std::string rename = std::string(1, static_cast<char>(wire::kRename)) + u32(11) +
                             str("inbox/a.filepart") + str("inbox/a");
  REQUIRE(wire::decode(rename, r, error) == wire::Decoded::ok);
  CHECK(r.id == 11);
  CHECK(r.path == "inbox/a.filepart");
  CHECK(r.target == "inbox/a");

  // SETSTAT's attributes are kept, each where its flag says; extended pairs are read past.
  const std::string setstat =
      std::string(1, static_cast<char>(wire::kSetstat)) + u32(12) + str("inbox/a") +
      u32(wire::kAttrUidGid | wire::kAttrPermissions | wire::kAttrAcModTime | wire::kAttrExtended) +
      u32(1000) + u32(1000) + u32(0640) + u32(1700000000) + u32(1700000001) + u32(1) + str("t") +
      str("d");
  REQUIRE(wire::decode(setstat, r, error) == wire::Decoded::ok);
  CHECK(r.path == "inbox/a");
  CHECK(r.attributes.flags ==
        (wire::kAttrUidGid | wire::kAttrPermissions | wire::kAttrAcModTime | wire::kAttrExtended));
  CHECK(r.attributes.permissions == 0640);
  CHECK(r.attributes.atime == 1700000000);
  CHECK(r.attributes.mtime == 1700000001);
  const std::string fsetstat = std::string(1, static_cast<char>(wire::kFsetstat)) + u32(13) +
                               str("HH") + u32(wire::kAttrSize) + u64(7);
  REQUIRE(wire::decode(fsetstat, r, error) == wire::Decoded::ok);
  CHECK(r.handle == "HH");
  CHECK(r.attributes.flags == wire::kAttrSize);
  CHECK(r.attributes.size == 7);

  // Not served (MKDIR): decoded as far as its id, for the refusal.
  const std::string mkdir = std::string(1, '\x0e') + u32(14) + str("a") + u32(0);
  REQUIRE(wire::decode(mkdir, r, error) == wire::Decoded::ok);
  CHECK(r.type == 14);
  CHECK(r.id == 14);
}

TEST_CASE("sftp wire: cut-short and lying requests are told apart from unreadable ones") {
  wire::Request r;
  std::string error;
  CHECK(wire::decode("", r, error) == wire::Decoded::unreadable);
  // A type and half an id.
  CHECK(wire::decode(std::string(1, static_cast<char>(wire::kStat)) + std::string("\0\0", 2), r,
                     error) == wire::Decoded::unreadable);
  // A string longer than what is left.
  const std::string lying =
      std::string(1, static_cast<char>(wire::kStat)) + u32(12) + u32(1000) + "inbox";
  REQUIRE(wire::decode(lying, r, error) == wire::Decoded::bad_message);
  CHECK(r.id == 12);
  CHECK(error == "malformed request of type 17");
  // A READ without its length; an OPEN whose attributes promise more than is there.
  const std::string read =
      std::string(1, static_cast<char>(wire::kRead)) + u32(13) + str("HH") + u64(0);
  CHECK(wire::decode(read, r, error) == wire::Decoded::bad_message);
  const std::string open = std::string(1, static_cast<char>(wire::kOpen)) + u32(14) + str("a") +
                           u32(wire::kOpenRead) + u32(wire::kAttrExtended) + u32(0xFFFFFFFF);
  CHECK(wire::decode(open, r, error) == wire::Decoded::bad_message);
  CHECK(r.id == 14);
  // A RENAME without its new path; a SETSTAT whose times are cut short.
  CHECK(wire::decode(std::string(1, static_cast<char>(wire::kRename)) + u32(15) + str("a"), r,
                     error) == wire::Decoded::bad_message);
  CHECK(wire::decode(std::string(1, static_cast<char>(wire::kSetstat)) + u32(16) + str("a") +
                         u32(wire::kAttrAcModTime) + u32(1),
                     r, error) == wire::Decoded::bad_message);
}

TEST_CASE("sftp wire: replies are whole packets in the draft's layout") {
  CHECK(wire::version_packet() == u32(5) + "\x02" + u32(3));
  CHECK(wire::status_packet(7, wire::kEof, "end of file") ==
        packet("\x65" + u32(7) + u32(wire::kEof) + str("end of file") + str("en")));
  CHECK(wire::handle_packet(8, "HANDLE01") == packet("\x66" + u32(8) + str("HANDLE01")));
  CHECK(wire::data_packet(9, "abc") == packet("\x67" + u32(9) + str("abc")));
  wire::Attributes a;
  a.flags = wire::kAttrSize | wire::kAttrPermissions | wire::kAttrAcModTime;
  a.size = 42;
  a.permissions = 0100600;
  a.atime = 1000;
  a.mtime = 2000;
  const std::string attrs = u32(a.flags) + u64(42) + u32(0100600) + u32(1000) + u32(2000);
  CHECK(wire::attrs_packet(10, a) == packet("\x69" + u32(10) + attrs));
  // Owner and extended attributes have no fields here: a reply leaves their flags out too.
  wire::Attributes owned = a;
  owned.flags |= wire::kAttrUidGid | wire::kAttrExtended;
  CHECK(wire::attrs_packet(10, owned) == wire::attrs_packet(10, a));
  CHECK(wire::name_packet(11, {{"a.edi", "-rw------- a.edi", a}, {"/", "/", {}}}) ==
        packet("\x68" + u32(11) + u32(2) + str("a.edi") + str("-rw------- a.edi") + attrs +
               str("/") + str("/") + u32(0)));
}
