// libFuzzer target: the SFTP server's session (sftp/src/sftp_session.hpp) on a real jail in a
// temporary directory, behind an INIT it is always given: every request a logged-in partner can
// send, with the jail's files, open handles, uploads held under a temporary name, renames and
// attributes. The input's first byte picks the size of the pieces the rest is fed in; the
// second, which reply write fails (low four bits) and which ingest fails (high four; 0: none),
// as a closed channel and a failing store would. For any input: every reply is one well-formed
// packet of a reply type, one per request, in order, with its id, until the session ends;
// whatever the sink is handed is a regular file of the size it was told, under a name a client
// may use, never a temporary one; once the session is gone, nothing is left in the inbox (the
// sink takes what it is handed, the session removes the rest) and no file descriptor is open.
// A crash leaves its fuzz-sftp-* directory in TMPDIR.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "jail.hpp"
#include "log.hpp"
#include "sftp_session.hpp"
#include "sftp_wire.hpp"

namespace {

namespace fs = std::filesystem;
namespace sftp = edigate::sftp;
namespace wire = edigate::sftp::wire;

void check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_sftp_session: check at line %d failed\n", line);
  std::abort();
}

// Replies must each frame as one packet of a reply type; their ids are kept, in order. The
// fail_at-th write (counting from 1; 0: none) fails, as a channel the client closed would.
class CheckedReplies final : public sftp::ReplyChannel {
 public:
  explicit CheckedReplies(unsigned fail_at) : fail_at_(fail_at) {}
  bool write(const std::string& packet, std::string& error) override {
    if (++writes_ == fail_at_) {
      error = "injected";
      return false;
    }
    wire::Framer framer(1u << 24);
    framer.feed(packet.data(), packet.size());
    const auto frame = framer.next();
    check(frame.has_value() && !frame->oversized && frame->length + 4 == packet.size());
    check(framer.buffered() == 0 && frame->body.size() >= 5);
    const auto type = static_cast<std::uint8_t>(frame->body[0]);
    // VERSION answers the INIT, which comes first; everything after it gets another type.
    check((type == wire::kVersion) == ids_.empty());
    check(type == wire::kVersion || (type >= wire::kStatus && type <= wire::kAttrs));
    ids_.push_back(wire::get_u32(frame->body.data() + 1));
    return true;
  }
  const std::vector<std::uint32_t>& ids() const { return ids_; }

 private:
  unsigned fail_at_;
  unsigned writes_ = 0;
  std::vector<std::uint32_t> ids_;
};

// Takes an upload the way the daemon does: looks at it, then removes it from the inbox. With
// fail_at, the (fail_at & 7)-th ingest (from 1; 0: none) fails instead: refused for good with
// bit 8, for a while without.
class CheckedSink final : public sftp::UploadSink {
 public:
  const std::vector<std::string>* temporary_suffixes = nullptr;
  unsigned fail_at = 0;
  unsigned ingests = 0;

  sftp::Status ingest(const sftp::CompletedUpload& upload) override {
    check(sftp::valid_file_name(upload.filename));
    check(upload.filename.rfind(sftp::kUploadTempPrefix, 0) != 0);
    check(!sftp::is_temporary_name(upload.filename, *temporary_suffixes));
    struct stat st {};
    check(::fstatat(upload.inbox_fd, upload.filename.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    check(S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == upload.size);
    if (++ingests == (fail_at & 7u)) {
      return sftp::Status::error(
          (fail_at & 8u) != 0 ? sftp::ErrorCode::refused : sftp::ErrorCode::sink_failed,
          "injected");
    }
    check(::unlinkat(upload.inbox_fd, upload.filename.c_str(), 0) == 0);
    return sftp::Status::success();
  }
  sftp::Status record_partial(const sftp::PartialUpload&) override {
    return sftp::Status::success();
  }
};

// The ids of the requests in a stream, in order (those over max_packet_bytes too), as far as
// each can be read.
std::vector<std::uint32_t> request_ids(std::string_view stream, std::uint32_t max_packet) {
  wire::Framer framer(max_packet);
  framer.feed(stream.data(), stream.size());
  std::vector<std::uint32_t> ids;
  while (const auto frame = framer.next()) {
    wire::Request r;
    if (wire::decode_head(frame->body, r) != wire::Decoded::ok) break;
    ids.push_back(r.id);
  }
  return ids;
}

std::size_t entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

struct World {
  std::string root;
  sftp::Jail jail;
  sftp::PartnerAccount partner;
  sftp::ServerLimits limits;
  CheckedSink sink;

  World() {
    // EDIGATE_FUZZ_LOG=1 keeps the session's log lines, to see what an input did.
    if (std::getenv("EDIGATE_FUZZ_LOG") == nullptr) sftp::set_log_writer([](const std::string&) {});
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/fuzz-sftp-XXXXXX";
    check(::mkdtemp(pattern.data()) != nullptr);
    root = pattern;
    fs::create_directories(root + "/inbox");
    fs::create_directories(root + "/outbox");
    check(jail.open(root).ok());
    partner.id = "fuzz";
    limits.max_packet_bytes = 4096;
    limits.max_read_bytes = 1024;
    limits.max_open_handles = 4;
    limits.max_upload_bytes = 64 * 1024;
    limits.max_path_bytes = 256;
    limits.max_list_entries = 20;
  }
  ~World() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }

  // The outbox as every input finds it (a REMOVE may have taken a file).
  void reset_outbox() {
    for (const char* name : {"ack-1.edi", "big.edi"}) {
      const std::string path = root + "/outbox/" + name;
      if (fs::exists(path)) continue;
      std::ofstream(path) << std::string(name[0] == 'b' ? 3000 : 12, 'A');
    }
  }
};

World& world() {
  static World w;
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  World& w = world();
  w.reset_outbox();
  // Counted for each input: libFuzzer itself may open some between inputs (its symbolizer).
  const std::size_t open_fds = entries("/proc/self/fd");
  const std::size_t piece = 1 + data[0] % 64;
  const unsigned failed_write = data[1] & 15u;  // 1 is the INIT's VERSION
  w.sink.fail_at = data[1] >> 4;
  w.sink.ingests = 0;
  w.sink.temporary_suffixes = &w.partner.temporary_suffixes;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::vector<std::uint32_t> replied;
  bool ended = false;
  {
    CheckedReplies replies(failed_write);
    sftp::SftpSession session(replies, w.partner, w.limits, w.sink, w.jail);
    const std::string init =
        std::string("\0\0\0\5", 4) + static_cast<char>(wire::kInit) + std::string("\0\0\0\3", 4);
    session.feed(init.data(), init.size());
    for (std::size_t at = 0; at < stream.size() && !session.ended(); at += piece) {
      const std::size_t n = std::min(piece, stream.size() - at);
      session.feed(stream.data() + at, n);
    }
    replied = replies.ids();
    ended = session.ended();
  }
  // One reply per request, in order, until the session ended; all of them if it did not.
  if (!replied.empty()) {
    replied.erase(replied.begin());  // the VERSION
    const std::vector<std::uint32_t> asked = request_ids(stream, w.limits.max_packet_bytes);
    check(replied.size() <= asked.size());
    check(std::equal(replied.begin(), replied.end(), asked.begin()));
    if (!ended) check(replied.size() == asked.size());
  }
  check(entries(w.root + "/inbox") == 0);
  check(entries("/proc/self/fd") == open_fds);
  return 0;
}
