#include "edigate/sftp/journal_sink.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace edigate::sftp {
namespace {

// Names come from partners: escape anything that could break the one-line-per-record format.
std::string escaped(const std::string& s) {
  std::string out;
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '\\' || c == '"') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

JournalSink::JournalSink(std::string path) : path_(std::move(path)) {}

JournalSink::~JournalSink() {
  if (fd_ >= 0) ::close(fd_);
}

Status JournalSink::open() {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    return Status::error(ErrorCode::io, "cannot open journal " + path_ + ": " + strerror(errno));
  }
  return Status::success();
}

Status JournalSink::ingest(const CompletedUpload& u) {
  return append("ts=" + std::to_string(now_seconds()) + " event=ingested partner=\"" +
                escaped(u.partner) + "\" file=\"" + escaped(u.filename) +
                "\" size=" + std::to_string(u.size) + "\n");
}

Status JournalSink::record_partial(const PartialUpload& u) {
  return append("ts=" + std::to_string(now_seconds()) + " event=partial partner=\"" +
                escaped(u.partner) + "\" file=\"" + escaped(u.filename) + "\" bytes=" +
                std::to_string(u.bytes_received) + " reason=\"" + escaped(u.reason) + "\"\n");
}

Status JournalSink::append(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (fd_ < 0) return Status::error(ErrorCode::sink_failed, "journal is not open");
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size()) || ::fsync(fd_) != 0) {
    return Status::error(ErrorCode::sink_failed,
                         "journal write failed: " + std::string(strerror(errno)));
  }
  return Status::success();
}

}  // namespace edigate::sftp
