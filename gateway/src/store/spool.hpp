// The spool: received and generated payloads as content-addressed files, <root>/<aa>/<sha256>,
// where <aa> is the first two hex digits. A file is visible under its name only once its bytes
// and the directory entry are on disk, so a row that names it may be committed after put().
//
// Thread-safe: put() writes to a uniquely named temp file, so concurrent puts of the same bytes
// race only on an atomic rename of identical content.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "store/file_ops.hpp"
#include "store/result.hpp"

namespace edigate::gateway::store {

// Default cap for read(): a spool file larger than this is refused rather than loaded.
inline constexpr std::size_t kDefaultSpoolReadLimit = 256U * 1024U * 1024U;

class Spool {
 public:
  // `ops` must outlive the spool; the default is the real file system.
  explicit Spool(std::string root, FileOps& ops = posix_file_ops());

  // Creates the root directory if it is missing.
  Status open();

  // Stores the bytes durably and returns their SHA-256 hex id. Temp file in the target
  // directory, write, fsync, rename to <aa>/<id>, fsync the directory. If the id already
  // exists with the same size nothing is written (its directory is fsync'd again). On any failure
  // the temp file is removed and no file appears under the id.
  Result<std::string> put(std::string_view bytes);

  // The stored bytes, checked against their id. Refuses files larger than `limit`.
  Result<std::string> read(std::string_view id, std::size_t limit = kDefaultSpoolReadLimit) const;

  // Where the payload lives (whether or not it exists); empty for a malformed id.
  std::string path(std::string_view id) const;

  bool exists(std::string_view id) const;

  // Retention: removes the file of `id` unless a put() used it after `idle_since` (ms since the
  // epoch). True when removed, false when missing or in use. A put() that finds its bytes
  // already stored marks the file used (its modification time) before its row is committed,
  // holding its directory's lock shared; the removal checks that mark and unlinks holding it
  // exclusive (flock, so across processes too): either the put came first and the file stays,
  // or the removal did and the put writes the file again. Pass a time well before the one at
  // which you learned that no row names `id` (Blobs::purge allows an hour).
  Result<bool> remove_idle(std::string_view id, std::int64_t idle_since);

  // While alive, every shard directory that exists is locked shared: no remove_idle() (a
  // purge, `store check --remove-orphans`) unlinks a file, in this process or another, while
  // puts go on. A backup holds it from its database snapshot until it has copied the files the
  // snapshot names. A shard made after it was taken holds only files written since, which a
  // removal leaves alone for an hour (Blobs::purge's grace).
  class RemovalHold {
   public:
    RemovalHold() = default;
    RemovalHold(RemovalHold&& other) noexcept : fds_(std::move(other.fds_)) {}
    RemovalHold& operator=(RemovalHold&&) = delete;
    RemovalHold(const RemovalHold&) = delete;
    ~RemovalHold();

   private:
    friend class Spool;
    std::vector<int> fds_;
  };
  Result<RemovalHold> hold_removals();

  const std::string& root() const { return root_; }

 private:
  Status ensure_dir(const std::string& dir, const std::string& parent);
  Status write_temp(const std::string& temp, std::string_view bytes);
  Status fsync_dir(const std::string& dir);
  class DirLock;
  Result<bool> reuse(const std::string& dir, const std::string& final_path, std::size_t size);

  std::string root_;
  FileOps* ops_;
  // <aa> directories known to exist (and be durable), by their byte value: a put skips the
  // mkdir for them. Forgotten when a write in one fails, so a removed one is made again.
  std::array<std::atomic<bool>, 256> known_dirs_{};
};

}  // namespace edigate::gateway::store
