// The SQLite implementation of Store (private to the store directory). Its methods are spread
// over sqlite_store.cpp (messages, documents, MDNs, control numbers), sqlite_jobs.cpp (jobs,
// deliveries, acknowledgements), sqlite_as2_sent.cpp (outbound AS2 and their MDNs) and
// sqlite_audit.cpp (the audit chain).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_lock.hpp"
#include "store/wal_checkpointer.hpp"
#include "store/wal_sync.hpp"

// SQL for the id of a new row of TABLE (a string literal naming a table with an `id` primary
// key): one past the highest there, and past the table's floor in id_floors. A restore sets the
// floors (`edigate store restore`) so that ids issued after the backup was taken, and so the
// Idempotency-Keys, file names and Message-IDs made from them, are not issued again; without a
// floor this is the id SQLite would have chosen.
// clang-format off
#define EDIGATE_NEXT_ID(TABLE)                                                  \
  "(SELECT MAX(COALESCE((SELECT MAX(id) FROM " TABLE "), 0), "                  \
  "COALESCE((SELECT floor FROM id_floors WHERE name = '" TABLE "'), 0)) + 1)"
// clang-format on

namespace edigate::gateway::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::function<std::int64_t()> clock);
  ~SqliteStore() override;

  // Switches to group commit (see wal_sync.hpp) for a file database in WAL mode: commits stop
  // flushing under the store lock and each writer waits for a shared flush instead.
  Status enable_group_commit();
  // Keeps the shared lock on <path>.users until the store is closed.
  void hold(StoreUsers users) { users_ = std::move(users); }

  Result<ReceivedMessage> add_received_message(const NewMessage& m,
                                               std::string_view first_job) override;
  Result<ReceivedMessage> add_outbound_message(const NewMessage& m, std::string_view first_job,
                                               std::string_view actor) override;
  Result<std::optional<Message>> get_message(std::int64_t id) override;
  Result<std::optional<Message>> find_as2_message(std::string_view partner,
                                                  std::string_view as2_message_id) override;
  Result<std::optional<Message>> find_received_file(std::string_view partner,
                                                    std::string_view filename,
                                                    std::string_view payload_id) override;
  Result<std::vector<Message>> list_messages(const MessageFilter& filter) override;
  Result<bool> change_message_status(std::int64_t id, std::initializer_list<std::string_view> from,
                                     std::string_view status, std::string_view error) override;
  Status set_message_status(std::int64_t id, std::string_view status,
                            std::string_view error) override;

  Status store_mdn(const NewMdn& mdn) override;
  Result<std::optional<Mdn>> get_mdn(std::int64_t message_id) override;
  Result<std::optional<Mdn>> get_mdn_for(std::string_view partner,
                                         std::string_view as2_message_id) override;

  Result<std::int64_t> add_document(const NewDocument& d) override;
  Status set_document_status(std::int64_t id, std::string_view status,
                             std::string_view canonical_id, std::string_view error) override;
  Result<std::vector<Document>> find_outbound_documents(std::string_view partner,
                                                        ControlLevel level,
                                                        std::string_view control) override;
  Result<std::vector<Document>> list_documents(std::int64_t message_id) override;

  Result<bool> record_interchange(std::string_view partner, std::string_view sender,
                                  std::string_view control, std::int64_t message_id = 0) override;

  Result<std::int64_t> enqueue(std::string_view kind, const JobRef& ref,
                               std::int64_t run_at) override;
  Result<std::optional<Job>> claim(std::string_view worker_id, std::int64_t now) override;
  Result<bool> has_ready_job(std::int64_t now) override;
  Result<Job> enqueue_claimed(std::string_view kind, const JobRef& ref, std::string_view worker_id,
                              std::int64_t now) override;
  Status complete(const Job& job) override;
  Result<std::vector<std::int64_t>> complete_and_enqueue(const Job& job,
                                                         const std::vector<NextJob>& next) override;
  Status retry(const Job& job, std::string_view error, std::int64_t run_at) override;
  Status postpone(const Job& job, std::string_view error, std::int64_t run_at) override;
  Status dead(const Job& job, std::string_view error) override;
  Result<std::int64_t> release_stale(std::int64_t older_than) override;
  Result<std::int64_t> release_worker(std::string_view worker) override;
  Result<std::int64_t> release_postponed(std::string_view error, std::int64_t now,
                                         std::optional<std::int64_t> only_job) override;
  Result<std::vector<std::int64_t>> list_outbound_without_job(std::string_view partner,
                                                              std::string_view status,
                                                              std::string_view kind) override;
  Result<std::int64_t> bring_forward(std::string_view partner, std::string_view status,
                                     std::string_view kind, std::int64_t window_ms) override;
  Result<std::vector<QueueDepth>> queue_depth() override;
  Result<std::vector<Job>> list_jobs(std::int64_t message_id) override;
  Result<std::optional<Job>> get_job(std::int64_t id) override;
  Result<std::vector<Job>> list_dead_jobs(std::string_view kind_prefix, std::size_t limit) override;
  Result<bool> revive_job(std::int64_t id, std::int64_t run_at) override;

  Status add_delivery_attempt(const DeliveryAttempt& a) override;
  Result<bool> was_delivered(std::int64_t document_id, std::string_view connector) override;
  Result<DeliveryStanding> delivery_standing(std::int64_t document_id,
                                             std::int64_t except_job) override;
  Result<std::optional<std::int64_t>> unfinished_job_due(std::int64_t document_id,
                                                         std::string_view kind) override;
  Result<bool> delivered_since_first(std::int64_t document_id, std::string_view connector,
                                     std::string_view idempotency_key) override;
  Result<std::vector<DeliveryAttempt>> list_deliveries(std::int64_t document_id) override;

  Result<std::int64_t> add_ack(const NewAck& ack) override;
  Result<std::vector<Ack>> list_acks(std::int64_t message_id) override;

  Result<SentAs2> begin_as2_send(const NewSentAs2& s) override;
  Result<bool> update_as2_sent(std::int64_t id, const SentAs2Change& change) override;
  Result<std::optional<SentAs2>> get_as2_sent(std::int64_t id) override;
  Result<std::optional<SentAs2>> find_as2_sent(std::string_view partner,
                                               std::string_view as2_message_id) override;
  Result<std::vector<SentAs2>> list_as2_sent(const SentAs2Filter& filter) override;

  Result<std::uint64_t> allocate_control_number(std::string_view partner,
                                                std::string_view kind) override;
  Status merge_control_numbers(std::string_view into,
                               const std::vector<std::string>& from) override;

  Result<std::int64_t> append_audit(const AuditEvent& e) override;
  Result<AuditVerification> verify_audit() override;
  Result<std::optional<AuditEntry>> get_audit(std::int64_t seq) override;
  Status export_audit(std::ostream& out) override;
  Result<PurgeResult> purge(std::int64_t before, std::size_t limit,
                            std::string_view actor) override;
  Result<PurgeResult> count_purgeable(std::int64_t before) override;
  Result<BlobCensus> blob_census() override;
  Status for_each_stored_blob(
      const std::function<Status(std::string_view id, std::string_view bytes)>& visit) override;
  Result<std::int64_t> delete_unnamed_blobs(const std::vector<std::string>& ids) override;
  Status put_blob(std::string_view id, std::string_view bytes) override;
  Result<std::optional<std::string>> get_blob(std::string_view id, std::size_t limit) override;

  Status batch(const std::function<Status()>& work) override;
  Status batch_redoable(const std::function<Status()>& work) override;
  Status sync() override;
  std::uint64_t flushes() const override { return wal_ ? wal_->flushes() : 0; }
  std::uint64_t commits() const override { return wal_ ? wal_->commits() : 0; }
  std::uint64_t wal_pages() const override {
    return wal_pages_written_.load(std::memory_order_relaxed);
  }
  Status health() const override { return wal_ ? wal_->failure() : Status::success(); }
  std::uint64_t checkpoints() const override {
    return checkpointer_ ? checkpointer_->checkpoints() : 0;
  }

 private:
  StoreUsers users_;  // first, so it is released after the connection is closed
  // How long a write waits after its commit. `own`: until the commit is on disk (the default:
  // the caller may act on it at once). `earlier`: until every commit before it is on disk, not
  // itself (a job claim: the claim may be lost in a crash, harmlessly, but the job it read must
  // be durable before the worker acts on it). `none`: not at all (control numbers: they leave
  // the process only inside an acknowledgement recorded by a later write that waits, whose
  // flush covers them).
  enum class Wait { own, earlier, none };
  // Takes out of temp.purge_blobs the ids that a row still names (inside the caller's
  // transaction; sqlite_purge.cpp).
  Status drop_named_candidates();
  // Fills temp.purge_messages and temp.purge_documents with what a purge would take; the counts.
  Result<PurgeResult> pick_purge(std::int64_t before, std::size_t limit);
  // `work` in a transaction of its own (inside write()).
  Status run_transaction(const std::function<Status()>& work);

  // Every operation that writes runs through here. With group commit, concurrent writes also
  // share transactions: a writer queues its operation; one of the queued writers (the
  // combiner) takes the store lock, runs every queued operation in one transaction, each inside
  // its own savepoint (an operation that fails is rolled back alone, as its own transaction
  // would have been), and commits once; then each writer waits, without the lock, for that
  // commit to reach the disk (see Wait). One commit writes a page that several operations
  // touched (a table's last page, an index root, the audit chain's tail) once instead of once
  // each. A call made inside an operation (a batch calling store methods) runs directly in the
  // enclosing transaction and never waits.
  template <typename Op>
  auto write(Op&& op, Wait wait = Wait::own) -> decltype(op()) {
    using R = decltype(op());
    if (combining_ == this) return op();
    if (wal_ == nullptr) {
      std::lock_guard lock(mu_);
      return op();
    }
    std::optional<R> result;
    QueuedWrite mine;
    mine.run = [&] {
      result.emplace(op());
      return result->ok();
    };
    const Status committed = run_queued(mine);
    // An operation that threw (out of memory) did so on the combiner's thread: it was rolled
    // back there and is rethrown here, in its own caller.
    if (mine.thrown) std::rethrow_exception(mine.thrown);
    if (!committed.ok()) return committed;
    if (!result->ok() || wait == Wait::none) return std::move(*result);
    // `earlier` alone in its commit: wait for the commits before it. Shared with others, the
    // row it read may have been written by one of them, so wait for the commit itself.
    const std::uint64_t seq =
        wait == Wait::earlier && mine.shared_commit == 1 ? mine.seq - 1 : mine.seq;
    if (Status s = wal_->wait_durable(seq); !s.ok()) return s;
    return std::move(*result);
  }
  struct QueuedWrite {
    std::function<bool()> run;      // false: it failed and was rolled back to its savepoint
    Status committed;               // the outcome of the transaction it ran in
    std::uint64_t seq = 0;          // that transaction's commit
    std::size_t shared_commit = 0;  // operations in that transaction
    std::exception_ptr thrown;      // what run() threw, if it did
    bool done = false;
  };
  // Queues `w` and returns once it ran and its transaction ended (committed or not).
  Status run_queued(QueuedWrite& w);
  // One transaction over the queued writes (the caller is the combiner).
  void run_round(std::vector<QueuedWrite*>& round);
  // The combiner thread's store while it runs a round (nested writes run directly).
  static thread_local const SqliteStore* combining_;
  // Operations per shared transaction: enough to share the pages, few enough that the writer
  // who happens to combine is not kept long from its own work.
  static constexpr std::size_t kMaxOpsPerCommit = 64;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<QueuedWrite*> queue_;
  bool combiner_active_ = false;
  // SQLite calls this after each commit, in the committing thread, under the connection's lock.
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  // The sequence number of the last commit made on this thread (set by on_commit).
  static thread_local std::uint64_t last_commit_seq_;

  // The *_locked helpers run inside a caller's transaction with mu_ held.
  Result<std::int64_t> append_audit_locked(const AuditEvent& e);
  Status copy_to(const std::string& file) override;
  Status integrity_check() override;
  Result<std::int64_t> mark_restored(std::int64_t id_gap, std::int64_t control_gap,
                                     std::string_view actor, const std::string& details) override;
  Result<ReceivedMessage> add_message(const NewMessage& m, std::string_view status,
                                      std::string_view first_job, std::string_view actor,
                                      std::string_view action, const nlohmann::json& details);
  Result<std::int64_t> insert_message_locked(const NewMessage& m, std::string_view status);
  Result<std::int64_t> enqueue_locked(std::string_view kind, const JobRef& ref,
                                      std::int64_t run_at);
  Status finish_job(const Job& job, std::string_view state, std::string_view error,
                    std::int64_t run_at);
  // attempts_back: claims taken back from the job's count (postpone: the claim was no attempt).
  Status finish_job_locked(const Job& job, std::string_view state, std::string_view error,
                           std::int64_t run_at, int attempts_back = 0);
  Result<std::optional<Message>> one_message(Statement& q);
  std::int64_t now() const { return clock_(); }

  // Recursive: batch() holds it across the calls it makes.
  std::recursive_mutex mu_;
  sqlite3* db_;
  StatementCache statements_{db_};  // after db_; close_v2 waits for these to be finalized
  std::unique_ptr<WalSync> wal_;    // null: commits flush themselves (synchronous=FULL)
  std::unique_ptr<WalCheckpointer> checkpointer_;    // with wal_
  std::atomic<std::uint64_t> wal_pages_written_{0};  // pages commits wrote to the WAL
  // The WAL's size in frames when the last passive checkpoint was asked for (on_commit, under
  // the connection's lock).
  int checkpoint_asked_at_ = 0;
  std::function<std::int64_t()> clock_;
};

// Truncates untrusted text to a named limit on a UTF-8 boundary where possible.
std::string bounded(std::string_view text, std::size_t limit);

}  // namespace edigate::gateway::store::sqlite
