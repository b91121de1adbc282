// One process at a time owns a store for writing as a daemon does: `edigate serve`, and
// `edigate store restore` (which replaces the database file). An exclusive flock on
// <database>.lock, held until the object goes (or the process ends), with the holder's pid in
// it for the message. Two daemons on one store would run each other's jobs (their runners
// share names, and each gives back what looks stale under its names).
#pragma once

#include <string>

namespace edigate::gateway::store {

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

}  // namespace edigate::gateway::store
