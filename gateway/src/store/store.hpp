// The gateway's durable state behind a narrow interface: messages, documents, jobs, MDNs,
// acknowledgements, deliveries, interchange duplicates, control numbers and the audit chain.
// Nothing here names SQLite; sqlite_store.hpp opens the embedded backend, and a PostgreSQL
// backend (shared by several nodes, jobs claimed with FOR UPDATE SKIP LOCKED) implements the
// same class. Payload bytes live in the Spool; rows carry their spool ids.
//
// Every operation is one transaction: it either commits entirely or changes nothing, and it
// returns only once that commit is on disk. Operations that the audit log must record (a
// message received, an MDN, an acknowledgement, a delivery attempt) append their audit entry
// inside that same transaction. All times are milliseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/result.hpp"

namespace edigate::gateway::store {

// Named limits on text the store keeps from untrusted sources.
inline constexpr std::size_t kMaxErrorText = 4096;          // last_error, message/document error
inline constexpr std::size_t kMaxResponseExcerpt = 4096;    // ERP response kept per attempt
inline constexpr std::size_t kMaxAuditDetails = 64 * 1024;  // details JSON per audit entry
inline constexpr std::size_t kMaxListLimit = 10000;         // rows returned by one list call
inline constexpr std::size_t kMaxPurgeBatch = 10000;        // messages deleted by one purge()
inline constexpr std::int64_t kMinRetentionDays = 1;        // purge nothing younger

// `edigate store restore`: its staged database is `<database>` + kRestoringSuffix; ids move on
// by at most kMaxIdGap, X12 control numbers (nine digits) by at most kMaxControlGap.
inline constexpr const char* kRestoringSuffix = ".restoring";
inline constexpr std::int64_t kMaxIdGap = 1'000'000'000'000'000;
inline constexpr std::int64_t kMaxControlGap = 999'999'998;

enum class Direction { inbound, outbound };
std::string_view to_string(Direction d);  // "in" / "out"

// Message statuses the pipeline moves through (text in the store so new ones need no migration).
namespace message_status {
inline constexpr std::string_view received = "received";
inline constexpr std::string_view processing = "processing";
inline constexpr std::string_view processed = "processed";
inline constexpr std::string_view failed = "failed";
inline constexpr std::string_view sent = "sent";
// Outbound, once the partner's acknowledgements answered for every document (accepted) or
// refused one (rejected).
inline constexpr std::string_view accepted = "accepted";
inline constexpr std::string_view rejected = "rejected";
// Outbound, sent, but not every document acknowledged within the partner's <expect-acks>: still
// settled by a late acknowledgement (accepted, rejected), or failed by a late negative MDN.
inline constexpr std::string_view overdue = "overdue";
inline constexpr std::string_view all[] = {received, processing, processed, failed,
                                           sent,     accepted,   rejected,  overdue};
}  // namespace message_status

// Statuses of an outbound document (one transaction set we rendered): awaiting the partner's
// acknowledgement, then what their 997/999/CONTRL (or a TA1 refusing the interchange) said.
namespace document_status {
inline constexpr std::string_view awaiting_ack = "awaiting_ack";
inline constexpr std::string_view accepted = "accepted";
inline constexpr std::string_view accepted_with_errors = "accepted_with_errors";
inline constexpr std::string_view rejected = "rejected";
}  // namespace document_status

struct NewMessage {
  Direction direction = Direction::inbound;
  std::string transport;       // as2, https, sftp, cli
  std::string partner;         // partner id from the registry
  std::string as2_message_id;  // empty when the transport is not AS2
  std::string filename;
  std::string payload_id;  // spool id of the received bytes (already durable)
  // The request as received when payload_id names what was unwrapped from it (AS2: the
  // signed, encrypted MIME with its HTTP headers); empty when payload_id is what came.
  std::string raw_id;
  std::uint64_t size = 0;
  std::string content_type;
};

struct Message : NewMessage {
  std::int64_t id = 0;
  std::string status;
  std::string error;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct ReceivedMessage {
  std::int64_t message_id = 0;
  std::int64_t job_id = 0;
};

// Every field set narrows the search; newest first.
struct MessageFilter {
  std::string partner;                  // empty: any
  std::vector<std::string> partner_in;  // one of these (a token's partners); empty: any
  std::string status;                   // empty: any
  std::string direction;                // "in", "out"; empty: any
  std::string as2_message_id;           // with or without its angle brackets; empty: any
  std::string control;         // an interchange control number (ISA13, UNB 0020) of one of its
                               // documents, as in the EDI; empty: any
  std::int64_t since = 0;      // received at or after (ms since the epoch); 0: any
  std::int64_t until = 0;      // received before (ms); 0: any
  std::int64_t before_id = 0;  // ids below this (the next page); 0: from the newest
  std::size_t limit = 100;
};

struct NewMdn {
  std::int64_t message_id = 0;
  std::string spool_id;  // the MDN bytes as sent (so a duplicate gets exactly these)
  std::string disposition;
  bool signed_mdn = false;
};

struct Mdn : NewMdn {
  std::int64_t created_at = 0;
};

// One transaction set of a message.
struct NewDocument {
  std::int64_t message_id = 0;
  int set_index = 0;        // position of the set in the message, from 0
  std::string type;         // canonical type, e.g. purchase_order
  std::string standard;     // x12 / edifact
  std::string transaction;  // 850, ORDERS, ...
  std::string interchange_control;
  std::string group_control;
  std::string set_control;
  std::string status;
  std::string canonical_id;  // spool id of the canonical JSON, empty until mapped
  std::string error;
};

struct Document : NewDocument {
  std::int64_t id = 0;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

enum class JobState { ready, running, done, dead };
std::string_view to_string(JobState s);

struct JobRef {
  std::optional<std::int64_t> message_id;
  std::optional<std::int64_t> document_id;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  JobRef ref;
  JobState state = JobState::ready;
  int attempts = 0;  // counted at each claim
  std::int64_t run_at = 0;
  std::string last_error;
  std::string locked_by;
  std::int64_t locked_at = 0;
};

// A follow-up step enqueued when a job completes.
struct NextJob {
  std::string kind;
  JobRef ref;
  std::int64_t run_at = 0;
};

struct QueueDepth {
  std::string kind;
  std::int64_t ready = 0;
  std::int64_t running = 0;
  std::int64_t dead = 0;
};

enum class DeliveryOutcome { delivered, retry, dead };
std::string_view to_string(DeliveryOutcome o);

struct DeliveryAttempt {
  std::int64_t document_id = 0;
  std::string connector;
  int attempt = 0;
  DeliveryOutcome outcome = DeliveryOutcome::retry;
  int http_status = 0;           // 0 when there was no HTTP response
  std::string response_excerpt;  // truncated to kMaxResponseExcerpt
  std::string idempotency_key;
  std::int64_t at = 0;  // filled by the store
};

struct NewAck {
  std::int64_t message_id = 0;
  std::string type;            // TA1, 997, 999, CONTRL
  std::string control_number;  // our control number on the acknowledgement
  std::string spool_id;
  Direction direction = Direction::outbound;
};

struct Ack : NewAck {
  std::int64_t id = 0;
  std::int64_t created_at = 0;
};

// AS2 messages we send (our acknowledgements) and the MDN each one waits for. The state is
// text in the store; update_as2_sent enforces which moves are allowed (docs/store.md).
namespace as2_sent_state {
inline constexpr std::string_view sending = "sending";  // recorded, the POST not yet answered
inline constexpr std::string_view awaiting_mdn = "sent-awaiting-mdn";
inline constexpr std::string_view mdn_ok = "mdn-ok";
inline constexpr std::string_view mdn_failed = "mdn-failed";    // negative, or the MIC differs
inline constexpr std::string_view mdn_timeout = "mdn-timeout";  // none came by the deadline
inline constexpr std::string_view send_failed = "send-failed";  // the POST itself was refused
}  // namespace as2_sent_state

struct NewSentAs2 {
  std::int64_t message_id = 0;  // the message it belongs to (the one an ack acknowledges)
  std::string partner;
  std::string as2_message_id;  // with its angle brackets, as sent
  std::string carries;         // what it carries, e.g. "ack:12"
  std::string mic;             // the Received-Content-MIC the MDN must return (base64)
  std::string mic_algorithm;   // its digest, e.g. "sha-256"
  bool async_mdn = false;
};

struct SentAs2 : NewSentAs2 {
  std::int64_t id = 0;
  std::string state;
  std::string disposition;   // of the MDN, as received
  std::string error;         // why it is mdn-failed or send-failed
  std::string mdn_spool_id;  // the MDN as received (async), empty otherwise
  bool mdn_signed = false;
  std::int64_t created_at = 0;
  std::int64_t sent_at = 0;       // when the partner took the POST; 0 until then
  std::int64_t mdn_deadline = 0;  // an async MDN not in by then times out; 0: none
  std::int64_t mdn_at = 0;        // when the MDN came; 0: not yet
  std::int64_t updated_at = 0;
};

struct SentAs2Change {
  std::string_view state;
  std::string disposition;
  std::string error;
  std::string mdn_spool_id;
  bool mdn_signed = false;
  std::int64_t mdn_deadline = 0;  // with awaiting_mdn
};

struct SentAs2Filter {
  std::optional<std::int64_t> message_id;
  std::string partner;                  // empty: any
  std::vector<std::string> partner_in;  // one of these (a token's partners); empty: any
  std::string state;                    // empty: any
  std::size_t limit = 100;
};

struct AuditEvent {
  std::string actor;           // who: "as2", "admin:alice", "pipeline"
  std::string action;          // what: "message.received", "mdn.sent", "config.reloaded"
  std::string subject;         // on what: "message:42"
  std::string details = "{}";  // a JSON value, kept as given (at most kMaxAuditDetails)
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::int64_t time = 0;
  std::string actor;
  std::string action;
  std::string subject;
  std::string details;
  std::string prev_hash;
  std::string hash;
};

struct AuditVerification {
  bool ok = false;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string reason;
  std::string head_hash;  // hash of the last entry; record it elsewhere to detect truncation
};

// What purge() removed (count_purgeable: the messages and documents it would take).
struct PurgeResult {
  std::int64_t messages = 0;
  std::int64_t documents = 0;
  std::int64_t blobs = 0;  // byte strings deleted from the database
  // Ids of the byte strings that no row names any more. Those kept in the database are gone
  // with the commit; the caller removes the spool files among them (Spool::remove_idle).
  std::vector<std::string> unreferenced;
};

// A row that names a byte string kept outside the database (a spool file).
struct BlobReference {
  std::string table;  // messages, documents, mdns, acks, as2_sent
  std::int64_t row = 0;
  std::string id;
};

// Where the store's byte strings are, for a consistency check (edigate store check).
struct BlobCensus {
  std::vector<BlobReference> outside;  // named by rows, not in the database: spool files
  std::vector<std::string> unnamed;    // in the database, named by no row
  std::int64_t stored = 0;             // in the database
};

class Store {
 public:
  virtual ~Store() = default;

  // Messages. add_received_message commits the message, its first job (kind first_job; none
  // when empty: a refused message kept for audit) and
  // its audit entry together; once it returns ok the transport may acknowledge. A second
  // inbound message with the same (partner, as2_message_id) fails with StoreErrc::duplicate.
  virtual Result<ReceivedMessage> add_received_message(const NewMessage& m,
                                                       std::string_view first_job) = 0;
  // An outbound document from the ERP (payload_id: what the ERP posted; raw_id: the
  // interchange rendered from it), its first job and its audit entry (message.outbound by
  // `actor`), in one
  // commit; status `processing`. The same (partner, as2_message_id) twice: StoreErrc::duplicate.
  virtual Result<ReceivedMessage> add_outbound_message(const NewMessage& m,
                                                       std::string_view first_job,
                                                       std::string_view actor) = 0;
  virtual Result<std::optional<Message>> get_message(std::int64_t id) = 0;
  virtual Result<std::optional<Message>> find_as2_message(std::string_view partner,
                                                          std::string_view as2_message_id) = 0;
  // The newest message received from `partner` as file `filename` with that payload (an SFTP
  // upload found in the inbox at start: stored before, or not).
  virtual Result<std::optional<Message>> find_received_file(std::string_view partner,
                                                            std::string_view filename,
                                                            std::string_view payload_id) = 0;
  virtual Result<std::vector<Message>> list_messages(const MessageFilter& filter) = 0;
  virtual Status set_message_status(std::int64_t id, std::string_view status,
                                    std::string_view error) = 0;
  // The same, only from one of the statuses `from` (a later verdict is not overwritten by an
  // earlier step's, two resends do not both start): true when it changed the row.
  virtual Result<bool> change_message_status(std::int64_t id,
                                             std::initializer_list<std::string_view> from,
                                             std::string_view status, std::string_view error) = 0;

  // MDNs: one per message.
  virtual Status store_mdn(const NewMdn& mdn) = 0;
  virtual Result<std::optional<Mdn>> get_mdn(std::int64_t message_id) = 0;
  virtual Result<std::optional<Mdn>> get_mdn_for(std::string_view partner,
                                                 std::string_view as2_message_id) = 0;

  // Documents: (message_id, set_index) is unique; adding it again updates the row and returns
  // the same id, so a reprocessed message does not duplicate its documents.
  virtual Result<std::int64_t> add_document(const NewDocument& d) = 0;
  virtual Status set_document_status(std::int64_t id, std::string_view status,
                                     std::string_view canonical_id, std::string_view error) = 0;
  virtual Result<std::vector<Document>> list_documents(std::int64_t message_id) = 0;
  // The documents of outbound messages to `partner` with that interchange (ISA13 / UNB 0020)
  // or group (GS06 / UNG 0048) control number: what a partner's acknowledgement names.
  enum class ControlLevel : unsigned char { interchange, group };
  virtual Result<std::vector<Document>> find_outbound_documents(std::string_view partner,
                                                                ControlLevel level,
                                                                std::string_view control) = 0;

  // True the first time (partner, sender, control) is seen, false for a duplicate interchange.
  // With a message id, the message that recorded it first gets true again (a job that runs a
  // second time after a crash is not a duplicate of itself).
  virtual Result<bool> record_interchange(std::string_view partner, std::string_view sender,
                                          std::string_view control,
                                          std::int64_t message_id = 0) = 0;

  // Jobs. claim() atomically takes the oldest ready job whose run_at has come and marks it
  // running under worker_id; complete/retry/dead fail with StoreErrc::conflict if the job is
  // no longer running under that worker (released as stale and claimed again meanwhile).
  virtual Result<std::int64_t> enqueue(std::string_view kind, const JobRef& ref,
                                       std::int64_t run_at) = 0;
  virtual Result<std::optional<Job>> claim(std::string_view worker_id, std::int64_t now) = 0;
  // Whether a job is ready to be claimed at `now` (a read: no transaction, nothing claimed).
  virtual Result<bool> has_ready_job(std::int64_t now) = 0;
  // Enqueues a job already claimed by worker_id (running, first attempt): for work the caller
  // does next itself, recorded so that a crash before it completes leaves it to be run again.
  virtual Result<Job> enqueue_claimed(std::string_view kind, const JobRef& ref,
                                      std::string_view worker_id, std::int64_t now) = 0;
  virtual Status complete(const Job& job) = 0;
  // Marks the job done and enqueues its follow-ups in one transaction, so a crash between
  // finishing a step and scheduling the next cannot lose the next; returns their ids.
  virtual Result<std::vector<std::int64_t>> complete_and_enqueue(
      const Job& job, const std::vector<NextJob>& next) = 0;
  virtual Status retry(const Job& job, std::string_view error, std::int64_t run_at) = 0;
  // The same, for a claim that was not an attempt (nothing was tried: a connector's circuit
  // breaker held it): the claim's count is taken back, so waiting does not use up attempts.
  virtual Status postpone(const Job& job, std::string_view error, std::int64_t run_at) = 0;
  virtual Status dead(const Job& job, std::string_view error) = 0;
  // Running jobs locked before `older_than` become ready again; returns how many.
  virtual Result<std::int64_t> release_stale(std::int64_t older_than) = 0;
  // Running jobs locked by `worker` become ready again; returns how many. For a worker that
  // holds no job (an idle one): any still running under its name was left so by a failed
  // write of its outcome.
  virtual Result<std::int64_t> release_worker(std::string_view worker) = 0;
  // Ready jobs postponed with `error` (Store::postpone) that are due after `now` become due
  // at `now`; returns how many. For jobs a connector's circuit breaker held when that breaker
  // is gone (a restart or a reload builds the connectors afresh, their breakers closed).
  // `only_job`: that job alone, if it is one of them.
  virtual Result<std::int64_t> release_postponed(std::string_view error, std::int64_t now,
                                                 std::optional<std::int64_t> only_job) = 0;
  // Outbound messages of `partner` in status `status` with no job of `kind` ready or running
  // (oldest first): messages sent before the partner's <expect-acks> existed, say.
  virtual Result<std::vector<std::int64_t>> list_outbound_without_job(std::string_view partner,
                                                                      std::string_view status,
                                                                      std::string_view kind) = 0;
  // Ready `kind` jobs of outbound messages of `partner` in status `status` that are due later
  // than the message's last change + `window_ms` + 1 s are made due then (a window shortened by
  // a reload takes effect at once); returns how many. The second: a deadline is queued from a
  // clock read a moment after the message's change, and one that is a few ms later than the
  // window is not one queued under a longer window (a reload said it "brought forward" these).
  virtual Result<std::int64_t> bring_forward(std::string_view partner, std::string_view status,
                                             std::string_view kind, std::int64_t window_ms) = 0;
  virtual Result<std::vector<QueueDepth>> queue_depth() = 0;
  virtual Result<std::vector<Job>> list_jobs(std::int64_t message_id) = 0;
  virtual Result<std::optional<Job>> get_job(std::int64_t id) = 0;
  // Dead jobs whose kind starts with `kind_prefix` (empty: any), newest first, at most `limit`.
  virtual Result<std::vector<Job>> list_dead_jobs(std::string_view kind_prefix,
                                                  std::size_t limit) = 0;
  // Dead job `id` back to ready at `run_at`, its attempts counted from 0 again; false when it
  // is not dead (nothing changed).
  virtual Result<bool> revive_job(std::int64_t id, std::int64_t run_at) = 0;

  // Deliveries (audited).
  virtual Status add_delivery_attempt(const DeliveryAttempt& a) = 0;
  virtual Result<bool> was_delivered(std::int64_t document_id, std::string_view connector) = 0;
  // Where a document's deliveries stand apart from job `except_job`: `pending`, some delivery
  // job of it (deliver: or redeliver:) is ready or running; `dead`, some connector's latest
  // ending is dead letter (not delivered to that connector since).
  struct DeliveryStanding {
    bool pending = false;
    bool dead = false;
  };
  virtual Result<DeliveryStanding> delivery_standing(std::int64_t document_id,
                                                     std::int64_t except_job) = 0;
  // When the next job of exactly `kind` for the document that is ready or running is due (its
  // run_at; the earliest of several); nullopt when there is none.
  virtual Result<std::optional<std::int64_t>> unfinished_job_due(std::int64_t document_id,
                                                                 std::string_view kind) = 0;
  // Whether the document was delivered to `connector` after the first attempt made under
  // `idempotency_key` (false when none was made under it).
  virtual Result<bool> delivered_since_first(std::int64_t document_id, std::string_view connector,
                                             std::string_view idempotency_key) = 0;
  virtual Result<std::vector<DeliveryAttempt>> list_deliveries(std::int64_t document_id) = 0;

  // Functional acknowledgements (audited).
  virtual Result<std::int64_t> add_ack(const NewAck& ack) = 0;
  virtual Result<std::vector<Ack>> list_acks(std::int64_t message_id) = 0;

  // Outbound AS2. begin_as2_send records a message before it is posted, so that an MDN that
  // overtakes the POST's answer finds it. The same (partner, Message-ID) again (a retry)
  // returns the same row, its MIC refreshed while it is still sending or send-failed.
  virtual Result<SentAs2> begin_as2_send(const NewSentAs2& s) = 0;
  // Moves the row to change.state with its audit entry when the state machine allows it;
  // false, with nothing written, when it does not (a second MDN for a settled message, a
  // timeout after the MDN came).
  virtual Result<bool> update_as2_sent(std::int64_t id, const SentAs2Change& change) = 0;
  virtual Result<std::optional<SentAs2>> get_as2_sent(std::int64_t id) = 0;
  virtual Result<std::optional<SentAs2>> find_as2_sent(std::string_view partner,
                                                       std::string_view as2_message_id) = 0;
  // Newest first.
  virtual Result<std::vector<SentAs2>> list_as2_sent(const SentAs2Filter& filter) = 0;

  // Control numbers: the next number per (partner, kind), starting at 1, never handed out
  // twice (the counter is committed before the number is returned). Unlike other writes this
  // one does not wait for the disk: the number is durable once any later write returns, and a
  // number may only leave the gateway inside something recorded by such a write (the
  // acknowledgement row). A crash before that may hand the number out again, which is safe
  // because nothing carrying it was sent.
  virtual Result<std::uint64_t> allocate_control_number(std::string_view partner,
                                                        std::string_view kind) = 0;
  // Raises each of `into`'s counters to the highest of the same kind under `from`, under the
  // id of every sender seen from partner `into` (interchanges_seen), and its own: numbers
  // handed out under those keys are never handed out under `into`. Idempotent.
  // The gateway numbers everything it sends a partner under the partner's id; before, its
  // acknowledgements were numbered under the partner's interchange sender ids and its outbound
  // interchanges under the mapping directory's partner id (see serve.cpp).
  virtual Status merge_control_numbers(std::string_view into,
                                       const std::vector<std::string>& from) = 0;

  // After a restore from a backup (`edigate store restore`), in one commit: the next id of
  // messages, documents, jobs, acknowledgements and sent AS2 messages set `id_gap` past the
  // highest each holds (id_floors), every interchange, group and transaction control number
  // counter moved on by `control_gap` (and counters made later start `control_gap` past the
  // last restore's start: the lost store may have begun some after the backup), and a
  // `store.restored` audit entry by `actor` with `details` and what was done. Ids and control
  // numbers handed out after the backup was taken (lost with the store it replaced) are then not
  // handed out again, as long as fewer than the gaps were. Returns the audit entry's seq;
  // bad_input when id_gap is not in [1, kMaxIdGap] or control_gap not in [0, kMaxControlGap].
  virtual Result<std::int64_t> mark_restored(std::int64_t id_gap, std::int64_t control_gap,
                                             std::string_view actor,
                                             const std::string& details) = 0;

  // Audit: append-only and hash-chained (see docs/store.md for the format).
  virtual Result<std::int64_t> append_audit(const AuditEvent& e) = 0;
  virtual Result<AuditVerification> verify_audit() = 0;
  virtual Result<std::optional<AuditEntry>> get_audit(std::int64_t seq) = 0;
  // One JSON object per line, in seq order.
  virtual Status export_audit(std::ostream& out) = 0;

  // Retention. Deletes, oldest first, up to `limit` messages received before `before` whose
  // processing has ended (no job ready or running, no AS2 message sent for it still waiting
  // for its MDN), with their documents, jobs, deliveries, MDN, acknowledgements and sent AS2
  // rows, and the byte strings no remaining row names (at most kMaxPurgeBatch messages). One
  // transaction, audited (store.purged, by `actor`, with the counts). The audit log and the
  // interchange control numbers seen (duplicate detection) are kept.
  virtual Result<PurgeResult> purge(std::int64_t before, std::size_t limit,
                                    std::string_view actor) = 0;
  // The messages and documents purges with that cutoff would take, all of them: a read, which
  // takes no write lock however large the backlog (a dry run).
  virtual Result<PurgeResult> count_purgeable(std::int64_t before) = 0;

  // What a store check needs: which named byte strings must be spool files, and which kept in
  // the database nothing names. A read (one snapshot).
  virtual Result<BlobCensus> blob_census() = 0;
  // A consistent copy of the whole database written to `file` (which must not exist) and
  // flushed to disk: one read transaction (VACUUM INTO), so writers, a daemon's included, go on
  // meanwhile. For backups.
  virtual Status copy_to(const std::string& file) = 0;
  // SQLite's own check of the whole database file (every page, every index against its table):
  // success, or `corrupt` with the first problems it names. Reads everything: for a restore,
  // not for a running daemon's hot path.
  virtual Status integrity_check() = 0;
  // Calls `visit` with each byte string kept in the database (a read, in id order); stops at
  // the first error `visit` returns.
  virtual Status for_each_stored_blob(
      const std::function<Status(std::string_view id, std::string_view bytes)>& visit) = 0;
  // Deletes the byte strings among `ids` kept in the database that no row names (checked again
  // inside the transaction); returns how many went.
  virtual Result<std::int64_t> delete_unnamed_blobs(const std::vector<std::string>& ids) = 0;

  // Small byte strings kept in the database itself, named by their SHA-256 hex like spool files
  // (see Blobs, which chooses between the two). Inside a batch the bytes commit with the rows
  // that name them. Putting an id again changes nothing. get_blob refuses more than `limit`.
  virtual Status put_blob(std::string_view id, std::string_view bytes) = 0;
  virtual Result<std::optional<std::string>> get_blob(std::string_view id, std::size_t limit) = 0;

  // Runs `work` (calls on this store, from this thread) as one transaction: everything it wrote
  // commits together, with one fsync, or nothing does when it returns an error. Calls inside
  // that fail roll back only their own part. Keep file I/O and CPU work outside: other threads
  // wait for the store meanwhile.
  virtual Status batch(const std::function<Status()>& work) = 0;
  // The same, for work that is done again when a crash loses it (a job runner's step: its job
  // stays claimed, and is run again after a crash, until the commit that completes it is on
  // disk). Returns once every commit before this one is on disk, without waiting for this one
  // (a later write that waits covers it): what the work read, such as a job claimed in it, is
  // then durable, while its own flush is shared with whatever commits next.
  virtual Status batch_redoable(const std::function<Status()>& work) = 0;

  // Returns once everything committed so far is on disk. Writes wait for their own commit
  // already; a reader calls this before it hands out something it read (a stored MDN sent
  // again) that another writer may have committed but not yet flushed.
  virtual Status sync() = 0;
  // Disk flushes made for commits so far (0 when each commit flushes itself); with concurrent
  // writers it grows more slowly than the number of commits.
  virtual std::uint64_t flushes() const = 0;
  // Commits made so far with group commit (0 without it); concurrent writes share commits, so
  // it grows more slowly than the number of writes.
  virtual std::uint64_t commits() const = 0;
  // Database pages written to the write-ahead log by those commits (0 without group commit):
  // every page a transaction changes is written whole, so this is the store's write cost.
  virtual std::uint64_t wal_pages() const = 0;
  // Checkpoints run so far (copies of the WAL into the database file by the background
  // checkpointer; 0 without group commit, where SQLite checkpoints inside commits).
  virtual std::uint64_t checkpoints() const = 0;
  // Success while the store can keep its promises; once a flush to disk has failed, that
  // failure (every write fails from then on, until the process restarts).
  virtual Status health() const = 0;
};

}  // namespace edigate::gateway::store
