#include "store/wal_write_batch.hpp"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"

using edigate::gateway::store::wal_write_batch_vfs;
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
