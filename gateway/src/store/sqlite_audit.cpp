// The audit chain in the SQLite backend: append inside the caller's transaction, verify and
// export by streaming the table in seq order.
#include <nlohmann/json.hpp>
#include <ostream>

#include "store/audit_chain.hpp"
#include "store/sqlite_store_impl.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

AuditEntry audit_from(const Statement& q) {
  AuditEntry e;
  e.seq = q.int_at(0);
  e.time = q.int_at(1);
  e.actor = q.text_at(2);
  e.action = q.text_at(3);
  e.subject = q.text_at(4);
  e.details = q.text_at(5);
  e.prev_hash = q.text_at(6);
  e.hash = q.text_at(7);
  return e;
}

constexpr const char* kSelectAudit =
    "SELECT seq, time, actor, action, subject, details, prev_hash, hash FROM audit ORDER BY seq";

}  // namespace

Result<std::int64_t> SqliteStore::append_audit_locked(const AuditEvent& e) {
  if (e.details.size() > kMaxAuditDetails) {
    return Status::error(StoreErrc::too_large, "audit details exceed the limit");
  }
  if (!nlohmann::json::accept(e.details)) {
    return Status::error(StoreErrc::bad_input, "audit details are not JSON");
  }
  AuditEntry entry;
  entry.prev_hash = std::string(kAuditGenesisHash);
  entry.seq = 1;
  // The caller holds the write lock (BEGIN IMMEDIATE), so nobody appends between this read
  // and the insert.
  Statement last(statements_, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
  auto row = last.next();
  if (!row.ok()) return row.status();
  if (row.value()) {
    entry.seq = last.int_at(0) + 1;
    entry.prev_hash = last.text_at(1);
  }
  entry.time = now();
  entry.actor = e.actor;
  entry.action = e.action;
  entry.subject = e.subject;
  entry.details = e.details;
  entry.hash = audit_hash(entry);
  Statement insert(statements_,
                   "INSERT INTO audit (seq, time, actor, action, subject, details, prev_hash, "
                   "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, entry.seq)
      .bind(2, entry.time)
      .bind(3, entry.actor)
      .bind(4, entry.action)
      .bind(5, entry.subject)
      .bind(6, entry.details)
      .bind(7, entry.prev_hash)
      .bind(8, entry.hash);
  if (auto s = insert.run(); !s.ok()) return s;
  return entry.seq;
}

Result<std::int64_t> SqliteStore::append_audit(const AuditEvent& e) {
  return write([&]() -> Result<std::int64_t> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    auto seq = append_audit_locked(e);
    if (!seq.ok()) return seq;
    if (auto s = txn.commit(); !s.ok()) return s;
    return seq;
  });
}

Result<AuditVerification> SqliteStore::verify_audit() {
  std::lock_guard lock(mu_);
  // A read transaction gives one consistent snapshot even while the daemon appends.
  if (auto s = exec(db_, "BEGIN"); !s.ok()) return s;
  AuditChainVerifier verifier;
  Status failure;
  {
    Statement q(statements_, kSelectAudit);
    for (;;) {
      auto row = q.next();
      if (!row.ok()) {
        failure = row.status();
        break;
      }
      if (!row.value()) break;
      verifier.feed(audit_from(q));
    }
  }
  (void)exec(db_, "COMMIT");
  if (!failure.ok()) return failure;
  return verifier.result();
}

Result<std::optional<AuditEntry>> SqliteStore::get_audit(std::int64_t seq) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT seq, time, actor, action, subject, details, prev_hash, hash FROM audit "
              "WHERE seq = ?");
  q.bind(1, seq);
  auto row = q.next();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<AuditEntry>{};
  return std::optional<AuditEntry>{audit_from(q)};
}

Status SqliteStore::export_audit(std::ostream& out) {
  std::lock_guard lock(mu_);
  if (auto s = exec(db_, "BEGIN"); !s.ok()) return s;
  Status failure;
  {
    Statement q(statements_, kSelectAudit);
    for (;;) {
      auto row = q.next();
      if (!row.ok()) {
        failure = row.status();
        break;
      }
      if (!row.value()) break;
      out << audit_json_line(audit_from(q)) << '\n';
    }
  }
  (void)exec(db_, "COMMIT");
  if (!failure.ok()) return failure;
  if (!out) return Status::error(StoreErrc::io, "cannot write the audit export");
  return Status::success();
}

}  // namespace edigate::gateway::store::sqlite
