#include "store/sqlite_schema.hpp"

#include <array>
#include <string>

#include "store/sqlite_db.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Migration 1: the initial schema. Times are INTEGER milliseconds since the epoch (UTC).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  transport TEXT NOT NULL,
  partner TEXT NOT NULL,
  as2_message_id TEXT,
  filename TEXT NOT NULL DEFAULT '',
  payload_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_as2_id ON messages (direction, partner, as2_message_id)
  WHERE as2_message_id IS NOT NULL;
CREATE INDEX messages_partner ON messages (partner, id);
CREATE INDEX messages_status ON messages (status, id);

CREATE TABLE mdns (
  message_id INTEGER PRIMARY KEY REFERENCES messages (id),
  spool_id TEXT NOT NULL,
  disposition TEXT NOT NULL,
  signed INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages (id),
  set_index INTEGER NOT NULL,
  type TEXT NOT NULL DEFAULT '',
  standard TEXT NOT NULL DEFAULT '',
  transaction_set TEXT NOT NULL DEFAULT '',
  interchange_control TEXT NOT NULL DEFAULT '',
  group_control TEXT NOT NULL DEFAULT '',
  set_control TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  canonical_id TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (message_id, set_index)
);

CREATE TABLE interchanges_seen (
  partner TEXT NOT NULL,
  sender TEXT NOT NULL,
  control TEXT NOT NULL,
  message_id INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (partner, sender, control)
) WITHOUT ROWID;

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  message_id INTEGER REFERENCES messages (id),
  document_id INTEGER REFERENCES documents (id),
  state TEXT NOT NULL CHECK (state IN ('ready', 'running', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  locked_by TEXT,
  locked_at INTEGER
);
CREATE INDEX jobs_ready ON jobs (state, run_at, id);
CREATE INDEX jobs_message ON jobs (message_id);

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents (id),
  connector TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
  http_status INTEGER NOT NULL DEFAULT 0,
  response_excerpt TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT NOT NULL DEFAULT '',
  at INTEGER NOT NULL
);
CREATE INDEX deliveries_document ON deliveries (document_id, connector);

CREATE TABLE acks (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages (id),
  type TEXT NOT NULL,
  control_number TEXT NOT NULL,
  spool_id TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  created_at INTEGER NOT NULL
);
CREATE INDEX acks_message ON acks (message_id);

CREATE TABLE control_numbers (
  partner TEXT NOT NULL,
  kind TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (partner, kind)
) WITHOUT ROWID;

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
-- Append-only through SQL. The hash chain, not these triggers, is what detects tampering by
-- someone who can drop them.
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
)sql";

// Migration 2: small byte strings (MDNs, acknowledgements, canonical JSON, requests as
// received) kept in the database, named by SHA-256 like spool files, so that each no longer
// costs a file of its own (create, fsync, rename, directory fsync) beside the row naming it.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  bytes BLOB NOT NULL
);
)sql";

// Migration 3: AS2 messages we send and the MDN each waits for (async MDN receipt). A table of
// its own rather than outbound rows in messages: what it carries (an acknowledgement) already
// belongs to a message, and its life (MIC, MDN deadline, disposition) is not a message's.
constexpr const char* kSchemaV3 = R"sql(
CREATE TABLE as2_sent (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages (id),
  partner TEXT NOT NULL,
  as2_message_id TEXT NOT NULL,
  carries TEXT NOT NULL,
  mic TEXT NOT NULL,
  mic_algorithm TEXT NOT NULL,
  async_mdn INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sending', 'sent-awaiting-mdn', 'mdn-ok', 'mdn-failed',
                                       'mdn-timeout', 'send-failed')),
  disposition TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  mdn_spool_id TEXT NOT NULL DEFAULT '',
  mdn_signed INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  sent_at INTEGER NOT NULL DEFAULT 0,
  mdn_deadline INTEGER NOT NULL DEFAULT 0,
  mdn_at INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  UNIQUE (partner, as2_message_id)
);
CREATE INDEX as2_sent_message ON as2_sent (message_id);
CREATE INDEX as2_sent_state ON as2_sent (state, id);
)sql";

// Migration 4: what operators search messages by (edigate messages list --control/--since,
// GET /api/messages?control=&since=&as2_message_id=): the interchange control number of a
// message's documents, the time it came and its AS2 Message-ID.
constexpr const char* kSchemaV4 = R"sql(
CREATE INDEX documents_interchange ON documents (interchange_control);
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_as2_message_id ON messages (as2_message_id);
)sql";

// Migration 5: the bytes of an AS2 request as received (signed, encrypted), when the payload
// named by payload_id is what was unwrapped from them. They were stored before too, but no row
// named them, so nobody could read them back and a purge could not tell them from garbage.
constexpr const char* kSchemaV5 = R"sql(
ALTER TABLE messages ADD COLUMN raw_id TEXT NOT NULL DEFAULT '';
)sql";

// Migration 6: jobs by document. Deleting a document (a purge) makes SQLite check that no job
// still names it (the foreign key); without an index that is a scan of the whole jobs table
// per document: 1.9 s for a batch of 500 on a store of 50,000 messages, 2 ms with it. Partial:
// only the jobs that name a document (deliveries) pay for it.
constexpr const char* kSchemaV6 = R"sql(
CREATE INDEX jobs_document ON jobs (document_id) WHERE document_id IS NOT NULL;
)sql";

// Migration 7: documents by group control number, for the partner's 997/999 (AK1 names our
// GS06) to find the outbound documents it acknowledges without a scan. Partial: only
// documents with a group (X12, and EDIFACT with UNG).
constexpr const char* kSchemaV7 = R"sql(
CREATE INDEX documents_group ON documents (group_control) WHERE group_control <> '';
)sql";

// Migration 8: the attempt that ended a delivery in dead letter says so. Before, a delivery
// whose attempts ran out left its last attempt as `retry`; the attempts are now counted from the
// last `delivered` or `dead` one, so without this a dead letter from before, revived or resent,
// would go dead again at its first failure.
constexpr const char* kSchemaV8 = R"sql(
UPDATE deliveries SET outcome = 'dead'
WHERE outcome = 'retry' AND id IN (
  SELECT MAX(d.id) FROM deliveries AS d
  JOIN jobs AS j ON j.document_id = d.document_id
                AND (j.kind = 'deliver:' || d.connector OR j.kind = 'redeliver:' || d.connector)
  WHERE j.state = 'dead'
  GROUP BY d.document_id, d.connector);
)sql";

// Migration 9: the lowest id each table may issue next (see EDIGATE_NEXT_ID). A restore from a
// backup sets them past the backup's highest ids, so that the ids issued after the backup was
// taken (and lost with the store it replaces) are not issued again.
constexpr const char* kSchemaV9 = R"sql(
CREATE TABLE id_floors (
  name TEXT PRIMARY KEY,
  floor INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr std::array<Migration, 9> kMigrations{{{1, kSchemaV1},
                                                {2, kSchemaV2},
                                                {3, kSchemaV3},
                                                {4, kSchemaV4},
                                                {5, kSchemaV5},
                                                {6, kSchemaV6},
                                                {7, kSchemaV7},
                                                {8, kSchemaV8},
                                                {9, kSchemaV9}}};

// The recorded version, 0 for a database without schema_version (new, or not ours).
Result<int> recorded_version(sqlite3* db) {
  Statement exists(db,
                   "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  auto found = exists.next();
  if (!found.ok()) return found.status();
  if (!found.value()) return 0;
  Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  auto row = q.next();
  if (!row.ok()) return row.status();
  return static_cast<int>(q.int_at(0));
}

Result<int> current_version(sqlite3* db) {
  if (auto s = exec(db,
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                    "applied_at INTEGER NOT NULL DEFAULT (unixepoch()))");
      !s.ok()) {
    return s;
  }
  Statement q(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  auto row = q.next();
  if (!row.ok()) return row.status();
  return static_cast<int>(q.int_at(0));
}

Status apply(sqlite3* db, const Migration& m) {
  Transaction txn(db);
  if (!txn.status().ok()) return txn.status();
  // Another process may have applied it between our read and our write lock.
  auto now = current_version(db);
  if (!now.ok()) return now.status();
  if (now.value() >= m.version) return Status::success();
  if (auto s = exec(db, m.sql); !s.ok()) {
    return Status::error(s.code, "migration " + std::to_string(m.version) + ": " + s.message);
  }
  Statement record(db, "INSERT INTO schema_version (version) VALUES (?)");
  if (auto s = record.bind(1, std::int64_t{m.version}).run(); !s.ok()) return s;
  return txn.commit();
}

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

Status check_version(sqlite3* db) {
  auto version = recorded_version(db);
  if (!version.ok()) return version.status();
  if (version.value() == 0) {
    return Status::error(StoreErrc::not_found, "not an edigate store (no schema_version)");
  }
  if (version.value() > latest_schema_version()) {
    return Status::error(StoreErrc::schema_too_new,
                         "database schema version " + std::to_string(version.value()) +
                             " is newer than this edigate knows (" +
                             std::to_string(latest_schema_version()) + "); upgrade edigate");
  }
  if (version.value() < latest_schema_version()) {
    return Status::error(StoreErrc::database, "database schema version " +
                                                  std::to_string(version.value()) +
                                                  " is older than this edigate (" +
                                                  std::to_string(latest_schema_version()) +
                                                  "); start the daemon to migrate it");
  }
  return Status::success();
}

Status migrate(sqlite3* db) {
  auto version = current_version(db);
  if (!version.ok()) return version.status();
  if (version.value() > latest_schema_version()) {
    return Status::error(StoreErrc::schema_too_new,
                         "database schema version " + std::to_string(version.value()) +
                             " is newer than this edigate knows (" +
                             std::to_string(latest_schema_version()) + "); upgrade edigate");
  }
  for (const auto& m : kMigrations) {
    if (m.version <= version.value()) continue;
    if (auto s = apply(db, m); !s.ok()) return s;
  }
  return Status::success();
}

}  // namespace edigate::gateway::store::sqlite
