#include "edigate/sftp/journal_sink.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>

#include "jail.hpp"  // valid_file_name
#include "log.hpp"

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

// The fields of a journal line that recovery compares. Each field is `key="value"` (escaped, so
// no quote inside) or `key=value`; the line is read once, field by field from its start, so a
// quoted value holding " size=" (a file name may) is never taken for a field.
struct LineFields {
  std::string_view ts, event, partner, file, size;
};

LineFields fields_of(std::string_view line) {
  LineFields out;
  while (!line.empty()) {
    while (!line.empty() && line[0] == ' ') line.remove_prefix(1);
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) break;
    const std::string_view name = line.substr(0, equals);
    std::string_view value = line.substr(equals + 1);
    std::size_t next = 0;  // where the field after this one starts, in `value`
    if (!value.empty() && value[0] == '"') {
      const std::size_t close = value.find('"', 1);
      if (close == std::string_view::npos) break;  // cut off: not a field
      next = close + 1;
      value = value.substr(1, close - 1);
    } else {
      next = std::min(value.find(' '), value.size());
      value = value.substr(0, next);
    }
    if (name == "ts") out.ts = value;
    if (name == "event") out.event = value;
    if (name == "partner") out.partner = value;
    if (name == "file") out.file = value;
    if (name == "size") out.size = value;
    line = line.substr(std::min(line.size(), equals + 1 + next));
  }
  return out;
}

// An `ingested` line (`extra`: more fields, each with its leading space).
std::string ingested_line(const std::string& partner, const std::string& file, std::uint64_t size,
                          std::string_view extra) {
  return "ts=" + std::to_string(now_seconds()) + " event=ingested partner=\"" + escaped(partner) +
         "\" file=\"" + escaped(file) + "\" size=" + std::to_string(size) + std::string(extra) +
         "\n";
}

std::string upload_key(std::string_view partner, std::string_view file, std::string_view size) {
  return std::string(partner) + '\n' + std::string(file) + '\n' + std::string(size);
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
  return append(ingested_line(u.partner, u.filename, u.size, ""));
}

Status JournalSink::record_partial(const PartialUpload& u) {
  return append("ts=" + std::to_string(now_seconds()) + " event=partial partner=\"" +
                escaped(u.partner) + "\" file=\"" + escaped(u.filename) + "\" bytes=" +
                std::to_string(u.bytes_received) + " reason=\"" + escaped(u.reason) + "\"\n");
}

std::size_t JournalSink::recover(const std::vector<PartnerAccount>& partners) {
  struct Found {
    std::string key;  // partner, name (as escaped in the journal) and size
    const PartnerAccount* partner;
    std::string name;
    std::uint64_t size;
    long long mtime;
  };
  std::vector<Found> complete;
  std::size_t handled = 0;
  for (const PartnerAccount& p : partners) {
    const std::string inbox = p.jail_dir + "/inbox";
    const int dir = ::open(inbox.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) continue;  // the server refuses to start without it, and says so
    std::vector<std::string> names;
    if (DIR* listing = ::fdopendir(::dup(dir)); listing != nullptr) {
      while (const dirent* d = ::readdir(listing)) names.emplace_back(d->d_name);
      ::closedir(listing);
    }
    for (const std::string& name : names) {
      struct stat st {};
      if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        continue;
      }
      const auto size = static_cast<std::uint64_t>(st.st_size);
      if (name.rfind(kUploadTempPrefix, 0) == 0) {
        const std::string why = "cut off by a stop before its close (removed at start)";
        if (::unlinkat(dir, name.c_str(), 0) != 0) {
          log_event("partner=" + p.id + " " + name +
                    " (an upload cut off by a stop) cannot be removed: " + std::strerror(errno));
          continue;
        }
        const Status s = record_partial({p.id, name, size, why});
        log_event("partner=" + p.id + " partial upload file=" + name +
                  " bytes=" + std::to_string(size) + " reason=" + why +
                  (s.ok() ? "" : " (not recorded: " + s.message + ")"));
        ++handled;
        continue;
      }
      if (!valid_file_name(name)) continue;  // never a name an upload is renamed to
      complete.push_back({upload_key(escaped(p.id), escaped(name), std::to_string(size)), &p, name,
                          size, static_cast<long long>(st.st_mtim.tv_sec)});
    }
    ::close(dir);
  }
  if (complete.empty()) return handled;
  // The latest `ingested` line of each file found (only those: the journal holds every upload
  // ever made). A journal that cannot be read back (a device, a pipe, no read permission)
  // leaves the files as they are.
  std::map<std::string, long long> journaled;
  for (const Found& f : complete) journaled.emplace(f.key, -1);
  struct stat journal {};
  bool readable = ::stat(path_.c_str(), &journal) == 0 && S_ISREG(journal.st_mode);
  if (readable) {
    std::ifstream in(path_);
    for (std::string line; in.is_open() && std::getline(in, line);) {
      const LineFields f = fields_of(line);
      if (f.event != "ingested") continue;
      const auto it = journaled.find(upload_key(f.partner, f.file, f.size));
      if (it == journaled.end()) continue;
      it->second = std::max(it->second, std::atoll(std::string(f.ts).c_str()));
    }
    readable = in.is_open() && !in.bad();
  }
  if (!readable) {
    log_event("journal " + path_ + " cannot be read back: " + std::to_string(complete.size()) +
              " complete file(s) found in the inboxes at start are left as they are");
    return handled;
  }
  for (const Found& f : complete) {
    // A line written at or after the file's last change is its own; an older one is an
    // earlier upload of that name and size, picked up since.
    if (journaled[f.key] >= f.mtime) continue;
    const Status s = append(ingested_line(f.partner->id, f.name, f.size, " recovered=1"));
    log_event("partner=" + f.partner->id + " file=" + f.name + " bytes=" + std::to_string(f.size) +
              " in the inbox at start without its journal line: " +
              (s.ok() ? "journaled now" : "left as it is, not journaled: " + s.message));
    if (s.ok()) ++handled;
  }
  return handled;
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
