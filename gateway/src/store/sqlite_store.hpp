// Opens the embedded SQLite backend of Store.
//
// Threading: one connection guarded by a mutex; every Store call holds it for its whole
// transaction, so the object may be shared by all threads of the daemon. Other processes (the
// CLI while the daemon runs) use their own connection; WAL lets their reads proceed while the
// daemon writes, and writers wait up to busy_timeout_ms for each other.
//
// Durability: WAL with synchronous=FULL, so a call that returned ok is on disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace edigate::gateway::store {

struct SqliteOptions {
  bool create_if_missing = true;  // the CLI opens existing databases only
  // The daemon migrates; operator commands (migrate = false) leave the schema alone and
  // refuse a store that is not at this edigate's version, so running a newer CLI next to an
  // older daemon cannot upgrade the database under it.
  bool migrate = true;
  int busy_timeout_ms = 5000;
  // The daemon's many concurrent writers share transactions and WAL flushes, and a background
  // thread checkpoints the WAL (docs/store.md). An operator command makes a write or two: off,
  // each commit flushes itself and SQLite checkpoints as it commits, with no thread started.
  bool group_commit = true;
  // Milliseconds since the epoch; tests pin it. Empty: the system clock.
  std::function<std::int64_t()> clock;
  // Hold a shared lock on <path>.users while open (store_lock.hpp StoreUsers), so that
  // `edigate store restore` waits for no one and no one opens the store during a restore. Off
  // for restore's own open of the copy it stages, and backup's check of the copy it made.
  bool share_lock = true;
  // Each transaction's WAL frames written with one system call (wal_write_batch.hpp); off:
  // SQLite's default VFS, two a frame (tests compare the two).
  bool batch_wal_writes = true;
};

// Refused (conflict) while a restore into it runs, and while `<path>.restoring` is there: a
// restore into it has not finished.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options = {});

// The system clock in milliseconds since the epoch.
std::int64_t system_now_ms();

}  // namespace edigate::gateway::store
