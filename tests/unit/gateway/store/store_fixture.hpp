// An SQLite store in a temp directory with a pinned clock, plus raw SQL access for tests that
// play an operator with the sqlite3 shell.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "store/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace edigate::gateway::store::test {

struct StoreFixture {
  TempDir dir;
  std::string db_path = dir.file("edigate.db");
  std::shared_ptr<std::atomic<std::int64_t>> clock =
      std::make_shared<std::atomic<std::int64_t>>(1700000000000);

  Result<std::unique_ptr<Store>> open() const {
    SqliteOptions options;
    auto c = clock;
    options.clock = [c] { return c->load(); };
    return open_sqlite_store(db_path, options);
  }

  // open(), for a test that cannot go on without the store (it fails the test otherwise).
  std::unique_ptr<Store> open_store() const {
    auto opened = open();
    REQUIRE(opened.ok());
    return std::move(opened.value());
  }

  // Runs SQL on a separate connection, as an operator with the sqlite3 shell would.
  // Returns SQLite's result code.
  int raw_sql(const std::string& sql) const {
    sqlite3* db = nullptr;
    int rc = sqlite3_open(db_path.c_str(), &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    return rc;
  }

  std::int64_t raw_count(const std::string& table) const {
    sqlite3* db = nullptr;
    sqlite3_open(db_path.c_str(), &db);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &q, nullptr);
    std::int64_t n = -1;
    if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
  }
};

inline NewMessage as2_message(const std::string& partner, const std::string& message_id) {
  NewMessage m;
  m.transport = "as2";
  m.partner = partner;
  m.as2_message_id = message_id;
  m.filename = "order.edi";
  m.payload_id = std::string(64, 'a');
  m.size = 123;
  m.content_type = "application/edi-x12";
  return m;
}

}  // namespace edigate::gateway::store::test
