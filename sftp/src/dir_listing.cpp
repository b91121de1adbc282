#include "dir_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "jail.hpp"

namespace edigate::sftp {

DirEntry entry_from_stat(const std::string& name, const struct stat& st) {
  DirEntry e;
  e.name = name;
  e.directory = S_ISDIR(st.st_mode);
  e.size = static_cast<std::uint64_t>(st.st_size);
  e.mode = static_cast<std::uint32_t>(st.st_mode);
  e.mtime = st.st_mtime;
  return e;
}

std::vector<DirEntry> root_listing() {
  const std::int64_t now = std::time(nullptr);
  return {{"inbox", true, 0, S_IFDIR | 0700, now}, {"outbox", true, 0, S_IFDIR | 0500, now}};
}

std::vector<DirEntry> area_listing(int area_fd, std::size_t max_entries) {
  std::vector<DirEntry> entries;
  const int fd = ::dup(area_fd);
  if (fd < 0) return entries;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return entries;
  }
  while (entries.size() < max_entries) {
    const dirent* d = ::readdir(dir);
    if (d == nullptr) break;
    const std::string name = d->d_name;
    if (!valid_file_name(name)) continue;  // ".", "..", temporary uploads, odd names
    struct stat st {};
    // AT_SYMLINK_NOFOLLOW: a planted symlink is shown as what it is and never followed.
    if (::fstatat(area_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode)) continue;
    entries.push_back(entry_from_stat(name, st));
  }
  ::closedir(dir);
  return entries;
}

wire::Attributes attributes_of(const DirEntry& e) {
  wire::Attributes attr;
  attr.flags = wire::kAttrSize | wire::kAttrPermissions | wire::kAttrAcModTime;
  attr.size = e.size;
  attr.permissions = e.mode;
  attr.atime = static_cast<std::uint32_t>(e.mtime);
  attr.mtime = static_cast<std::uint32_t>(e.mtime);
  return attr;
}

std::string long_name(const DirEntry& e, const std::string& owner) {
  char date[32] = "";
  const std::time_t t = static_cast<std::time_t>(e.mtime);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%b %e %H:%M", &tm);
  const char* perms = e.directory ? "drwx------" : "-rw-------";
  return std::string(perms) + " 1 " + owner + " " + owner + " " + std::to_string(e.size) + " " +
         date + " " + e.name;
}

}  // namespace edigate::sftp
