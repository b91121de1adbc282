// The open handles of one SFTP session (the session holds them to max_open_handles). A handle on
// the wire is 8 bytes: slot index and a generation, so a stale or forged handle matches nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jail.hpp"

namespace edigate::sftp {

struct DirEntry {
  std::string name;
  bool directory = false;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;
  std::int64_t mtime = 0;
};

struct OpenHandle {
  enum class Kind { download, upload, directory } kind = Kind::download;
  int fd = -1;                    // the file (download, upload)
  int area_fd = -1;               // the inbox directory (upload): rename and fsync happen there
  std::string temp_name;          // upload: hidden name while incomplete
  std::string name;               // the client's file name
  std::uint64_t bytes = 0;        // upload: highest offset written
  bool write_failed = false;      // upload: a WRITE was refused; the close must not ingest it
  std::vector<DirEntry> entries;  // directory: the listing, taken at OPENDIR
  std::size_t next_entry = 0;
};

class HandleTable {
 public:
  std::uint32_t size() const { return count_; }
  // Stores the handle and returns its wire form.
  std::string add(OpenHandle handle);
  OpenHandle* find(std::string_view wire);
  std::optional<OpenHandle> take(std::string_view wire);
  // Takes every handle out, for cleanup when the session ends.
  std::vector<OpenHandle> take_all();

 private:
  struct Slot {
    std::optional<OpenHandle> handle;
    std::uint32_t generation = 0;
  };
  std::optional<std::size_t> slot_of(std::string_view wire) const;

  std::uint32_t count_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace edigate::sftp
