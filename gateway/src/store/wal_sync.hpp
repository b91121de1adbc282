// Group commit for SQLite in WAL mode. Commits run with synchronous=NORMAL, so COMMIT only
// appends frames to the WAL file and returns without an fsync, and the store lock is never
// held through a disk flush. A writer then waits here until its commit is on disk: the first
// waiter becomes the syncer and fdatasyncs the WAL file once for every commit counted so far;
// writers that commit meanwhile wait for the next flush, which covers all of them. A commit is
// as durable as with synchronous=FULL once wait_durable() returns ok, and N concurrent writers
// share one flush instead of queueing for N.
//
// A failed flush is final for this process: after an fsync error the kernel may have dropped
// the dirty pages, so nothing written since can be promised durable (the lesson PostgreSQL
// learnt in 2018). Every later wait fails; the daemon stops acknowledging and must be restarted,
// which recovers from what is really on disk.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "store/result.hpp"

namespace edigate::gateway::store {

class WalSync {
 public:
  explicit WalSync(std::string wal_path);
  ~WalSync();
  WalSync(const WalSync&) = delete;
  WalSync& operator=(const WalSync&) = delete;

  // Called by the committing thread right after a commit reached the WAL file; returns the
  // commit's sequence number.
  std::uint64_t committed() { return written_.fetch_add(1, std::memory_order_acq_rel) + 1; }

  // Returns once commit `seq` (and every one before it) is on disk.
  Status wait_durable(std::uint64_t seq);
  // Every commit made so far.
  Status wait_all() { return wait_durable(written_.load(std::memory_order_acquire)); }

  // Flushes done so far (for tests and metrics: fewer than commits under concurrency).
  std::uint64_t flushes() const;
  // The failure that ended durability (a flush failed: every later write fails), or success.
  Status failure() const;
  // Commits counted so far.
  std::uint64_t commits() const { return written_.load(std::memory_order_acquire); }

 private:
  Status flush();

  std::string path_;
  int fd_ = -1;
  // The file fd_ was opened on (an open descriptor's file never changes: read once, at open).
  ino_t fd_ino_ = 0;
  dev_t fd_dev_ = 0;
  std::atomic<std::uint64_t> written_{0};
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool syncing_ = false;
  std::uint64_t durable_ = 0;
  std::uint64_t flushes_ = 0;
  Status failed_;
};

}  // namespace edigate::gateway::store
