// Backup and restore: a consistent copy of the database, and after a restore, ids and control
// numbers moved past what the lost store may have handed out.
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

Status flush(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0)
    return Status::error(StoreErrc::io, "cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0)
    return Status::error(StoreErrc::io, "cannot fsync " + path + ": " + std::strerror(err));
  return Status::success();
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
  if (auto s = flush(file, O_RDONLY); !s.ok()) return s;
  const std::filesystem::path dir = std::filesystem::absolute(file).parent_path();
  return flush(dir.string(), O_RDONLY | O_DIRECTORY);
}

Result<std::int64_t> SqliteStore::mark_restored(std::int64_t id_gap, std::int64_t control_gap,
                                                std::string_view actor,
                                                const std::string& details) {
  if (id_gap < 1 || control_gap < 0) {
    return Status::error(StoreErrc::bad_input,
                         "the id gap must be positive, the control gap not "
                         "negative");
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
    nlohmann::json what = nlohmann::json::parse(details, nullptr, false);
    if (!what.is_object()) what = nlohmann::json::object();
    what["next_ids"] = floors;
    what["id_gap"] = id_gap;
    what["control_gap"] = control_gap;
    what["control_counters_moved"] = moved;
    auto seq =
        append_audit_locked({std::string(actor), "store.restored", "store", json_text(what)});
    if (!seq.ok()) return seq.status();
    if (auto s = txn.commit(); !s.ok()) return s;
    return seq.value();
  });
}

}  // namespace edigate::gateway::store::sqlite
