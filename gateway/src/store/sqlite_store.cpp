#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/sqlite_schema.hpp"
#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"
#include "store/wal_write_batch.hpp"

namespace edigate::gateway::store {

std::string_view to_string(Direction d) { return d == Direction::inbound ? "in" : "out"; }

std::int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace sqlite {
namespace {

constexpr const char* kMessageColumns =
    "id, direction, transport, partner, as2_message_id, filename, payload_id, size, "
    "content_type, status, error, created_at, updated_at, raw_id";

Message message_from(const Statement& q) {
  Message m;
  m.id = q.int_at(0);
  m.direction = q.text_at(1) == "out" ? Direction::outbound : Direction::inbound;
  m.transport = q.text_at(2);
  m.partner = q.text_at(3);
  m.as2_message_id = q.text_at(4);
  m.filename = q.text_at(5);
  m.payload_id = q.text_at(6);
  m.size = static_cast<std::uint64_t>(q.int_at(7));
  m.content_type = q.text_at(8);
  m.status = q.text_at(9);
  m.error = q.text_at(10);
  m.created_at = q.int_at(11);
  m.updated_at = q.int_at(12);
  m.raw_id = q.text_at(13);
  return m;
}

constexpr const char* kDocumentColumns =
    "id, message_id, set_index, type, standard, transaction_set, interchange_control, "
    "group_control, set_control, status, canonical_id, error, created_at, updated_at";

Document document_from(const Statement& q) {
  Document d;
  d.id = q.int_at(0);
  d.message_id = q.int_at(1);
  d.set_index = static_cast<int>(q.int_at(2));
  d.type = q.text_at(3);
  d.standard = q.text_at(4);
  d.transaction = q.text_at(5);
  d.interchange_control = q.text_at(6);
  d.group_control = q.text_at(7);
  d.set_control = q.text_at(8);
  d.status = q.text_at(9);
  d.canonical_id = q.text_at(10);
  d.error = q.text_at(11);
  d.created_at = q.int_at(12);
  d.updated_at = q.int_at(13);
  return d;
}

Mdn mdn_from(const Statement& q) {
  Mdn m;
  m.message_id = q.int_at(0);
  m.spool_id = q.text_at(1);
  m.disposition = q.text_at(2);
  m.signed_mdn = q.int_at(3) != 0;
  m.created_at = q.int_at(4);
  return m;
}

Result<std::optional<Mdn>> one_mdn(Statement& q) {
  auto row = q.next();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<Mdn>{};
  return std::optional<Mdn>{mdn_from(q)};
}

constexpr int kCheckpointPages = 1000;  // SQLite's default wal_autocheckpoint
// Past this the checkpoint is a RESTART one (wal_checkpointer.hpp): ~16 MB with 4 KiB pages.
constexpr int kRestartCheckpointPages = 4 * kCheckpointPages;

// Pragmas that must hold on every connection (they are not stored in the file, except WAL).
Status configure(sqlite3* db, int busy_timeout_ms) {
  if (sqlite3_busy_timeout(db, busy_timeout_ms) != SQLITE_OK) return db_error(db, "busy_timeout");
  if (auto s = exec(db, "PRAGMA journal_mode=WAL"); !s.ok()) return s;
  if (auto s = exec(db, "PRAGMA synchronous=FULL"); !s.ok()) return s;
  // Statement and savepoint journals (every write runs in a savepoint of a shared transaction)
  // in memory, not in temporary files created and deleted per transaction.
  if (auto s = exec(db, "PRAGMA temp_store=MEMORY"); !s.ok()) return s;
  // No transaction writes WAL frames before its commit (a page cache that fills up grows
  // instead): wal_write_batch.hpp needs it, or the frames it gathered for a transaction that
  // spilled and then rolled back could be written after another process took the WAL on.
  if (auto s = exec(db, "PRAGMA cache_spill=OFF"); !s.ok()) return s;
  // A WAL that grew past this (a checkpoint kept waiting, say) is cut back to it when it starts
  // over, instead of keeping its largest size on disk for good.
  if (auto s = exec(db, "PRAGMA journal_size_limit=67108864"); !s.ok()) return s;
  return exec(db, "PRAGMA foreign_keys=ON");
}

}  // namespace

std::string bounded(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t cut = limit;
  // Back up over UTF-8 continuation bytes so the excerpt does not end mid-character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U) --cut;
  return std::string(text.substr(0, cut));
}

SqliteStore::SqliteStore(sqlite3* db, std::function<std::int64_t()> clock)
    : db_(db), clock_(std::move(clock)) {}

SqliteStore::~SqliteStore() {
  sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();  // first, so this connection is the last one and checkpoints at close
  sqlite3_close_v2(db_);
}

thread_local std::uint64_t SqliteStore::last_commit_seq_ = 0;
thread_local const SqliteStore* SqliteStore::combining_ = nullptr;

// Setting a WAL hook replaces SQLite's automatic checkpoint (which is itself a WAL hook), so
// this asks for a passive checkpoint from the background checkpointer (wal_checkpointer.hpp)
// instead of running one in this commit; and for a restart one when writes that never pause
// have kept the WAL from starting over. SQLite's own asks at every commit once the WAL is past
// 1000 pages; this asks each time it has grown by 1000 pages more: under steady writes that
// made one checkpoint (two fsyncs, and a copy of each page changed since the last) per commit
// or two, and a page the commits in between wrote again and again (a table's last page, an
// index's) is copied once.
int SqliteStore::on_commit(void* self, sqlite3* db, const char* /*schema*/, int wal_pages) {
  auto* store = static_cast<SqliteStore*>(self);
  last_commit_seq_ = store->wal_->committed();
  // Pages this connection wrote to the WAL since the last commit (SQLite counts them; taken
  // and reset here, at each commit).
  int written = 0;
  int highest = 0;
  if (sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &written, &highest, 1) == SQLITE_OK) {
    store->wal_pages_written_.fetch_add(static_cast<std::uint64_t>(written),
                                        std::memory_order_relaxed);
  }
  // The WAL started over since the last request (a checkpoint copied all of it).
  if (wal_pages < store->checkpoint_asked_at_) store->checkpoint_asked_at_ = 0;
  if (wal_pages >= kRestartCheckpointPages) {
    store->checkpointer_->request(true);
  } else if (wal_pages - store->checkpoint_asked_at_ >= kCheckpointPages) {
    store->checkpoint_asked_at_ = wal_pages;
    store->checkpointer_->request(false);
  }
  return SQLITE_OK;
}

Status SqliteStore::run_queued(QueuedWrite& w) {
  std::unique_lock queue(queue_mu_);
  queue_.push_back(&w);
  while (!w.done) {
    if (combiner_active_) {
      queue_cv_.wait(queue);
      continue;
    }
    // Nobody is combining: this writer runs the oldest queued writes (perhaps not its own, if
    // more are queued than one transaction takes; then it goes round again).
    combiner_active_ = true;
    const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), kMaxOpsPerCommit));
    std::vector<QueuedWrite*> round(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    queue.unlock();
    run_round(round);
    queue.lock();
    for (QueuedWrite* r : round) r->done = true;
    combiner_active_ = false;
    queue_cv_.notify_all();
  }
  return w.committed;
}

void SqliteStore::run_round(std::vector<QueuedWrite*>& round) {
  std::lock_guard lock(mu_);
  Status outcome = run_cached(statements_, "BEGIN IMMEDIATE");
  if (outcome.ok()) {
    combining_ = this;
    bool lost = false;
    for (QueuedWrite* w : round) {
      // Some errors (I/O, a full disk) make SQLite roll the whole transaction back; whatever
      // ran after that would commit on its own, so nothing more runs.
      if (sqlite3_get_autocommit(db_) != 0 ||
          !run_cached(statements_, "SAVEPOINT edigate_write").ok()) {
        lost = true;
        break;
      }
      bool ok = false;
      try {
        ok = w->run();
      } catch (...) {
        w->thrown = std::current_exception();
      }
      if (!ok) (void)run_cached(statements_, "ROLLBACK TO edigate_write");
      (void)run_cached(statements_, "RELEASE edigate_write");
    }
    combining_ = nullptr;
    if (lost || sqlite3_get_autocommit(db_) != 0) {
      outcome =
          Status::error(StoreErrc::database,
                        std::string("the transaction was rolled back: ") + sqlite3_errmsg(db_));
      if (sqlite3_get_autocommit(db_) == 0) (void)exec(db_, "ROLLBACK");
    } else if (outcome = run_cached(statements_, "COMMIT"); !outcome.ok()) {
      (void)exec(db_, "ROLLBACK");
    }
  }
  for (QueuedWrite* w : round) {
    w->committed = outcome;
    w->seq = last_commit_seq_;
    w->shared_commit = round.size();
  }
}

Status SqliteStore::enable_group_commit() {
  std::lock_guard lock(mu_);
  Statement mode(statements_, "PRAGMA journal_mode");
  auto row = mode.next();
  if (!row.ok()) return row.status();
  const char* wal = sqlite3_filename_wal(sqlite3_db_filename(db_, "main"));
  // An in-memory or temporary database has no WAL file to flush: keep flushing per commit.
  if (mode.text_at(0) != "wal" || wal == nullptr || *wal == '\0') return Status::success();
  if (auto s = mode.run(); !s.ok()) return s;
  if (auto s = exec(db_, "PRAGMA synchronous=NORMAL"); !s.ok()) return s;
  auto checkpointer = WalCheckpointer::start(sqlite3_db_filename(db_, "main"));
  if (!checkpointer.ok()) return checkpointer.status();
  checkpointer_ = std::move(checkpointer.value());
  wal_ = std::make_unique<WalSync>(wal);
  sqlite3_wal_hook(db_, &SqliteStore::on_commit, this);
  return Status::success();
}

Status SqliteStore::put_blob(std::string_view id, std::string_view bytes) {
  return write([&]() -> Status {
    Statement q(statements_, "INSERT INTO blobs (id, bytes) VALUES (?, ?) ON CONFLICT DO NOTHING");
    return q.bind(1, id).bind_blob(2, bytes).run();
  });
}

Result<std::optional<std::string>> SqliteStore::get_blob(std::string_view id, std::size_t limit) {
  std::lock_guard lock(mu_);
  Statement q(statements_, "SELECT length(bytes), bytes FROM blobs WHERE id = ?");
  q.bind(1, id);
  auto row = q.next();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::string>{};
  if (static_cast<std::size_t>(q.int_at(0)) > limit) {
    return Status::error(StoreErrc::too_large,
                         "blob " + std::string(id) + " exceeds the read limit");
  }
  return std::optional<std::string>{q.blob_at(1)};
}

Status SqliteStore::sync() { return wal_ ? wal_->wait_all() : Status::success(); }

Result<std::int64_t> SqliteStore::insert_message_locked(const NewMessage& m,
                                                        std::string_view status) {
  Statement q(statements_,
              "INSERT INTO messages (id, direction, transport, partner, as2_message_id, "
              "filename, payload_id, size, content_type, status, created_at, updated_at, raw_id) "
              "VALUES (" EDIGATE_NEXT_ID("messages") ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
              "RETURNING id");
  const std::int64_t t = now();
  q.bind(1, to_string(m.direction))
      .bind(2, m.transport)
      .bind(3, m.partner)
      .bind_text_or_null(4, m.as2_message_id)
      .bind(5, m.filename)
      .bind(6, m.payload_id)
      .bind(7, static_cast<std::int64_t>(m.size))
      .bind(8, m.content_type)
      .bind(9, status)
      .bind(10, t)
      .bind(11, t)
      .bind(12, m.raw_id);
  auto id = q.single_int();
  if (!id.ok() && id.status().code == StoreErrc::duplicate) {
    return Status::error(StoreErrc::duplicate, "message " + m.as2_message_id + " from " +
                                                   m.partner + " is already stored");
  }
  return id;
}

// A message row, its first job (none when `first_job` is empty) and its audit entry, in one
// commit.
Result<ReceivedMessage> SqliteStore::add_message(const NewMessage& m, std::string_view status,
                                                 std::string_view first_job, std::string_view actor,
                                                 std::string_view action,
                                                 const nlohmann::json& details) {
  return write([&]() -> Result<ReceivedMessage> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    auto id = insert_message_locked(m, status);
    if (!id.ok()) return id.status();
    std::int64_t job_id = 0;
    if (!first_job.empty()) {
      auto job = enqueue_locked(first_job, JobRef{id.value(), std::nullopt}, now());
      if (!job.ok()) return job.status();
      job_id = job.value();
    }
    auto audit = append_audit_locked({std::string(actor), std::string(action),
                                      "message:" + std::to_string(id.value()), json_text(details)});
    if (!audit.ok()) return audit.status();
    if (auto s = txn.commit(); !s.ok()) return s;
    return ReceivedMessage{id.value(), job_id};
  });
}

Result<ReceivedMessage> SqliteStore::add_received_message(const NewMessage& m,
                                                          std::string_view first_job) {
  nlohmann::json details = {
      {"transport", m.transport}, {"partner", m.partner},    {"as2_message_id", m.as2_message_id},
      {"filename", m.filename},   {"payload", m.payload_id}, {"size", m.size}};
  if (!m.raw_id.empty()) details["as_received"] = m.raw_id;
  return add_message(m, message_status::received, first_job, m.transport, "message.received",
                     details);
}

Result<ReceivedMessage> SqliteStore::add_outbound_message(const NewMessage& m,
                                                          std::string_view first_job,
                                                          std::string_view actor) {
  NewMessage out = m;
  out.direction = Direction::outbound;
  const nlohmann::json details = {
      {"transport", m.transport}, {"partner", m.partner}, {"as2_message_id", m.as2_message_id},
      {"payload", m.payload_id},  {"rendered", m.raw_id}, {"size", m.size}};
  return add_message(out, message_status::processing, first_job, actor, "message.outbound",
                     details);
}

Result<std::optional<Message>> SqliteStore::one_message(Statement& q) {
  return first_row<Message>(q, message_from);
}

Result<std::optional<Message>> SqliteStore::get_message(std::int64_t id) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              std::string("SELECT ") + kMessageColumns + " FROM messages WHERE id = ?");
  q.bind(1, id);
  return one_message(q);
}

Result<std::optional<Message>> SqliteStore::find_as2_message(std::string_view partner,
                                                             std::string_view as2_message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kMessageColumns +
                               " FROM messages WHERE direction = 'in' AND partner = ? AND "
                               "as2_message_id = ?");
  q.bind(1, partner).bind(2, as2_message_id);
  return one_message(q);
}

Result<std::optional<Message>> SqliteStore::find_received_file(std::string_view partner,
                                                               std::string_view filename,
                                                               std::string_view payload_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kMessageColumns +
                               " FROM messages WHERE direction = 'in' AND partner = ? AND "
                               "filename = ? AND payload_id = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, partner).bind(2, filename).bind(3, payload_id);
  return one_message(q);
}

Result<std::vector<Message>> SqliteStore::list_messages(const MessageFilter& filter) {
  // Only the conditions asked for, so SQLite plans each with the index that fits it (one
  // cached statement per combination).
  std::string sql = std::string("SELECT ") + kMessageColumns + " FROM messages WHERE 1";
  if (!filter.partner.empty()) sql += " AND partner = ?1";
  if (!filter.status.empty()) sql += " AND status = ?2";
  if (!filter.direction.empty()) sql += " AND direction = ?3";
  if (!filter.as2_message_id.empty()) sql += " AND as2_message_id IN (?4, '<' || ?4 || '>')";
  if (!filter.control.empty()) {
    sql += " AND id IN (SELECT message_id FROM documents WHERE interchange_control = ?5)";
  }
  if (filter.since > 0) sql += " AND created_at >= ?6";
  if (filter.until > 0) sql += " AND created_at < ?7";
  if (filter.before_id > 0) sql += " AND id < ?8";
  if (!filter.partner_in.empty()) sql += " AND partner IN (SELECT value FROM json_each(?10))";
  sql += " ORDER BY id DESC LIMIT ?9";
  std::lock_guard lock(mu_);
  Statement q(statements_, sql);
  const auto limit = static_cast<std::int64_t>(std::min(filter.limit, kMaxListLimit));
  if (!filter.partner.empty()) q.bind(1, filter.partner);
  if (!filter.status.empty()) q.bind(2, filter.status);
  if (!filter.direction.empty()) q.bind(3, filter.direction);
  if (!filter.as2_message_id.empty()) {
    const std::string_view id = filter.as2_message_id;
    q.bind(4, id.starts_with('<') && id.ends_with('>') ? id.substr(1, id.size() - 2) : id);
  }
  if (!filter.control.empty()) q.bind(5, filter.control);
  if (filter.since > 0) q.bind(6, filter.since);
  if (filter.until > 0) q.bind(7, filter.until);
  if (filter.before_id > 0) q.bind(8, filter.before_id);
  if (!filter.partner_in.empty()) q.bind(10, nlohmann::json(filter.partner_in).dump());
  q.bind(9, limit);
  return all_rows<Message>(q, message_from);
}

Status SqliteStore::set_message_status(std::int64_t id, std::string_view status,
                                       std::string_view error) {
  return write([&]() -> Status {
    Statement q(statements_,
                "UPDATE messages SET status = ?, error = ?, updated_at = ? WHERE id = ?");
    q.bind(1, status).bind(2, bounded(error, kMaxErrorText)).bind(3, now()).bind(4, id);
    if (auto s = q.run(); !s.ok()) return s;
    if (sqlite3_changes(db_) == 0) {
      return Status::error(StoreErrc::not_found, "no message " + std::to_string(id));
    }
    return Status::success();
  });
}

Result<bool> SqliteStore::change_message_status(std::int64_t id,
                                                std::initializer_list<std::string_view> from,
                                                std::string_view status, std::string_view error) {
  return write([&]() -> Result<bool> {
    std::string in;
    for (std::size_t i = 0; i < from.size(); ++i) in += i == 0 ? "?" : ", ?";
    Statement q(statements_,
                "UPDATE messages SET status = ?, error = ?, updated_at = ? WHERE id = ? "
                "AND status IN (" +
                    in + ")");
    q.bind(1, status).bind(2, bounded(error, kMaxErrorText)).bind(3, now()).bind(4, id);
    int n = 5;
    for (std::string_view f : from) q.bind(n++, f);
    if (auto s = q.run(); !s.ok()) return s;
    return sqlite3_changes(db_) > 0;
  });
}

Status SqliteStore::store_mdn(const NewMdn& mdn) {
  return write([&]() -> Status {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    Statement q(statements_,
                "INSERT INTO mdns (message_id, spool_id, disposition, signed, created_at) "
                "VALUES (?, ?, ?, ?, ?)");
    q.bind(1, mdn.message_id)
        .bind(2, mdn.spool_id)
        .bind(3, mdn.disposition)
        .bind(4, std::int64_t{mdn.signed_mdn ? 1 : 0})
        .bind(5, now());
    if (auto s = q.run(); !s.ok()) return s;
    const nlohmann::json details = {
        {"disposition", mdn.disposition}, {"signed", mdn.signed_mdn}, {"mdn", mdn.spool_id}};
    auto audit = append_audit_locked(
        {"as2", "mdn.stored", "message:" + std::to_string(mdn.message_id), json_text(details)});
    if (!audit.ok()) return audit.status();
    return txn.commit();
  });
}

Result<std::optional<Mdn>> SqliteStore::get_mdn(std::int64_t message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT message_id, spool_id, disposition, signed, created_at FROM mdns "
              "WHERE message_id = ?");
  q.bind(1, message_id);
  return one_mdn(q);
}

Result<std::optional<Mdn>> SqliteStore::get_mdn_for(std::string_view partner,
                                                    std::string_view as2_message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_,
              "SELECT d.message_id, d.spool_id, d.disposition, d.signed, d.created_at "
              "FROM mdns d JOIN messages m ON m.id = d.message_id "
              "WHERE m.direction = 'in' AND m.partner = ? AND m.as2_message_id = ?");
  q.bind(1, partner).bind(2, as2_message_id);
  return one_mdn(q);
}

Result<std::int64_t> SqliteStore::add_document(const NewDocument& d) {
  return write([&]() -> Result<std::int64_t> {
    Statement q(
        statements_,
        "INSERT INTO documents (id, message_id, set_index, type, standard, transaction_set, "
        "interchange_control, group_control, set_control, status, canonical_id, error, "
        "created_at, updated_at) VALUES (" EDIGATE_NEXT_ID("documents") ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "?12) ON CONFLICT (message_id, set_index) DO UPDATE SET type = ?3, standard = ?4, "
        "transaction_set = ?5, interchange_control = ?6, group_control = ?7, "
        "set_control = ?8, status = ?9, canonical_id = ?10, error = ?11, updated_at = ?12 "
        "RETURNING id");
    q.bind(1, d.message_id)
        .bind(2, std::int64_t{d.set_index})
        .bind(3, d.type)
        .bind(4, d.standard)
        .bind(5, d.transaction)
        .bind(6, d.interchange_control)
        .bind(7, d.group_control)
        .bind(8, d.set_control)
        .bind(9, d.status)
        .bind(10, d.canonical_id)
        .bind(11, bounded(d.error, kMaxErrorText))
        .bind(12, now());
    return q.single_int();
  });
}

Status SqliteStore::set_document_status(std::int64_t id, std::string_view status,
                                        std::string_view canonical_id, std::string_view error) {
  return write([&]() -> Status {
    Statement q(statements_,
                "UPDATE documents SET status = ?, canonical_id = ?, error = ?, updated_at = ? "
                "WHERE id = ?");
    q.bind(1, status)
        .bind(2, canonical_id)
        .bind(3, bounded(error, kMaxErrorText))
        .bind(4, now())
        .bind(5, id);
    if (auto s = q.run(); !s.ok()) return s;
    if (sqlite3_changes(db_) == 0) {
      return Status::error(StoreErrc::not_found, "no document " + std::to_string(id));
    }
    return Status::success();
  });
}

Result<std::vector<Document>> SqliteStore::list_documents(std::int64_t message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kDocumentColumns +
                               " FROM documents WHERE message_id = ? ORDER BY set_index");
  q.bind(1, message_id);
  return all_rows<Document>(q, document_from);
}

Result<std::vector<Document>> SqliteStore::find_outbound_documents(std::string_view partner,
                                                                   ControlLevel level,
                                                                   std::string_view control) {
  std::lock_guard lock(mu_);
  // The index on the control number picks the few candidates; their message decides.
  const std::string column = level == ControlLevel::group ? "group_control" : "interchange_control";
  Statement q(statements_, std::string("SELECT ") + kDocumentColumns + " FROM documents WHERE " +
                               column + " = ?" +
                               (level == ControlLevel::group ? " AND group_control <> ''" : "") +
                               " AND EXISTS (SELECT 1 FROM messages m WHERE m.id = "
                               "documents.message_id AND m.direction = 'out' AND m.partner = ?) "
                               "ORDER BY message_id, set_index");
  q.bind(1, control).bind(2, partner);
  return all_rows<Document>(q, document_from);
}

Result<bool> SqliteStore::record_interchange(std::string_view partner, std::string_view sender,
                                             std::string_view control, std::int64_t message_id) {
  return write([&]() -> Result<bool> {
    Statement q(statements_,
                "INSERT INTO interchanges_seen (partner, sender, control, message_id, first_seen) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    q.bind(1, partner).bind(2, sender).bind(3, control).bind(4, message_id).bind(5, now());
    if (auto s = q.run(); !s.ok()) return s;
    if (sqlite3_changes(db_) == 1 || message_id == 0) return sqlite3_changes(db_) == 1;
    // Seen before: a duplicate, unless it was this same message (a job run again after a crash).
    Statement seen(statements_,
                   "SELECT message_id FROM interchanges_seen WHERE partner = ? AND sender = ? "
                   "AND control = ?");
    seen.bind(1, partner).bind(2, sender).bind(3, control);
    auto first = seen.single_int();
    if (!first.ok()) return first.status();
    return first.value() == message_id;
  });
}

Result<std::uint64_t> SqliteStore::allocate_control_number(std::string_view partner,
                                                           std::string_view kind) {
  return write(
      [&]() -> Result<std::uint64_t> {
        // One statement: the increment and the read are atomic, and the commit makes the number
        // taken for every later reader, so it is never handed out twice; it reaches the disk with
        // the next write that waits (see Wait::none).
        // A counter new since a restore starts past the ones the lost store may have begun
        // (the `control_numbers` floor, see mark_restored); 1 on a store never restored.
        Statement q(statements_,
                    "INSERT INTO control_numbers (partner, kind, last) VALUES (?, ?, 1 + "
                    "COALESCE((SELECT floor FROM id_floors WHERE name = 'control_numbers'), 0)) "
                    "ON CONFLICT (partner, kind) DO UPDATE SET last = last + 1 RETURNING last");
        q.bind(1, partner).bind(2, kind);
        auto last = q.single_int();
        if (!last.ok()) return last.status();
        return static_cast<std::uint64_t>(last.value());
      },
      Wait::none);
}

Status SqliteStore::merge_control_numbers(std::string_view into,
                                          const std::vector<std::string>& from) {
  static constexpr const char* kMerge =
      "INSERT INTO control_numbers (partner, kind, last) "
      "SELECT ?1, kind, MAX(last) FROM control_numbers "
      "WHERE kind IN ('interchange', 'group', 'transaction') AND partner IN (%s) GROUP BY kind "
      "ON CONFLICT (partner, kind) DO UPDATE SET last = MAX(last, excluded.last)";
  const auto merge_from = [&](const char* keys, bool listed) {
    char sql[512];
    std::snprintf(sql, sizeof sql, kMerge, keys);
    Statement q(statements_, sql);
    q.bind(1, into);
    if (listed) q.bind(2, nlohmann::json(from).dump());
    return q.run();
  };
  return write([&]() -> Status {
    if (Status s = merge_from("SELECT value FROM json_each(?2)", true); !s.ok()) return s;
    // Acknowledgements were numbered under the sender id as received, which need not be the
    // one configured: every sender seen from this partner too. Those counters stopped moving
    // with the change, so once per partner is enough (a marker row records it), and a reload
    // does not read all of interchanges_seen again.
    Statement marked(statements_,
                     "SELECT count(*) FROM control_numbers WHERE partner = ? AND kind = "
                     "'senders-merged'");
    marked.bind(1, into);
    auto already = marked.single_int();
    if (!already.ok()) return already.status();
    if (already.value() > 0) return Status::success();
    if (Status s = merge_from("SELECT substr(sender, instr(sender, ':') + 1) FROM "
                              "interchanges_seen WHERE partner = ?1",
                              false);
        !s.ok()) {
      return s;
    }
    Statement mark(statements_,
                   "INSERT INTO control_numbers (partner, kind, last) VALUES (?, "
                   "'senders-merged', 1) ON CONFLICT DO NOTHING");
    mark.bind(1, into);
    return mark.run();
  });
}

Status SqliteStore::batch(const std::function<Status()>& work) {
  return write([&]() -> Status { return run_transaction(work); });
}

Status SqliteStore::batch_redoable(const std::function<Status()>& work) {
  return write([&]() -> Status { return run_transaction(work); }, Wait::earlier);
}

Status SqliteStore::run_transaction(const std::function<Status()>& work) {
  Transaction txn(statements_);
  if (!txn.status().ok()) return txn.status();
  if (Status s = work(); !s.ok()) return s;  // the destructor rolls back
  return txn.commit();
}

}  // namespace sqlite

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path,
                                                 const SqliteOptions& options) {
  // A shared lock on <path>.users, first: while a restore runs it holds that lock exclusively.
  StoreUsers users;
  const bool file_path = !path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0;
  if (options.share_lock && file_path) {
    if (std::string busy = users.share(path); !busy.empty()) {
      return Status::error(StoreErrc::conflict, busy);
    }
  }
  // `edigate store restore` stages the backup's database as <path>.restoring and renames it to
  // <path> last: while it is there, <path> may be the old store half set aside, or missing (and
  // a new empty store made here would hand out ids and control numbers again).
  std::error_code exists_ec;
  if (file_path &&
      std::filesystem::exists(resolved_store_path(path) + kRestoringSuffix, exists_ec)) {
    return Status::error(StoreErrc::conflict,
                         "store " + path + ": a restore into it has not finished (" + path +
                             kRestoringSuffix +
                             " is there): run `edigate store restore` again, or remove that "
                             "file to go on with the store as it is");
  }
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
                    (options.create_if_missing ? SQLITE_OPEN_CREATE : 0);
  // Not for a URI: one could turn powersafe overwrite off for the database but not for its WAL,
  // and SQLite's padding would then split frames around syncs (wal_write_batch.cpp).
  const char* vfs = options.batch_wal_writes && file_path ? wal_write_batch_vfs() : nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, vfs) != SQLITE_OK) {
    Status s = Status::error(options.create_if_missing ? StoreErrc::database : StoreErrc::not_found,
                             "cannot open store " + path + ": " +
                                 (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close_v2(db);
    return s;
  }
  if (auto s = sqlite::configure(db, options.busy_timeout_ms); !s.ok()) {
    sqlite3_close_v2(db);
    return Status::error(s.code, "store " + path + ": " + s.message);
  }
  const Status schema = options.migrate ? sqlite::migrate(db) : sqlite::check_version(db);
  if (!schema.ok()) {
    sqlite3_close_v2(db);
    return Status::error(schema.code, "store " + path + ": " + schema.message);
  }
  auto clock = options.clock ? options.clock : std::function<std::int64_t()>(system_now_ms);
  auto store = std::make_unique<sqlite::SqliteStore>(db, std::move(clock));
  store->hold(std::move(users));
  if (!options.group_commit) return std::unique_ptr<Store>(std::move(store));
  if (auto s = store->enable_group_commit(); !s.ok()) {
    return Status::error(s.code, "store " + path + ": " + s.message);
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace edigate::gateway::store
