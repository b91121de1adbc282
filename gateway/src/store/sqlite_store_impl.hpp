// The SQLite implementation of Store (private to the store directory). Its methods are spread
// over sqlite_store.cpp (messages, documents, MDNs, control numbers), sqlite_jobs.cpp (jobs,
// deliveries, acknowledgements), sqlite_as2_sent.cpp (outbound AS2 and their MDNs) and
// sqlite_audit.cpp (the audit chain).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>

#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store/wal_sync.hpp"

namespace edigate::gateway::store::sqlite {

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite3* db, std::function<std::int64_t()> clock);
  ~SqliteStore() override;

  // Switches to group commit (see wal_sync.hpp) for a file database in WAL mode: commits stop
  // flushing under the store lock and each writer waits for a shared flush instead.
  Status enable_group_commit();

  Result<ReceivedMessage> add_received_message(const NewMessage& m,
                                               std::string_view first_job) override;
  Result<std::int64_t> add_outbound_message(const NewMessage& m) override;
  Result<std::optional<Message>> get_message(std::int64_t id) override;
  Result<std::optional<Message>> find_as2_message(std::string_view partner,
                                                  std::string_view as2_message_id) override;
  Result<std::vector<Message>> list_messages(const MessageFilter& filter) override;
  Status set_message_status(std::int64_t id, std::string_view status,
                            std::string_view error) override;

  Status store_mdn(const NewMdn& mdn) override;
  Result<std::optional<Mdn>> get_mdn(std::int64_t message_id) override;
  Result<std::optional<Mdn>> get_mdn_for(std::string_view partner,
                                         std::string_view as2_message_id) override;

  Result<std::int64_t> add_document(const NewDocument& d) override;
  Status set_document_status(std::int64_t id, std::string_view status,
                             std::string_view canonical_id, std::string_view error) override;
  Result<std::vector<Document>> list_documents(std::int64_t message_id) override;

  Result<bool> record_interchange(std::string_view partner, std::string_view sender,
                                  std::string_view control, std::int64_t message_id = 0) override;

  Result<std::int64_t> enqueue(std::string_view kind, const JobRef& ref,
                               std::int64_t run_at) override;
  Result<std::optional<Job>> claim(std::string_view worker_id, std::int64_t now) override;
  Status complete(const Job& job) override;
  Result<std::vector<std::int64_t>> complete_and_enqueue(const Job& job,
                                                         const std::vector<NextJob>& next) override;
  Status retry(const Job& job, std::string_view error, std::int64_t run_at) override;
  Status dead(const Job& job, std::string_view error) override;
  Result<std::int64_t> release_stale(std::int64_t older_than) override;
  Result<std::vector<QueueDepth>> queue_depth() override;
  Result<std::vector<Job>> list_jobs(std::int64_t message_id) override;

  Status add_delivery_attempt(const DeliveryAttempt& a) override;
  Result<bool> was_delivered(std::int64_t document_id, std::string_view connector) override;
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

  Result<std::int64_t> append_audit(const AuditEvent& e) override;
  Result<AuditVerification> verify_audit() override;
  Result<std::optional<AuditEntry>> get_audit(std::int64_t seq) override;
  Status export_audit(std::ostream& out) override;
  Status put_blob(std::string_view id, std::string_view bytes) override;
  Result<std::optional<std::string>> get_blob(std::string_view id, std::size_t limit) override;

  Status batch(const std::function<Status()>& work) override;
  Status sync() override;
  std::uint64_t flushes() const override { return wal_ ? wal_->flushes() : 0; }

 private:
  // How long a write waits after its commit. `own`: until the commit is on disk (the default:
  // the caller may act on it at once). `earlier`: until every commit before it is on disk, not
  // itself (a job claim: the claim may be lost in a crash, harmlessly, but the job it read must
  // be durable before the worker acts on it). `none`: not at all (control numbers: they leave
  // the process only inside an acknowledgement recorded by a later write that waits, whose
  // flush covers them).
  enum class Wait { own, earlier, none };

  // Every operation that writes runs through here: `op` under the store lock; then, if this
  // thread committed (not when the write was part of an enclosing batch), the wait without the
  // lock, so other writers go on meanwhile.
  template <typename Op>
  auto write(Op&& op, Wait wait = Wait::own) -> decltype(op()) {
    last_commit_ = {};
    auto result = [&] {
      std::lock_guard lock(mu_);
      return op();
    }();
    if (wal_ == nullptr || last_commit_.store != this || wait == Wait::none) return result;
    const std::uint64_t seq = wait == Wait::own ? last_commit_.seq : last_commit_.seq - 1;
    if (Status s = wal_->wait_durable(seq); !s.ok()) return s;
    return result;
  }
  // SQLite calls this after each commit, in the committing thread, under the connection's lock.
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  struct CommitMark {
    const SqliteStore* store = nullptr;
    std::uint64_t seq = 0;
  };
  static thread_local CommitMark last_commit_;

  // The *_locked helpers run inside a caller's transaction with mu_ held.
  Result<std::int64_t> append_audit_locked(const AuditEvent& e);
  Result<std::int64_t> insert_message_locked(const NewMessage& m, std::string_view status);
  Result<std::int64_t> enqueue_locked(std::string_view kind, const JobRef& ref,
                                      std::int64_t run_at);
  Status finish_job(const Job& job, std::string_view state, std::string_view error,
                    std::int64_t run_at);
  Status finish_job_locked(const Job& job, std::string_view state, std::string_view error,
                           std::int64_t run_at);
  Result<std::optional<Message>> one_message(Statement& q);
  std::int64_t now() const { return clock_(); }

  // Recursive: batch() holds it across the calls it makes.
  std::recursive_mutex mu_;
  sqlite3* db_;
  StatementCache statements_{db_};  // after db_; close_v2 waits for these to be finalized
  std::unique_ptr<WalSync> wal_;    // null: commits flush themselves (synchronous=FULL)
  std::function<std::int64_t()> clock_;
};

// Truncates untrusted text to a named limit on a UTF-8 boundary where possible.
std::string bounded(std::string_view text, std::size_t limit);

}  // namespace edigate::gateway::store::sqlite
