// Copies the WAL into the database file (a passive checkpoint) from a thread and a connection
// of its own. SQLite's automatic checkpoint runs inside the COMMIT that passes the threshold,
// so the writer that happens to commit it, and every writer queued behind the store lock, waits
// for the copy and its two fsyncs; here nobody does. A passive checkpoint never blocks writers
// or readers: it copies what no reader still needs and leaves the rest for the next one.
//
// Under writes that never pause a passive checkpoint never catches up: by the time it has
// copied what it saw, more has been appended, so the WAL is never wholly copied when a writer
// starts and SQLite never starts it over; it grows by everything written (measured: 86 MB for
// 2,000 AS2 messages in one burst). Past a second, larger threshold the checkpoint is therefore
// a RESTART one: it waits for the writer of the moment, copies what the passive ones left, and
// makes the next writer start the WAL from its beginning. Writers wait for it (their busy
// timeout); the WAL stays bounded. A passive checkpoint runs just before it, so that what they
// wait for is only what was committed meanwhile.
//
// It never makes a commit durable in the database file alone: SQLite fsyncs the WAL before it
// copies frames out of it and the database file after.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/result.hpp"

namespace edigate::gateway::store {

class WalCheckpointer {
 public:
  // Opens its own connection to the database file at `path` and starts its thread.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::string& path);
  ~WalCheckpointer();  // stops the thread (after a checkpoint in progress) and closes
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // A checkpoint is due (the WAL passed the threshold; `restart`: the larger one). Cheap,
  // never blocks on the disk: called from the committing thread's WAL hook. Requests while one
  // runs make one more (a restart if any of them asked for one).
  void request(bool restart = false);
  // Checkpoints run so far.
  std::uint64_t checkpoints() const { return done_.load(std::memory_order_acquire); }
  // Of those, the restart ones.
  std::uint64_t restarts() const { return restarts_.load(std::memory_order_acquire); }

 private:
  explicit WalCheckpointer(sqlite3* db);
  void run();

  sqlite3* db_;
  std::mutex m_;
  std::condition_variable cv_;
  bool due_ = false;
  bool restart_due_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> restarts_{0};
  std::thread thread_;  // last: started once the rest is set up
};

}  // namespace edigate::gateway::store
