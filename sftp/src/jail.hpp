// A partner's jail: a directory holding inbox/ (upload only) and outbox/ (download and delete).
// Client paths are checked against this policy first, then every open goes through
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) relative to the jail's directory descriptor, so
// a symlink or ".." planted by anyone cannot lead outside even if the policy check missed it.
#pragma once

#include <string>

#include "edigate/sftp/result.hpp"
#include "edigate/sftp/upload_sink.hpp"  // kUploadTempPrefix

namespace edigate::sftp {

enum class Area { inbox, outbox };

// Where a client path points, after the lexical policy check.
struct JailPath {
  enum class Kind { root, area, file } kind = Kind::root;
  Area area = Area::inbox;
  std::string name;  // the file name inside the area (Kind::file only)
};

const char* area_name(Area area);

// Checks a client path ("/inbox/a.edi", "outbox", "./inbox/x") against the jail layout.
// Refuses "..", control bytes, names beyond the flat two-level layout and temporary names;
// `reason` says why for the log.
bool parse_jail_path(const std::string& path, std::size_t max_bytes, JailPath& out,
                     std::string& reason);

// A single file name a client may use: not empty, not "." or "..", no '/', no control byte.
bool valid_file_name(const std::string& name);

// The canonical display form of a path ("/", "/inbox", "/inbox/name").
std::string display_path(const JailPath& path);

class Jail {
 public:
  Jail() = default;
  ~Jail();
  Jail(const Jail&) = delete;
  Jail& operator=(const Jail&) = delete;

  Status open(const std::string& dir);
  // A directory descriptor for the area (O_RDONLY | O_DIRECTORY), or -1 with errno set.
  int open_area(Area area) const;
  // openat2 of `name` inside an open area directory, symlinks and escapes refused by the kernel.
  static int open_beneath(int dir_fd, const std::string& name, int flags, unsigned mode);

 private:
  int root_fd_ = -1;
};

}  // namespace edigate::sftp
