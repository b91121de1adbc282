#include "jail.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace edigate::sftp {
namespace {

bool has_control_byte(const std::string& s) {
  for (const unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::vector<std::string> split_components(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    std::string part = path.substr(start, end - start);
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    start = end + 1;
  }
  return parts;
}

bool parse_area(const std::string& name, Area& area) {
  if (name == "inbox")
    area = Area::inbox;
  else if (name == "outbox")
    area = Area::outbox;
  else
    return false;
  return true;
}

}  // namespace

const char* area_name(Area area) { return area == Area::inbox ? "inbox" : "outbox"; }

bool valid_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         !has_control_byte(name) && name.rfind(kUploadTempPrefix, 0) != 0;
}

bool parse_jail_path(const std::string& path, std::size_t max_bytes, JailPath& out,
                     std::string& reason) {
  if (path.size() > max_bytes) return reason = "path longer than the limit", false;
  if (has_control_byte(path)) return reason = "control byte in path", false;
  // An absolute path is taken relative to the jail, as under chroot: "/inbox" is the inbox.
  const std::vector<std::string> parts = split_components(path);
  for (const std::string& p : parts) {
    if (p == "..") return reason = "'..' in path", false;
  }
  out = JailPath{};
  if (parts.empty()) return true;
  if (!parse_area(parts[0], out.area)) return reason = "outside inbox/ and outbox/", false;
  out.kind = JailPath::Kind::area;
  if (parts.size() == 1) return true;
  if (parts.size() > 2) return reason = "subdirectories are not part of the jail", false;
  if (!valid_file_name(parts[1])) return reason = "invalid file name", false;
  out.kind = JailPath::Kind::file;
  out.name = parts[1];
  return true;
}

std::string display_path(const JailPath& path) {
  if (path.kind == JailPath::Kind::root) return "/";
  std::string s = std::string("/") + area_name(path.area);
  if (path.kind == JailPath::Kind::file) s += "/" + path.name;
  return s;
}

Jail::~Jail() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

Status Jail::open(const std::string& dir) {
  root_fd_ = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) {
    return Status::error(ErrorCode::io, "jail " + dir + ": " + std::strerror(errno));
  }
  return Status::success();
}

int Jail::open_area(Area area) const {
  return open_beneath(root_fd_, area_name(area), O_RDONLY | O_DIRECTORY, 0);
}

int Jail::open_beneath(int dir_fd, const std::string& name, int flags, unsigned mode) {
  open_how how{};
  // No O_NOFOLLOW: with it an O_PATH open returns the symlink itself; without it,
  // RESOLVE_NO_SYMLINKS refuses a symlink in any position, the last one included (ELOOP).
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dir_fd, name.c_str(), &how, sizeof how));
}

}  // namespace edigate::sftp
