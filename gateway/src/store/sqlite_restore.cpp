// Backup and restore: a consistent copy of the database, and after a restore, ids and control
// numbers moved past what the lost store may have handed out.

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "store/file_ops.hpp"
#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

Status flush(const std::string& path, bool directory) {
  const std::string why = fsync_path(path, directory);
  return why.empty() ? Status::success() : Status::error(StoreErrc::io, why);
}

}  // namespace

Status SqliteStore::copy_to(const std::string& file) {
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    return Status::error(StoreErrc::conflict, file + " exists already");
  }
  {
    std::lock_guard lock(mu_);
    Statement q(statements_.db(), "VACUUM INTO ?");
    q.bind(1, std::string_view(file));
    if (auto s = q.run(); !s.ok()) return s;
  }
  // VACUUM INTO leaves the new file's flush to the caller.
  if (auto s = flush(file, false); !s.ok()) return s;
  const std::filesystem::path dir = std::filesystem::absolute(file).parent_path();
  return flush(dir.string(), true);
}

Status SqliteStore::integrity_check() {
  std::lock_guard lock(mu_);
  Statement q(statements_.db(), "PRAGMA integrity_check(10)");
  std::string problems;
  while (true) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    const std::string line = q.text_at(0);
    if (line == "ok") continue;
    problems += (problems.empty() ? "" : "; ") + line;
  }
  if (problems.empty()) return Status::success();
  return Status::error(StoreErrc::corrupt,
                       "the database fails SQLite's integrity check: " + problems);
}

Result<std::int64_t> SqliteStore::mark_restored(std::int64_t id_gap, std::int64_t control_gap,
                                                std::string_view actor,
                                                const std::string& details) {
  // Bounded so that ids stay integers (SQLite makes a REAL of an INTEGER past 2^63) after many
  // restores, and nine-digit X12 control numbers do not wrap within one gap.
  if (id_gap < 1 || id_gap > kMaxIdGap || control_gap < 0 || control_gap > kMaxControlGap) {
    return Status::error(StoreErrc::bad_input,
                         "the id gap must be from 1 to " + std::to_string(kMaxIdGap) +
                             " and the control gap from 0 to " + std::to_string(kMaxControlGap));
  }
  // The tables whose ids leave the gateway: message ids (upload answers, file names, outbound
  // keys), document ids (Idempotency-Keys), job ids (outbound and resend keys), acknowledgement
  // ids (their AS2 Message-IDs) and sent AS2 ids (the admin API).
  static constexpr std::array<const char*, 5> kTables{"messages", "documents", "jobs", "acks",
                                                      "as2_sent"};
  return write([&]() -> Result<std::int64_t> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    nlohmann::json floors = nlohmann::json::object();
    for (const char* table : kTables) {
      // The floor is the last id taken: the next row gets one more.
      Statement q(statements_.db(),
                  std::string("INSERT INTO id_floors (name, floor) SELECT ?1, MAX(COALESCE((SELECT "
                              "MAX(id) FROM ") +
                      table +
                      "), 0), COALESCE((SELECT floor FROM id_floors WHERE name = ?1), 0)) + ?2 "
                      "ON CONFLICT (name) DO UPDATE SET floor = excluded.floor RETURNING floor");
      q.bind(1, std::string_view(table)).bind(2, id_gap);
      auto floor = q.single_int();
      if (!floor.ok()) return floor.status();
      floors[table] = floor.value() + 1;
    }
    Statement counters(statements_,
                       "UPDATE control_numbers SET last = last + ? WHERE kind IN ('interchange', "
                       "'group', 'transaction')");
    counters.bind(1, control_gap);
    if (auto s = counters.run(); !s.ok()) return s;
    const auto moved = sqlite3_changes(statements_.db());
    // Counters the lost store began after the backup are not in it: new ones start past them.
    Statement fresh(statements_.db(),
                    "INSERT INTO id_floors (name, floor) VALUES ('control_numbers', ?1) "
                    "ON CONFLICT (name) DO UPDATE SET floor = floor + ?1 RETURNING floor");
    fresh.bind(1, control_gap);
    auto first_new = fresh.single_int();
    if (!first_new.ok()) return first_new.status();
    nlohmann::json what = nlohmann::json::parse(details, nullptr, false);
    if (!what.is_object()) what = nlohmann::json::object();
    what["next_ids"] = floors;
    what["id_gap"] = id_gap;
    what["control_gap"] = control_gap;
    what["control_counters_moved"] = moved;
    what["new_control_counters_start"] = first_new.value() + 1;
    auto seq =
        append_audit_locked({std::string(actor), "store.restored", "store", json_text(what)});
    if (!seq.ok()) return seq.status();
    if (auto s = txn.commit(); !s.ok()) return s;
    return seq.value();
  });
}

}  // namespace edigate::gateway::store::sqlite
