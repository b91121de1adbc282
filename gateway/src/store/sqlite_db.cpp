#include "store/sqlite_db.hpp"

#include <climits>

namespace edigate::gateway::store::sqlite {
namespace {

StoreErrc code_for(int rc) {
  const int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return StoreErrc::duplicate;
  }
  if (primary == SQLITE_TOOBIG) return StoreErrc::too_large;
  return StoreErrc::database;
}

}  // namespace

Status db_error(sqlite3* db, std::string_view what) {
  return Status::error(code_for(sqlite3_extended_errcode(db)),
                       std::string(what) + ": " + sqlite3_errmsg(db));
}

Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return Status::success();
  Status s = Status::error(code_for(sqlite3_extended_errcode(db)),
                           std::string("sqlite: ") + (message != nullptr ? message : "error"));
  sqlite3_free(message);
  return s;
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    status_ = db_error(db, "prepare");
  }
}

Statement::Statement(StatementCache& cache, std::string_view sql)
    : db_(cache.db()), from_cache_(true) {
  stmt_ = cache.take(sql, in_use_);
  if (stmt_ == nullptr) status_ = db_error(db_, "prepare");
}

Statement::~Statement() {
  if (from_cache_) {
    StatementCache::give_back(stmt_, in_use_);
  } else {
    sqlite3_finalize(stmt_);
  }
}

StatementCache::~StatementCache() {
  for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
}

sqlite3_stmt* StatementCache::take(std::string_view sql, bool*& in_use) {
  in_use = nullptr;
  auto it = entries_.find(sql);
  if (it != entries_.end() && !it->second.in_use) {
    it->second.in_use = true;
    in_use = &it->second.in_use;
    return it->second.stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return nullptr;
  }
  // Busy further up the stack: this one is used once and finalized.
  if (it != entries_.end()) return stmt;
  auto& entry = entries_.emplace(std::string(sql), Entry{stmt, true}).first->second;
  in_use = &entry.in_use;
  return stmt;
}

void StatementCache::give_back(sqlite3_stmt* stmt, bool* in_use) {
  if (in_use == nullptr) {
    sqlite3_finalize(stmt);
    return;
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  *in_use = false;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (status_.ok() && sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    status_ = db_error(db_, "bind");
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  return bind_bytes(index, value, false);
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  return bind_bytes(index, bytes, true);
}

Statement& Statement::bind_bytes(int index, std::string_view value, bool blob) {
  if (!status_.ok()) return *this;
  if (value.size() > static_cast<std::size_t>(INT_MAX)) {
    status_ = Status::error(StoreErrc::too_large, "value too large");
    return *this;
  }
  const int size = static_cast<int>(value.size());
  const int rc = blob ? sqlite3_bind_blob(stmt_, index, value.data(), size, SQLITE_TRANSIENT)
                      : sqlite3_bind_text(stmt_, index, value.data(), size, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) status_ = db_error(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  if (status_.ok() && sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
    status_ = db_error(db_, "bind");
  }
  return *this;
}

Statement& Statement::bind_text_or_null(int index, std::string_view value) {
  return value.empty() ? bind_null(index) : bind(index, value);
}

Result<bool> Statement::next() {
  if (!status_.ok()) return status_;
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  status_ = db_error(db_, "step");
  return status_;
}

Status Statement::run() {
  for (;;) {
    auto row = next();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::success();
  }
}

Result<std::int64_t> Statement::single_int() {
  auto row = next();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::error(StoreErrc::not_found, "no row");
  const std::int64_t value = int_at(0);
  if (auto s = run(); !s.ok()) return s;
  return value;
}

std::int64_t Statement::int_at(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text_at(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::string Statement::blob_at(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::null_at(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Statement::optional_int_at(int column) const {
  if (null_at(column)) return std::nullopt;
  return int_at(column);
}

// Inside an outer transaction (Store::batch) a transaction is a savepoint: its commit is the
// outer one's, and its rollback undoes only its own part.
Status run_cached(StatementCache& cache, const char* sql) {
  Statement q(cache, sql);
  return q.run();
}

Transaction::Transaction(sqlite3* db) : db_(db), nested_(sqlite3_get_autocommit(db) == 0) {
  status_ = run(nested_ ? "SAVEPOINT edigate_nested" : "BEGIN IMMEDIATE");
  open_ = status_.ok();
}

Transaction::Transaction(StatementCache& cache)
    : db_(cache.db()), cache_(&cache), nested_(sqlite3_get_autocommit(db_) == 0) {
  status_ = run(nested_ ? "SAVEPOINT edigate_nested" : "BEGIN IMMEDIATE");
  open_ = status_.ok();
}

Status Transaction::run(const char* sql) {
  return cache_ != nullptr ? run_cached(*cache_, sql) : exec(db_, sql);
}

Transaction::~Transaction() {
  if (!open_) return;
  if (nested_) {
    (void)run("ROLLBACK TO edigate_nested");
    (void)run("RELEASE edigate_nested");
  } else {
    (void)run("ROLLBACK");
  }
}

Status Transaction::commit() {
  if (!open_) return status_;
  if (auto s = run(nested_ ? "RELEASE edigate_nested" : "COMMIT"); !s.ok()) {
    return s;  // the destructor rolls back
  }
  open_ = false;
  return Status::success();
}

}  // namespace edigate::gateway::store::sqlite
