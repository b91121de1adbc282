// Retention and the blob census in the SQLite backend. A purge is one transaction: it picks the
// messages whose life has ended, deletes their rows child tables first (foreign keys are on),
// then the byte strings nothing names any more. Temp tables hold the picked ids so that each
// delete is one indexed statement. The census (edigate store check) reads what names what.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

constexpr const char* kPrepare = R"sql(
CREATE TEMP TABLE IF NOT EXISTS purge_messages (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS purge_documents (id INTEGER PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS purge_blobs (id TEXT PRIMARY KEY);
DELETE FROM temp.purge_messages;
DELETE FROM temp.purge_documents;
DELETE FROM temp.purge_blobs;
)sql";

// Every job names its message (document jobs too), so one indexed probe per message finds
// whether any work is still to be done for it. The message holding the highest message,
// document, job, acknowledgement or sent-AS2 id stays: a new row gets the highest id in use
// plus one (EDIGATE_NEXT_ID), so deleting that row would hand its id out again, and ids name
// what leaves the gateway (file names, Idempotency-Keys, resend and outbound keys, our
// acknowledgements' AS2 Message-IDs). (The highest job may be an operator's resend of an old
// message: that message stays until a newer job exists.)
constexpr const char* kPickMessages = R"sql(
INSERT INTO temp.purge_messages (id)
SELECT m.id FROM messages AS m
WHERE m.created_at < ?1
  AND NOT EXISTS (SELECT 1 FROM jobs AS j
                  WHERE j.message_id = m.id AND j.state IN ('ready', 'running'))
  AND NOT EXISTS (SELECT 1 FROM as2_sent AS s
                  WHERE s.message_id = m.id AND s.state IN ('sending', 'sent-awaiting-mdn'))
  AND m.id IS NOT (SELECT MAX(id) FROM messages)
  AND m.id IS NOT (SELECT message_id FROM documents ORDER BY id DESC LIMIT 1)
  AND m.id IS NOT (SELECT message_id FROM jobs ORDER BY id DESC LIMIT 1)
  AND m.id IS NOT (SELECT message_id FROM acks ORDER BY id DESC LIMIT 1)
  AND m.id IS NOT (SELECT message_id FROM as2_sent ORDER BY id DESC LIMIT 1)
ORDER BY m.created_at, m.id
LIMIT ?2
)sql";

constexpr const char* kPickDocuments = R"sql(
INSERT INTO temp.purge_documents (id)
SELECT d.id FROM documents AS d WHERE d.message_id IN (SELECT id FROM temp.purge_messages)
)sql";

// What the picked rows name.
constexpr const char* kPickBlobs = R"sql(
INSERT OR IGNORE INTO temp.purge_blobs (id)
SELECT payload_id FROM messages WHERE id IN (SELECT id FROM temp.purge_messages)
UNION SELECT raw_id FROM messages WHERE id IN (SELECT id FROM temp.purge_messages)
UNION SELECT spool_id FROM mdns WHERE message_id IN (SELECT id FROM temp.purge_messages)
UNION SELECT spool_id FROM acks WHERE message_id IN (SELECT id FROM temp.purge_messages)
UNION SELECT mdn_spool_id FROM as2_sent WHERE message_id IN (SELECT id FROM temp.purge_messages)
UNION SELECT canonical_id FROM documents WHERE id IN (SELECT id FROM temp.purge_documents)
)sql";

// Children before parents.
constexpr std::array<const char*, 7> kDeleteRows{
    "DELETE FROM deliveries WHERE document_id IN (SELECT id FROM temp.purge_documents)",
    "DELETE FROM jobs WHERE message_id IN (SELECT id FROM temp.purge_messages)",
    "DELETE FROM acks WHERE message_id IN (SELECT id FROM temp.purge_messages)",
    "DELETE FROM mdns WHERE message_id IN (SELECT id FROM temp.purge_messages)",
    "DELETE FROM as2_sent WHERE message_id IN (SELECT id FROM temp.purge_messages)",
    "DELETE FROM documents WHERE id IN (SELECT id FROM temp.purge_documents)",
    "DELETE FROM messages WHERE id IN (SELECT id FROM temp.purge_messages)"};

// Content-addressed: the same bytes may be named by a row that stays (a payload sent twice).
// The columns have no index (one would cost every insert), so each is read once for the whole
// batch, probing the few candidates by their key, rather than once per candidate.
struct BlobColumn {
  const char* table;
  const char* column;
};
constexpr std::array<BlobColumn, 6> kBlobColumns{{{"messages", "payload_id"},
                                                  {"messages", "raw_id"},
                                                  {"mdns", "spool_id"},
                                                  {"acks", "spool_id"},
                                                  {"as2_sent", "mdn_spool_id"},
                                                  {"documents", "canonical_id"}}};

// CROSS JOIN fixes the loop order: the table once, the few candidates probed by their key.
// With a plain JOIN the planner may loop over the candidates and scan the table for each (no
// index on the column): a second per batch of 500 on a store of 50,000 messages.
std::string keep_named_sql(const BlobColumn& c) {
  return std::string("DELETE FROM temp.purge_blobs WHERE id IN (SELECT t.") + c.column + " FROM " +
         c.table + " AS t CROSS JOIN temp.purge_blobs AS b ON b.id = t." + c.column + ")";
}

constexpr const char* kDeleteBlobs =
    "DELETE FROM blobs WHERE id IN (SELECT id FROM temp.purge_blobs)";

Result<std::int64_t> count(StatementCache& cache, const char* sql) {
  Statement q(cache, sql);
  auto row = q.next();
  if (!row.ok()) return row.status();
  return q.int_at(0);
}

Status run_counted(StatementCache& cache, std::string_view sql, std::int64_t* changes) {
  Statement q(cache, sql);
  if (auto s = q.run(); !s.ok()) return s;
  if (changes != nullptr) *changes = sqlite3_changes(cache.db());
  return Status::success();
}

}  // namespace

Status SqliteStore::drop_named_candidates() {
  if (auto s = run_counted(statements_, "DELETE FROM temp.purge_blobs WHERE id = ''", nullptr);
      !s.ok()) {
    return s;
  }
  for (const BlobColumn& c : kBlobColumns) {
    if (auto s = run_counted(statements_, keep_named_sql(c), nullptr); !s.ok()) return s;
  }
  return Status::success();
}

Result<std::int64_t> SqliteStore::delete_unnamed_blobs(const std::vector<std::string>& ids) {
  return write([&]() -> Result<std::int64_t> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    if (auto s = exec(db_, kPrepare); !s.ok()) return s;
    for (const std::string& id : ids) {
      Statement q(statements_, "INSERT OR IGNORE INTO temp.purge_blobs (id) VALUES (?)");
      if (auto s = q.bind(1, id).run(); !s.ok()) return s;
    }
    if (auto s = drop_named_candidates(); !s.ok()) return s;
    std::int64_t deleted = 0;
    if (auto s = run_counted(statements_, kDeleteBlobs, &deleted); !s.ok()) return s;
    if (auto s = txn.commit(); !s.ok()) return s;
    return deleted;
  });
}

Result<BlobCensus> SqliteStore::blob_census() {
  std::lock_guard lock(mu_);
  // One snapshot for all the queries: a read transaction (BEGIN DEFERRED), which unlike a
  // Transaction takes no write lock, so a running daemon is not held up by a long census.
  if (auto s = exec(db_, "BEGIN"); !s.ok()) return s;
  struct EndRead {
    sqlite3* db;
    ~EndRead() { (void)exec(db, "COMMIT"); }
  } end_read{db_};
  BlobCensus out;
  for (const BlobColumn& c : kBlobColumns) {
    const std::string key = std::string(c.table) == "mdns" ? "message_id" : "id";
    Statement q(statements_, "SELECT " + key + ", " + c.column + " FROM " + c.table + " WHERE " +
                                 c.column + " <> '' AND " + c.column +
                                 " NOT IN (SELECT id FROM blobs)");
    for (;;) {
      auto row = q.next();
      if (!row.ok()) return row.status();
      if (!row.value()) break;
      out.outside.push_back({c.table, q.int_at(0), q.text_at(1)});
    }
  }
  std::string named;
  for (const BlobColumn& c : kBlobColumns) {
    named += (named.empty() ? "SELECT " : " UNION ALL SELECT ") + std::string(c.column) + " FROM " +
             c.table;
  }
  Statement unnamed(statements_,
                    "SELECT id FROM blobs WHERE id NOT IN (" + named + ") ORDER BY id");
  for (;;) {
    auto row = unnamed.next();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.unnamed.push_back(unnamed.text_at(0));
  }
  auto stored = count(statements_, "SELECT COUNT(*) FROM blobs");
  if (!stored.ok()) return stored.status();
  out.stored = stored.value();
  return out;
}

Status SqliteStore::for_each_stored_blob(
    const std::function<Status(std::string_view id, std::string_view bytes)>& visit) {
  std::lock_guard lock(mu_);
  Statement q(statements_, "SELECT id, bytes FROM blobs ORDER BY id");
  for (;;) {
    auto row = q.next();
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::success();
    if (auto s = visit(q.text_at(0), q.blob_at(1)); !s.ok()) return s;
  }
}

Result<PurgeResult> SqliteStore::pick_purge(std::int64_t before, std::size_t limit) {
  PurgeResult out;
  if (auto s = exec(db_, kPrepare); !s.ok()) return s;
  Statement pick(statements_, kPickMessages);
  pick.bind(1, before).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  if (auto s = pick.run(); !s.ok()) return s;
  out.messages = sqlite3_changes(db_);
  if (out.messages == 0) return out;
  if (auto s = run_counted(statements_, kPickDocuments, &out.documents); !s.ok()) return s;
  return out;
}

Result<PurgeResult> SqliteStore::count_purgeable(std::int64_t before) {
  // A read transaction: the picks go to temp tables, which take no lock on the database.
  std::lock_guard lock(mu_);
  if (auto s = exec(db_, "BEGIN"); !s.ok()) return s;
  auto counted = pick_purge(before, SIZE_MAX);
  (void)exec(db_, "COMMIT");
  return counted;
}

Result<PurgeResult> SqliteStore::purge(std::int64_t before, std::size_t limit,
                                       std::string_view actor) {
  return write([&]() -> Result<PurgeResult> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    auto picked = pick_purge(before, std::min(limit, kMaxPurgeBatch));
    if (!picked.ok()) return picked.status();
    PurgeResult out = std::move(picked.value());
    if (out.messages == 0) return out;  // nothing to do: the transaction rolls back
    if (auto s = run_counted(statements_, kPickBlobs, nullptr); !s.ok()) return s;
    for (const char* sql : kDeleteRows) {
      if (auto s = run_counted(statements_, sql, nullptr); !s.ok()) return s;
    }
    if (auto s = drop_named_candidates(); !s.ok()) return s;
    {
      Statement q(statements_, "SELECT id FROM temp.purge_blobs ORDER BY id");
      for (;;) {
        auto row = q.next();
        if (!row.ok()) return row.status();
        if (!row.value()) break;
        out.unreferenced.push_back(q.text_at(0));
      }
    }
    if (auto s = run_counted(statements_, kDeleteBlobs, &out.blobs); !s.ok()) return s;
    auto first = count(statements_, "SELECT MIN(id) FROM temp.purge_messages");
    auto last = count(statements_, "SELECT MAX(id) FROM temp.purge_messages");
    if (!first.ok()) return first.status();
    if (!last.ok()) return last.status();
    const nlohmann::json details = {{"before", iso_time(before)},
                                    {"messages", out.messages},
                                    {"first_message", first.value()},
                                    {"last_message", last.value()},
                                    {"documents", out.documents},
                                    {"blobs", out.blobs},
                                    {"unreferenced", out.unreferenced.size()}};
    auto audit =
        append_audit_locked({std::string(actor), "store.purged", "store", json_text(details)});
    if (!audit.ok()) return audit.status();
    if (auto s = txn.commit(); !s.ok()) return s;
    return out;
  });
}

}  // namespace edigate::gateway::store::sqlite
