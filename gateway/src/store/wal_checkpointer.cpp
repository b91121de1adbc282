#include "store/wal_checkpointer.hpp"

#include <utility>

#include "thread_name.hpp"

namespace edigate::gateway::store {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::start(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    Status s = Status::error(StoreErrc::database,
                             "cannot open " + path + " for checkpoints: " +
                                 (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close_v2(db);
    return s;
  }
  // A checkpoint waits for nobody (passive), but opening the WAL index may meet a writer
  // resetting it; a short busy wait covers that.
  sqlite3_busy_timeout(db, 1000);
  // A connection learns the database is in WAL mode when it first reads it; until then a
  // checkpoint does nothing.
  if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    Status s = Status::error(StoreErrc::database,
                             "cannot read " + path + " for checkpoints: " + sqlite3_errmsg(db));
    sqlite3_close_v2(db);
    return s;
  }
  auto checkpointer = std::unique_ptr<WalCheckpointer>(new WalCheckpointer(db));
  checkpointer->thread_ = std::thread([c = checkpointer.get()] {
    name_this_thread("wal-checkpoint");
    c->run();
  });
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(sqlite3* db) : db_(db) {}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard lock(m_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(db_);
}

void WalCheckpointer::request(bool restart) {
  {
    std::lock_guard lock(m_);
    due_ = true;
    restart_due_ = restart_due_ || restart;
  }
  cv_.notify_one();
}

void WalCheckpointer::run() {
  std::unique_lock lock(m_);
  while (true) {
    cv_.wait(lock, [&] { return due_ || stop_; });
    if (stop_) return;
    due_ = false;
    const bool restart = std::exchange(restart_due_, false);
    lock.unlock();
    // A failure (the disk, a busy WAL index, a writer holding on past the busy timeout) leaves
    // the WAL as it is: the next request tries again, and the WAL stays the durable copy
    // meanwhile.
    // A restart one first copies what it can without blocking anyone (passive), so that the
    // writers it then waits for and holds back only wait for what was committed meanwhile.
    (void)sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (restart) {
      (void)sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_RESTART, nullptr, nullptr);
    }
    if (restart) restarts_.fetch_add(1, std::memory_order_acq_rel);
    done_.fetch_add(1, std::memory_order_acq_rel);
    lock.lock();
  }
}

}  // namespace edigate::gateway::store
