#include <catch2/catch.hpp>

#include "store/sqlite_db.hpp"

using namespace edigate::gateway::store;
using namespace edigate::gateway::store::sqlite;

TEST_CASE("statement cache: reused when free, a fresh one when busy", "[store][statements]") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  {
    StatementCache cache(db);
    REQUIRE(exec(db, "CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)").ok());
    const char* sql = "SELECT n FROM t WHERE n >= ? ORDER BY n";
    sqlite3_stmt* first = nullptr;
    {
      Statement outer(cache, sql);
      outer.bind(1, std::int64_t{2});
      REQUIRE(outer.next().value());
      CHECK(outer.int_at(0) == 2);
      // The same SQL while `outer` is mid-iteration: its own statement, outer undisturbed.
      {
        Statement inner(cache, sql);
        inner.bind(1, std::int64_t{1});
        REQUIRE(inner.next().value());
        CHECK(inner.int_at(0) == 1);
      }
      REQUIRE(outer.next().value());
      CHECK(outer.int_at(0) == 3);
      bool* flag = nullptr;
      first = cache.take(sql, flag);  // busy: a fresh one, not the cached one
      CHECK(flag == nullptr);
      StatementCache::give_back(first, flag);
    }
    // Free again: reset, bindings cleared (NULL matches nothing), and reused.
    Statement again(cache, sql);
    CHECK(!again.next().value());
    Statement bad(cache, "SELECT nothing FROM nowhere");
    CHECK(!bad.status().ok());
  }
  sqlite3_close(db);
}
