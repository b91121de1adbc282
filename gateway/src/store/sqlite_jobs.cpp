// Jobs, delivery attempts and acknowledgements for the SQLite backend.
#include <nlohmann/json.hpp>

#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store {

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::ready:
      return "ready";
    case JobState::running:
      return "running";
    case JobState::done:
      return "done";
    case JobState::dead:
      return "dead";
  }
  return "ready";
}

std::string_view to_string(DeliveryOutcome o) {
  switch (o) {
    case DeliveryOutcome::delivered:
      return "delivered";
    case DeliveryOutcome::retry:
      return "retry";
    case DeliveryOutcome::dead:
      return "dead";
  }
  return "retry";
}

namespace sqlite {
namespace {

constexpr const char* kJobColumns =
    "id, kind, message_id, document_id, state, attempts, run_at, last_error, locked_by, "
    "locked_at";

// The answer of a SELECT EXISTS (...) or other 0/1 query.
Result<bool> is_true(const Result<std::int64_t>& n) {
  if (!n.ok()) return n.status();
  return n.value() != 0;
}

JobState job_state_from(const std::string& s) {
  if (s == "running") return JobState::running;
  if (s == "done") return JobState::done;
  if (s == "dead") return JobState::dead;
  return JobState::ready;
}

Job job_from(const Statement& q) {
  Job j;
  j.id = q.int_at(0);
  j.kind = q.text_at(1);
  j.ref.message_id = q.optional_int_at(2);
  j.ref.document_id = q.optional_int_at(3);
  j.state = job_state_from(q.text_at(4));
  j.attempts = static_cast<int>(q.int_at(5));
  j.run_at = q.int_at(6);
  j.last_error = q.text_at(7);
  j.locked_by = q.text_at(8);
  j.locked_at = q.int_at(9);
  return j;
}

DeliveryOutcome outcome_from(const std::string& s) {
  if (s == "delivered") return DeliveryOutcome::delivered;
  if (s == "dead") return DeliveryOutcome::dead;
  return DeliveryOutcome::retry;
}

}  // namespace

Result<std::int64_t> SqliteStore::enqueue_locked(std::string_view kind, const JobRef& ref,
                                                 std::int64_t run_at) {
  Statement q(statements_,
              "INSERT INTO jobs (id, kind, message_id, document_id, state, run_at) "
              "VALUES (" EDIGATE_NEXT_ID("jobs") ", ?, ?, ?, 'ready', ?) RETURNING id");
  q.bind(1, kind).bind(2, ref.message_id).bind(3, ref.document_id).bind(4, run_at);
  return q.single_int();
}

Result<std::int64_t> SqliteStore::enqueue(std::string_view kind, const JobRef& ref,
                                          std::int64_t run_at) {
  return write([&]() -> Result<std::int64_t> { return enqueue_locked(kind, ref, run_at); });
}

Result<std::optional<Job>> SqliteStore::claim(std::string_view worker_id, std::int64_t at) {
  return write(
      [&]() -> Result<std::optional<Job>> {
        // One statement, so the choice and the lock are atomic even against other processes.
        Statement q(statements_,
                    std::string("UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                                "locked_by = ?1, locked_at = ?2 WHERE id = (SELECT id FROM jobs "
                                "WHERE state = 'ready' AND run_at <= ?2 ORDER BY run_at, id "
                                "LIMIT 1) RETURNING ") +
                        kJobColumns);
        q.bind(1, worker_id).bind(2, at);
        auto row = q.next();
        if (!row.ok()) return row.status();
        if (!row.value()) return std::optional<Job>{};
        Job job = job_from(q);
        if (auto s = q.run(); !s.ok()) return s;
        return std::optional<Job>{std::move(job)};
      },
      Wait::earlier);
}

Result<bool> SqliteStore::has_ready_job(std::int64_t now) {
  std::lock_guard lock(mu_);
  Statement q(statements_, "SELECT 1 FROM jobs WHERE state = 'ready' AND run_at <= ? LIMIT 1");
  q.bind(1, now);
  auto row = q.next();
  if (!row.ok()) return row.status();
  return row.value();
}

Result<Job> SqliteStore::enqueue_claimed(std::string_view kind, const JobRef& ref,
                                         std::string_view worker_id, std::int64_t now) {
  return write([&]() -> Result<Job> {
    Statement q(statements_,
                std::string("INSERT INTO jobs (id, kind, message_id, document_id, state, "
                            "attempts, run_at, locked_by, locked_at) VALUES (" EDIGATE_NEXT_ID(
                                "jobs") ", ?1, ?2, ?3, 'running', 1, ?4, ?5, ?4) RETURNING ") +
                    kJobColumns);
    q.bind(1, kind)
        .bind(2, ref.message_id)
        .bind(3, ref.document_id)
        .bind(4, now)
        .bind(5, worker_id);
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::error(StoreErrc::database, "the new job returned no row");
    Job job = job_from(q);
    if (auto s = q.run(); !s.ok()) return s;
    return job;
  });
}

Status SqliteStore::finish_job(const Job& job, std::string_view state, std::string_view error,
                               std::int64_t run_at) {
  return write([&]() -> Status { return finish_job_locked(job, state, error, run_at); });
}

Status SqliteStore::finish_job_locked(const Job& job, std::string_view state,
                                      std::string_view error, std::int64_t run_at,
                                      int attempts_back) {
  Statement q(statements_,
              "UPDATE jobs SET state = ?, last_error = ?, run_at = ?, locked_by = NULL, "
              "locked_at = NULL, attempts = attempts - ? WHERE id = ? AND state = 'running' AND "
              "locked_by = ? AND attempts = ?");
  // attempts grows with every claim, so a handle from an earlier claim by a worker of the
  // same name (a restarted process) does not match either.
  q.bind(1, state)
      .bind(2, bounded(error, kMaxErrorText))
      .bind(3, run_at)
      .bind(4, std::int64_t{attempts_back})
      .bind(5, job.id)
      .bind(6, job.locked_by)
      .bind(7, std::int64_t{job.attempts});
  if (auto s = q.run(); !s.ok()) return s;
  if (sqlite3_changes(db_) == 0) {
    return Status::error(StoreErrc::conflict, "job " + std::to_string(job.id) +
                                                  " is no longer running under " + job.locked_by);
  }
  return Status::success();
}

Status SqliteStore::complete(const Job& job) { return finish_job(job, "done", "", job.run_at); }

Result<std::vector<std::int64_t>> SqliteStore::complete_and_enqueue(
    const Job& job, const std::vector<NextJob>& next) {
  return write([&]() -> Result<std::vector<std::int64_t>> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    if (auto s = finish_job_locked(job, "done", "", job.run_at); !s.ok()) return s;
    std::vector<std::int64_t> ids;
    for (const auto& n : next) {
      auto id = enqueue_locked(n.kind, n.ref, n.run_at);
      if (!id.ok()) return id.status();
      ids.push_back(id.value());
    }
    if (auto s = txn.commit(); !s.ok()) return s;
    return ids;
  });
}

Status SqliteStore::retry(const Job& job, std::string_view error, std::int64_t run_at) {
  return finish_job(job, "ready", error, run_at);
}

Status SqliteStore::postpone(const Job& job, std::string_view error, std::int64_t run_at) {
  return write([&]() -> Status { return finish_job_locked(job, "ready", error, run_at, 1); });
}

Status SqliteStore::dead(const Job& job, std::string_view error) {
  return finish_job(job, "dead", error, job.run_at);
}

Result<std::int64_t> SqliteStore::release_stale(std::int64_t older_than) {
  return write([&]() -> Result<std::int64_t> {
    Statement q(statements_,
                "UPDATE jobs SET state = 'ready', locked_by = NULL, locked_at = NULL "
                "WHERE state = 'running' AND locked_at < ?");
    q.bind(1, older_than);
    if (auto s = q.run(); !s.ok()) return s;
    return std::int64_t{sqlite3_changes(db_)};
  });
}

Result<std::int64_t> SqliteStore::release_worker(std::string_view worker) {
  return write([&]() -> Result<std::int64_t> {
    Statement q(statements_,
                "UPDATE jobs SET state = 'ready', locked_by = NULL, locked_at = NULL "
                "WHERE state = 'running' AND locked_by = ?");
    q.bind(1, worker);
    if (auto s = q.run(); !s.ok()) return s;
    return std::int64_t{sqlite3_changes(db_)};
  });
}

Result<std::int64_t> SqliteStore::release_postponed(std::string_view error, std::int64_t now,
                                                    std::optional<std::int64_t> only_job) {
  return write([&]() -> Result<std::int64_t> {
    // One job by its key; all of them through jobs_ready (state, run_at). One statement with
    // "? IS NULL OR id = ?" would take the index range for both.
    Statement q(statements_,
                only_job ? "UPDATE jobs SET run_at = ? WHERE state = 'ready' AND run_at > ? "
                           "AND last_error = ? AND id = ?"
                         : "UPDATE jobs SET run_at = ? WHERE state = 'ready' AND run_at > ? "
                           "AND last_error = ?");
    q.bind(1, now).bind(2, now).bind(3, bounded(error, kMaxErrorText));
    if (only_job) q.bind(4, *only_job);
    if (auto s = q.run(); !s.ok()) return s;
    return std::int64_t{sqlite3_changes(db_)};
  });
}

Result<std::vector<std::int64_t>> SqliteStore::list_outbound_without_job(std::string_view partner,
                                                                         std::string_view status,
                                                                         std::string_view kind) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT id FROM messages m WHERE direction = 'out' AND partner = ? AND status = ? "
              "AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.message_id = m.id AND j.kind = ? "
              "AND j.state IN ('ready', 'running')) ORDER BY id");
  q.bind(1, partner).bind(2, status).bind(3, kind);
  return all_rows<std::int64_t>(q, [](const Statement& row) { return row.int_at(0); });
}

Result<std::int64_t> SqliteStore::bring_forward(std::string_view partner, std::string_view status,
                                                std::string_view kind, std::int64_t window_ms) {
  return write([&]() -> Result<std::int64_t> {
    Statement q(
        statements_,
        "UPDATE jobs SET run_at = (SELECT m.updated_at FROM messages m "
        "WHERE m.id = jobs.message_id) + ?4 "
        "WHERE kind = ?3 AND state = 'ready' AND message_id IN (SELECT id FROM messages "
        "WHERE direction = 'out' AND partner = ?1 AND status = ?2) "
        "AND run_at > (SELECT m.updated_at FROM messages m WHERE m.id = jobs.message_id) + ?4 "
        "+ 1000");
    q.bind(1, partner).bind(2, status).bind(3, kind).bind(4, window_ms);
    if (auto s = q.run(); !s.ok()) return s;
    return std::int64_t{sqlite3_changes(db_)};
  });
}

Result<std::vector<QueueDepth>> SqliteStore::queue_depth() {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT kind, SUM(state = 'ready'), SUM(state = 'running'), SUM(state = 'dead') "
              "FROM jobs WHERE state != 'done' GROUP BY kind ORDER BY kind");
  std::vector<QueueDepth> out;
  for (;;) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    out.push_back({q.text_at(0), q.int_at(1), q.int_at(2), q.int_at(3)});
  }
}

Result<std::vector<Job>> SqliteStore::list_jobs(std::int64_t message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kJobColumns +
                               " FROM jobs WHERE message_id = ?1 OR document_id IN "
                               "(SELECT id FROM documents WHERE message_id = ?1) ORDER BY id");
  q.bind(1, message_id);
  return all_rows<Job>(q, job_from);
}

Result<std::optional<Job>> SqliteStore::get_job(std::int64_t id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = ?");
  q.bind(1, id);
  return first_row<Job>(q, job_from);
}

Result<std::vector<Job>> SqliteStore::list_dead_jobs(std::string_view kind_prefix,
                                                     std::size_t limit) {
  std::lock_guard lock(mu_);
  // The prefix compared as text, not a LIKE pattern (a kind may hold '_').
  Statement q(statements_, std::string("SELECT ") + kJobColumns +
                               " FROM jobs WHERE state = 'dead' AND substr(kind, 1, length(?1)) = "
                               "?1 ORDER BY id DESC LIMIT ?2");
  q.bind(1, kind_prefix).bind(2, static_cast<std::int64_t>(std::min(limit, kMaxListLimit)));
  return all_rows<Job>(q, job_from);
}

Result<bool> SqliteStore::revive_job(std::int64_t id, std::int64_t run_at) {
  return write([&]() -> Result<bool> {
    Statement q(statements_,
                "UPDATE jobs SET state = 'ready', attempts = 0, run_at = ?, locked_by = NULL, "
                "locked_at = NULL WHERE id = ? AND state = 'dead'");
    q.bind(1, run_at).bind(2, id);
    if (auto s = q.run(); !s.ok()) return s;
    return sqlite3_changes(db_) > 0;
  });
}

Status SqliteStore::add_delivery_attempt(const DeliveryAttempt& a) {
  return write([&]() -> Status {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    Statement q(statements_,
                "INSERT INTO deliveries (document_id, connector, attempt, outcome, http_status, "
                "response_excerpt, idempotency_key, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    q.bind(1, a.document_id)
        .bind(2, a.connector)
        .bind(3, std::int64_t{a.attempt})
        .bind(4, to_string(a.outcome))
        .bind(5, std::int64_t{a.http_status})
        .bind(6, bounded(a.response_excerpt, kMaxResponseExcerpt))
        .bind(7, a.idempotency_key)
        .bind(8, now());
    if (auto s = q.run(); !s.ok()) return s;
    const nlohmann::json details = {{"connector", a.connector},
                                    {"attempt", a.attempt},
                                    {"outcome", to_string(a.outcome)},
                                    {"http_status", a.http_status},
                                    {"idempotency_key", a.idempotency_key}};
    auto audit =
        append_audit_locked({"connector:" + a.connector, "delivery.attempt",
                             "document:" + std::to_string(a.document_id), json_text(details)});
    if (!audit.ok()) return audit.status();
    return txn.commit();
  });
}

Result<bool> SqliteStore::was_delivered(std::int64_t document_id, std::string_view connector) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT EXISTS (SELECT 1 FROM deliveries WHERE document_id = ? AND connector = ? "
              "AND outcome = 'delivered')");
  q.bind(1, document_id).bind(2, connector);
  return is_true(q.single_int());
}

Result<Store::DeliveryStanding> SqliteStore::delivery_standing(std::int64_t document_id,
                                                               std::int64_t except_job) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT EXISTS (SELECT 1 FROM jobs WHERE document_id = ?1 AND id <> ?2 AND state IN "
              "('ready', 'running') AND (substr(kind, 1, 8) = 'deliver:' OR substr(kind, 1, 10) "
              "= 'redeliver:')), EXISTS (SELECT 1 FROM deliveries d WHERE d.document_id = ?1 AND "
              "d.outcome = 'dead' AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.document_id "
              "= ?1 AND e.connector = d.connector AND e.id > d.id AND e.outcome = 'delivered'))");
  q.bind(1, document_id).bind(2, except_job);
  auto row = q.next();
  if (!row.ok()) return row.status();
  return DeliveryStanding{q.int_at(0) != 0, q.int_at(1) != 0};
}

Result<std::optional<std::int64_t>> SqliteStore::unfinished_job_due(std::int64_t document_id,
                                                                    std::string_view kind) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT min(run_at) FROM jobs WHERE document_id = ? AND kind = ? AND state IN "
              "('ready', 'running')");
  q.bind(1, document_id).bind(2, kind);
  auto row = q.next();
  if (!row.ok()) return row.status();
  return q.optional_int_at(0);
}

Result<bool> SqliteStore::delivered_since_first(std::int64_t document_id,
                                                std::string_view connector,
                                                std::string_view idempotency_key) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT EXISTS (SELECT 1 FROM deliveries WHERE document_id = ?1 AND connector = ?2 "
              "AND outcome = 'delivered' AND id > (SELECT min(id) FROM deliveries WHERE "
              "document_id = ?1 AND connector = ?2 AND idempotency_key = ?3))");
  q.bind(1, document_id).bind(2, connector).bind(3, idempotency_key);
  return is_true(q.single_int());
}

Result<std::vector<DeliveryAttempt>> SqliteStore::list_deliveries(std::int64_t document_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT document_id, connector, attempt, outcome, http_status, response_excerpt, "
              "idempotency_key, at FROM deliveries WHERE document_id = ? ORDER BY id");
  q.bind(1, document_id);
  std::vector<DeliveryAttempt> out;
  for (;;) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    DeliveryAttempt a;
    a.document_id = q.int_at(0);
    a.connector = q.text_at(1);
    a.attempt = static_cast<int>(q.int_at(2));
    a.outcome = outcome_from(q.text_at(3));
    a.http_status = static_cast<int>(q.int_at(4));
    a.response_excerpt = q.text_at(5);
    a.idempotency_key = q.text_at(6);
    a.at = q.int_at(7);
    out.push_back(std::move(a));
  }
}

Result<std::int64_t> SqliteStore::add_ack(const NewAck& ack) {
  return write([&]() -> Result<std::int64_t> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    Statement q(statements_,
                "INSERT INTO acks (id, message_id, type, control_number, spool_id, direction, "
                "created_at) VALUES (" EDIGATE_NEXT_ID("acks") ", ?, ?, ?, ?, ?, ?) RETURNING id");
    q.bind(1, ack.message_id)
        .bind(2, ack.type)
        .bind(3, ack.control_number)
        .bind(4, ack.spool_id)
        .bind(5, to_string(ack.direction))
        .bind(6, now());
    auto id = q.single_int();
    if (!id.ok()) return id.status();
    const nlohmann::json details = {{"type", ack.type},
                                    {"control_number", ack.control_number},
                                    {"direction", to_string(ack.direction)},
                                    {"ack", ack.spool_id}};
    auto audit =
        append_audit_locked({"pipeline", "ack.stored", "message:" + std::to_string(ack.message_id),
                             json_text(details)});
    if (!audit.ok()) return audit.status();
    if (auto s = txn.commit(); !s.ok()) return s;
    return id.value();
  });
}

Result<std::vector<Ack>> SqliteStore::list_acks(std::int64_t message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT id, message_id, type, control_number, spool_id, direction, created_at "
              "FROM acks WHERE message_id = ? ORDER BY id");
  q.bind(1, message_id);
  std::vector<Ack> out;
  for (;;) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return out;
    Ack a;
    a.id = q.int_at(0);
    a.message_id = q.int_at(1);
    a.type = q.text_at(2);
    a.control_number = q.text_at(3);
    a.spool_id = q.text_at(4);
    a.direction = q.text_at(5) == "in" ? Direction::inbound : Direction::outbound;
    a.created_at = q.int_at(6);
    out.push_back(std::move(a));
  }
}

}  // namespace sqlite
}  // namespace edigate::gateway::store
