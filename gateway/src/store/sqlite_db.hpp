// Thin RAII over the SQLite C API for the SQLite backend only: prepared statements with
// typed binds and columns, and an IMMEDIATE transaction that rolls back unless committed.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/result.hpp"

namespace edigate::gateway::store::sqlite {

Status db_error(sqlite3* db, std::string_view what);
Status exec(sqlite3* db, const char* sql);

// Prepared statements kept for reuse, keyed by their SQL text: preparing (parsing and planning)
// cost more than running most of the store's statements. Not thread-safe: the store uses it
// under its lock. A statement in use when the same SQL is wanted again (nesting) is not shared;
// the second user gets a statement of its own.
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return db_; }
  // A prepared statement for `sql`, or nullptr (then db() has the error). `in_use` is set to
  // the cache's flag for it, or to nullptr for a statement of its own (nested use).
  sqlite3_stmt* take(std::string_view sql, bool*& in_use);
  // Back after use: reset with bindings cleared, or finalized when it was not the cache's.
  static void give_back(sqlite3_stmt* stmt, bool* in_use);

 private:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  // Node-based: an Entry stays where it is when the map grows, so `in_use` pointers hold.
  std::unordered_map<std::string, Entry, TextHash, std::equal_to<>> entries_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  Statement(StatementCache& cache, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  const Status& status() const { return status_; }

  // Binds are 1-based like SQLite's. An empty optional binds NULL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::optional<std::int64_t>& value);
  Statement& bind_null(int index);
  // Empty text binds NULL (for columns where "absent" is NULL, e.g. as2_message_id).
  Statement& bind_text_or_null(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view bytes);

  // Steps once: true with a row, false when done; an error becomes status().
  Result<bool> next();
  // Steps to completion expecting no rows.
  Status run();
  // For INSERT/UPDATE ... RETURNING one integer: reads it, then steps to completion, because
  // the change (and an autocommit) only finishes when the statement does.
  Result<std::int64_t> single_int();

  std::int64_t int_at(int column) const;
  std::string text_at(int column) const;
  std::string blob_at(int column) const;
  bool null_at(int column) const;
  std::optional<std::int64_t> optional_int_at(int column) const;

 private:
  Statement& bind_bytes(int index, std::string_view value, bool blob);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  bool from_cache_ = false;
  bool* in_use_ = nullptr;  // the cache's flag for stmt_, nullptr when stmt_ is ours alone
  Status status_;
};

// Runs one statement without results (BEGIN, COMMIT, SAVEPOINT...) prepared once, from the cache.
Status run_cached(StatementCache& cache, const char* sql);

// BEGIN IMMEDIATE takes the write lock up front, so two writers wait on busy_timeout instead
// of deadlocking on a read-to-write upgrade.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  // The same with its BEGIN/SAVEPOINT/COMMIT statements prepared once, from the cache.
  explicit Transaction(StatementCache& cache);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  const Status& status() const { return status_; }
  Status commit();

 private:
  Status run(const char* sql);

  sqlite3* db_;
  StatementCache* cache_ = nullptr;
  bool nested_;
  Status status_;
  bool open_ = false;
};

// Every row the query returns, each read by `from`.
template <typename Row>
Result<std::vector<Row>> all_rows(Statement& q, Row (*from)(const Statement&)) {
  std::vector<Row> out;
  for (;;) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    out.push_back(from(q));
  }
}

// The first row the query returns, read by `from`; nothing when it returns none.
template <typename Row>
Result<std::optional<Row>> first_row(Statement& q, Row (*from)(const Statement&)) {
  auto row = q.next();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<Row>{};
  return std::optional<Row>{from(q)};
}

}  // namespace edigate::gateway::store::sqlite
