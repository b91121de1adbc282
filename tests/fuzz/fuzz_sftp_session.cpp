// libFuzzer target: the SFTP server's session (sftp/src/sftp_session.hpp) on a real jail in a
// temporary directory, behind an INIT it is always given: every request a logged-in partner can
// send, with the jail's files, open handles, uploads held under a temporary name, renames and
// attributes. The input's first byte picks the size of the pieces the rest is fed in. For any
// input: every reply is one well-formed packet of a reply type; whatever the sink is handed is
// a regular file of the size it was told, under a name a client may use, never a temporary one;
// once the session is gone, nothing is left in the inbox (the sink takes what it is handed, the
// session removes the rest) and no file descriptor is left open.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

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

// Replies must each frame as one packet of a reply type.
class CheckedReplies final : public sftp::ReplyChannel {
 public:
  bool write(const std::string& packet, std::string&) override {
    wire::Framer framer(1u << 24);
    framer.feed(packet.data(), packet.size());
    const auto frame = framer.next();
    check(frame.has_value() && !frame->oversized && frame->length + 4 == packet.size());
    check(framer.buffered() == 0);
    const auto type = static_cast<std::uint8_t>(frame->body[0]);
    check(type == wire::kVersion || (type >= wire::kStatus && type <= wire::kAttrs));
    return true;
  }
};

// Takes an upload the way the daemon does: looks at it, then removes it from the inbox.
class CheckedSink final : public sftp::UploadSink {
 public:
  sftp::Status ingest(const sftp::CompletedUpload& upload) override {
    check(sftp::valid_file_name(upload.filename));
    check(upload.filename.rfind(sftp::kUploadTempPrefix, 0) != 0);
    struct stat st {};
    check(::fstatat(upload.inbox_fd, upload.filename.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    check(S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) == upload.size);
    check(::unlinkat(upload.inbox_fd, upload.filename.c_str(), 0) == 0);
    return sftp::Status::success();
  }
  sftp::Status record_partial(const sftp::PartialUpload&) override {
    return sftp::Status::success();
  }
};

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
    sftp::set_log_writer([](const std::string&) {});
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
  if (size == 0) return 0;
  World& w = world();
  w.reset_outbox();
  // Counted for each input: libFuzzer itself may open some between inputs (its symbolizer).
  const std::size_t open_fds = entries("/proc/self/fd");
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  {
    CheckedReplies replies;
    sftp::SftpSession session(replies, w.partner, w.limits, w.sink, w.jail);
    const std::string init =
        std::string("\0\0\0\5", 4) + static_cast<char>(wire::kInit) + std::string("\0\0\0\3", 4);
    check(session.feed(init.data(), init.size()));
    for (std::size_t at = 0; at < stream.size() && !session.ended(); at += piece) {
      const std::size_t n = std::min(piece, stream.size() - at);
      session.feed(stream.data() + at, n);
    }
  }
  check(entries(w.root + "/inbox") == 0);
  check(entries("/proc/self/fd") == open_fds);
  return 0;
}
