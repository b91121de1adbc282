// One process at a time owns a store for writing as a daemon does: `edigate serve`, and
// `edigate store restore` (which replaces the database file). An exclusive flock on
// <database>.lock, held until the object goes (or the process ends), with the holder's pid in
// it for the message. Two daemons on one store would run each other's jobs (their runners
// share names, and each gives back what looks stale under its names).
#pragma once

#include <string>

namespace edigate::gateway::store {

// Where a store's .lock and .users files go: beside the database file itself, its path with
// symbolic links resolved (as SQLite resolves them for the WAL), so that two paths to one
// database, one through a link to the file, cannot take two different locks.
std::string resolved_store_path(const std::string& database);

class StoreLock {
 public:
  StoreLock() = default;
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

  // Empty when taken; else why not (naming the holder's pid when it is another edigate).
  std::string take(const std::string& database);

 private:
  int fd_ = -1;
};

// Every process with a store open holds a shared flock on <database>.users for as long as it
// has it open (open_sqlite_store takes it); `edigate store restore` takes it exclusively. So a
// restore starts only when no command and no daemon has the store open, and nothing opens it
// while the restore runs: no command writes into a database about to be replaced, and none
// reads or deletes spool files while the restore copies the backup's in (`store check
// --remove-orphans` would take them for orphans of the old database). The file is opened
// read-only (flock needs no more), so a daemon user and root can share it whoever made it.
class StoreUsers {
 public:
  StoreUsers() = default;
  ~StoreUsers();
  StoreUsers(StoreUsers&& other) noexcept;
  StoreUsers& operator=(StoreUsers&& other) noexcept;
  StoreUsers(const StoreUsers&) = delete;
  StoreUsers& operator=(const StoreUsers&) = delete;

  // Empty when taken; else why not. Neither waits.
  std::string share(const std::string& database);
  std::string take_alone(const std::string& database);

 private:
  std::string take(const std::string& database, int operation, std::string busy);
  int fd_ = -1;
};

}  // namespace edigate::gateway::store
