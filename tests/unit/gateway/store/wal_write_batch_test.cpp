#include "store/wal_write_batch.hpp"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>

#include "temp_dir.hpp"

using edigate::gateway::store::wal_write_batch_vfs;
using edigate::gateway::store::wal_write_batch_vfs_over;
using edigate::gateway::store::test::TempDir;

namespace {

sqlite3* open_db(const std::string& path, const char* vfs) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) ==
          SQLITE_OK);
  return db;
}

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  INFO(sql << ": " << (error != nullptr ? error : ""));
  sqlite3_free(error);
  REQUIRE(rc == SQLITE_OK);
}

std::string text(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* q = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  return out;
}

// What a crash would leave: the database and its WAL as they are in the file system now,
// opened elsewhere with SQLite's own VFS (which recovers the WAL, checking every frame).
std::string after_crash(const std::string& db, const std::string& dir, const std::string& sql) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(db, dir + "/copy.db");
  std::filesystem::copy_file(db + "-wal", dir + "/copy.db-wal");
  sqlite3* copy = open_db(dir + "/copy.db", nullptr);
  REQUIRE(text(copy, "PRAGMA integrity_check") == "ok");
  std::string out = text(copy, sql);
  sqlite3_close(copy);
  return out;
}

// Write system calls this process has made so far (pwrite included).
long long write_calls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

}  // namespace

TEST_CASE("WAL write batching: every commit is in the files when it returns", "[store]") {
  REQUIRE(wal_write_batch_vfs() != nullptr);
  TempDir dir;
  const std::string path = dir.file("batch.db");
  sqlite3* db = open_db(path, wal_write_batch_vfs());
  // As open_sqlite_store opens it (cache_spill=OFF, which the VFS needs), with a small cache.
  exec(db,
       "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=10;"
       "PRAGMA cache_spill=OFF; PRAGMA wal_autocheckpoint=0;"
       "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  sqlite3* reader = open_db(path, nullptr);  // another connection, SQLite's own VFS

  // Small commits: each one seen by the other connection and by a recovery at once.
  for (int i = 1; i <= 20; ++i) {
    exec(db, "INSERT INTO t(v) VALUES (randomblob(300))");
    CHECK(text(reader, "SELECT count(*) FROM t") == std::to_string(i));
  }
  CHECK(after_crash(path, dir.file("c1"), "SELECT count(*) FROM t") == "20");

  // A transaction far larger than the cache (10 pages), and than one write to the default VFS:
  // committed whole.
  exec(db,
       "BEGIN; INSERT INTO t(v) SELECT randomblob(1000) FROM t, t AS u LIMIT 300;"
       "UPDATE t SET v = randomblob(900) WHERE id % 3 = 0; COMMIT");
  CHECK(text(reader, "SELECT count(*) FROM t") == "320");
  CHECK(after_crash(path, dir.file("c2"), "SELECT count(*) FROM t") == "320");

  // A large transaction rolled back, then another connection commits where its frames would
  // have gone, then this one reads and writes again: nothing of the rolled-back one reaches
  // the file over the other's frames.
  // (Rows made from nothing, so that it reads nothing back from the WAL as it goes.)
  exec(db,
       "CREATE TABLE u(v BLOB); BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
       "FROM n WHERE i < 300) INSERT INTO u SELECT randomblob(1000) FROM n; ROLLBACK");
  exec(reader, "INSERT INTO t(v) VALUES (randomblob(5000)); INSERT INTO t(v) VALUES (x'01')");
  CHECK(text(db, "SELECT count(*) FROM t") == "322");
  exec(db, "INSERT INTO t(v) VALUES (randomblob(5000))");
  CHECK(text(reader, "SELECT count(*) FROM t") == "323");
  CHECK(after_crash(path, dir.file("c3"), "SELECT count(*) FROM t") == "323");

  // After a checkpoint that restarts the WAL, writes start again at its head.
  exec(db, "PRAGMA wal_checkpoint(RESTART)");
  for (int i = 0; i < 5; ++i) exec(db, "INSERT INTO t(v) VALUES (randomblob(200))");
  CHECK(after_crash(path, dir.file("c4"), "SELECT count(*) FROM t") == "328");
  const std::string sum = text(db, "SELECT sum(length(v)) FROM t");

  sqlite3_close(reader);
  REQUIRE(sqlite3_close(db) == SQLITE_OK);
  sqlite3* again = open_db(path, nullptr);
  CHECK(text(again, "PRAGMA integrity_check") == "ok");
  CHECK(text(again, "SELECT sum(length(v)) FROM t") == sum);
  sqlite3_close(again);
}

TEST_CASE("WAL write batching: far fewer write calls than SQLite's own VFS", "[store]") {
  TempDir dir;
  auto count = [&](const char* vfs, const std::string& name) {
    sqlite3* db = open_db(dir.file(name), vfs);
    exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
         "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); CREATE INDEX t_v ON t(v)");
    const long long before = write_calls();
    // Each commit writes two frames: the table's page and the index's.
    for (int i = 0; i < 100; ++i) exec(db, "INSERT INTO t(v) VALUES (randomblob(100))");
    const long long used = write_calls() - before;
    sqlite3_close(db);
    return used;
  };
  const long long plain = count(nullptr, "plain.db");
  const long long batched = count(wal_write_batch_vfs(), "batched.db");
  INFO("write calls for 100 commits: SQLite's VFS " << plain << ", batching " << batched);
  REQUIRE(plain > 0);
  // Each commit's four WAL writes (two frames) become one; the count also has calls that are
  // not the WAL's (about one a commit here, the same in both).
  CHECK(plain - batched >= 2 * 100);
  CHECK(plain >= 2 * batched);
}

namespace {
int frames_in_wal = 0;
int note_frames(void* /*unused*/, sqlite3* /*db*/, const char* /*name*/, int frames) {
  frames_in_wal = frames;
  return SQLITE_OK;
}
}  // namespace

// The gathered bytes are written out when they pass 4 MiB (1018 frames of a 4 KiB page, and a
// header): a commit whose last page is the one that crosses that still ends with its frames in
// the file. Each size in a new database, so that the commit is the WAL's first.
TEST_CASE("WAL write batching: a commit is whole at every size around the bound", "[store]") {
  TempDir dir;
  bool crossed_on_commit = false;
  for (int rows = 1008; rows <= 1024; ++rows) {
    const std::string path = dir.file("bound-" + std::to_string(rows) + ".db");
    sqlite3* db = open_db(path, wal_write_batch_vfs());
    exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_spill=OFF;"
         "PRAGMA wal_autocheckpoint=0; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);"
         "PRAGMA wal_checkpoint(TRUNCATE)");
    sqlite3_wal_hook(db, note_frames, nullptr);
    // A row of 3,900 bytes fills a page of its own: the commit writes a frame a row, and a few.
    exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                 std::to_string(rows) + ") INSERT INTO t(v) SELECT randomblob(3900) FROM n");
    INFO(rows << " rows, " << frames_in_wal << " frames");
    if (frames_in_wal == 1019) crossed_on_commit = true;
    CHECK(after_crash(path, dir.file("crash"), "SELECT count(*) FROM t") == std::to_string(rows));
    sqlite3_close(db);
    std::filesystem::remove(path);
  }
  CHECK(crossed_on_commit);  // the size that crosses the bound on its commit page was made
}

// A VFS over SQLite's own whose WAL files fail one write on demand: the `fail_in`th write from
// now (0: none) answers SQLITE_IOERR_WRITE and writes nothing.
namespace {
int fail_in = 0;
struct FailingFile {
  sqlite3_file base;
  sqlite3_file* real;
};
sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FailingFile*>(f)->real; }
int f_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int f_read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
  return real_of(f)->pMethods->xRead(real_of(f), out, n, at);
}
int f_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 at) {
  if (fail_in > 0 && --fail_in == 0) return SQLITE_IOERR_WRITE;
  return real_of(f)->pMethods->xWrite(real_of(f), data, n, at);
}
int f_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int f_sync(sqlite3_file* f, int flags) { return real_of(f)->pMethods->xSync(real_of(f), flags); }
int f_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int f_lock(sqlite3_file* f, int level) { return real_of(f)->pMethods->xLock(real_of(f), level); }
int f_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int f_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int f_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int f_sector(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int f_device(sqlite3_file* f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
const sqlite3_io_methods kFailingMethods = {1,         f_close,  f_read,   f_write,  f_truncate,
                                            f_sync,    f_size,   f_lock,   f_unlock, f_reserved,
                                            f_control, f_sector, f_device, nullptr,  nullptr,
                                            nullptr,   nullptr,  nullptr,  nullptr};
sqlite3_vfs failing_vfs;
int failing_open(sqlite3_vfs* /*vfs*/, const char* name, sqlite3_file* file, int flags,
                 int* out_flags) {
  sqlite3_vfs* plain = sqlite3_vfs_find(nullptr);
  if ((flags & SQLITE_OPEN_WAL) == 0) return plain->xOpen(plain, name, file, flags, out_flags);
  auto* f = reinterpret_cast<FailingFile*>(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  const int rc = plain->xOpen(plain, name, f->real, flags, out_flags);
  f->base.pMethods = f->real->pMethods != nullptr ? &kFailingMethods : nullptr;
  return rc;
}
const char* batching_over_failing() {
  if (sqlite3_vfs_find("test-failing") == nullptr) {
    sqlite3_vfs* plain = sqlite3_vfs_find(nullptr);
    failing_vfs = *plain;
    failing_vfs.zName = "test-failing";
    failing_vfs.pNext = nullptr;
    failing_vfs.szOsFile = static_cast<int>(sizeof(FailingFile)) + plain->szOsFile;
    failing_vfs.xOpen = failing_open;
    REQUIRE(sqlite3_vfs_register(&failing_vfs, 0) == SQLITE_OK);
  }
  const char* name = wal_write_batch_vfs_over(&failing_vfs, "test-batch-over-failing");
  REQUIRE(name != nullptr);
  return name;
}
}  // namespace

// Whichever WAL write fails (in a small commit, a large one, the one that crosses the 4 MiB
// bound), the transactions that said they committed are there after a crash, those that failed
// are not, and the connection goes on committing whole transactions.
TEST_CASE("WAL write batching: a failed write loses only its own transaction", "[store]") {
  TempDir dir;
  const char* vfs = batching_over_failing();
  // Runs the transactions with the `failing`th WAL write failing (0: none); the transactions
  // that said they committed, and how many WAL writes were made.
  auto run = [&](int failing, const std::string& path) {
    sqlite3* db = open_db(path, vfs);
    exec(db,
         "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_spill=OFF;"
         "PRAGMA wal_autocheckpoint=0; CREATE TABLE t(txn INTEGER, v BLOB)");
    constexpr int kMany = 1'000'000;
    fail_in = failing > 0 ? failing : kMany;
    std::string committed;
    for (int txn = 1; txn <= 8; ++txn) {
      // Small commits, and every third one past the 4 MiB bound (1,100 pages).
      const int rows = txn % 3 == 0 ? 1100 : 3;
      const std::string sql =
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
          std::to_string(rows) + ") INSERT INTO t SELECT " + std::to_string(txn) +
          ", randomblob(3900) FROM n";
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) {
        committed += std::to_string(txn) + ",";
      }
    }
    const int writes = failing > 0 ? 0 : kMany - fail_in;
    fail_in = 0;
    return std::make_tuple(db, committed, writes);
  };
  const std::string query =
      "SELECT group_concat(txn) || ',' FROM (SELECT DISTINCT txn FROM t ORDER BY txn)";
  auto [clean, all, writes] = run(0, dir.file("clean.db"));
  sqlite3_close(clean);
  REQUIRE(all == "1,2,3,4,5,6,7,8,");
  REQUIRE(writes > 20);
  for (int failing = 1; failing <= writes; ++failing) {
    // The first few, every seventh and the last few: each transaction, and pieces of the large.
    if (failing > 4 && failing % 7 != 0 && failing < writes - 3) continue;
    const std::string path = dir.file("fail-" + std::to_string(failing) + ".db");
    auto [db, committed, unused] = run(failing, path);
    INFO("failing write " << failing << " of " << writes << ", committed " << committed);
    CHECK(committed.size() < all.size());  // one did fail
    CHECK(text(db, query) == committed);
    CHECK(after_crash(path, dir.file("crash"), query) == committed);
    sqlite3_close(db);
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
  }
}
