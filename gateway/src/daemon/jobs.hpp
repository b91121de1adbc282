// The durable pipeline: worker threads claim jobs from the store and run them. Every job is
// idempotent (documents are keyed by message and set index, deliveries are skipped once
// delivered, connectors get a stable Idempotency-Key), so a job claimed again after a crash
// does its work once.
//
// Job kinds:
//   process                 a received message: validate, acknowledge, map, route
//   deliver:<connector>     one document to one connector (skipped when already delivered)
//   redeliver:<connector>   the same, even when it was delivered (an operator's resend)
//   send_mdn                an asynchronous MDN, posted to the URL the sender asked for
//   send_ack:<ack id>       our 997/999/TA1/CONTRL to the partner over AS2 or SFTP push
//   mdn_timeout:<sent id>   at an async MDN's deadline: still none, so the sent message is
//                           marked mdn-timeout (a durable job, so a restart keeps the deadline)
//   send_out                an outbound message (POST /api/outbound) to its partner
//   ack_due                 an outbound message's acknowledgement deadline (<expect-acks>):
//                           documents still awaiting_ack then make the message overdue
//   notify_out:<status>     an outbound message's change to <status>: the message as it is
//                           when the job runs, keyed by the job and <status>, to the connector
//                           <connectors outbound-status> names (none: nothing to do)
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "connectors/retry_policy.hpp"
#include "daemon/core.hpp"
#include "edigate/as2/send.hpp"

namespace edigate::gateway::daemon {

inline constexpr std::string_view kProcessJob = "process";
inline constexpr std::string_view kDeliverJob = "deliver:";
inline constexpr std::string_view kRedeliverJob = "redeliver:";
inline constexpr std::string_view kSendMdnJob = "send_mdn";
inline constexpr std::string_view kSendAckJob = "send_ack:";
inline constexpr std::string_view kMdnTimeoutJob = "mdn_timeout:";
inline constexpr std::string_view kSendOutJob = "send_out";  // an outbound message to its partner
inline constexpr std::string_view kAckDueJob = "ack_due";
inline constexpr std::string_view kNotifyOutJob = "notify_out";
// Canonical documents in one outbound request (one interchange).
inline constexpr std::size_t kMaxOutboundDocuments = 1000;
// The error of a resend postponed while the document's own delivery to that connector is
// queued (no attempt used): it asks again once that delivery is due.
inline constexpr std::string_view kWaitingForDeliveryError =
    "waiting for the document's delivery to this connector to end";

// Why a message cannot be processed (again), or "" when it can: an outbound one is sent, not
// processed; an AS2 message refused at receipt (nothing verified or unwrapped it) keeps the
// request as received, which is not EDI.
std::string not_processable(const store::Message& m);

// An operator's reprocess or resend of a received message, in one commit with its audit entry
// (`message.reprocess` / `message.resend` by `actor`, naming the jobs): reprocess queues its
// process job; resend queues a redeliver job for each mapped document to each connector
// `connectors_for(document)` names. Returns the jobs queued; none (and no audit entry) when
// there was nothing to resend.
store::Result<std::vector<std::int64_t>> requeue_message(
    store::Store& st, std::int64_t message_id, bool resend,
    const std::function<std::vector<std::string>(const store::Document&)>& connectors_for,
    std::string_view actor);

// The connectors `partner`'s routes name for `document`'s type: where a resend that names none
// delivers it (POST /api/messages/N/resend, `messages resend --config`).
std::vector<std::string> routed_connectors(const config::PartnerProfile& partner,
                                           const store::Document& document);

// Whether a dead job can simply run again: a delivery, a redelivery, an ERP status event, an
// async MDN, or an acknowledgement that no AS2 message carries (pushed over SFTP, or one that
// died before it was packed). What went to
// a partner over AS2, and outbound messages, are sent again through their own resend instead
// (resend_sent, resend_outbound), which moves their state back first.
store::Result<bool> revivable(store::Store& st, const store::Job& job);

// Dead jobs back to ready, now, with a full set of attempts: job `id`, or every revivable dead
// job whose kind starts with `kind_prefix` (at most kMaxRevived, newest first); a delivery's
// document leaves dead_letter. One commit with the audit entry (`job.retry` by `actor`, naming
// the jobs). Returns the jobs revived; not_found for an unknown id, conflict for one that is not
// dead or not revivable.
// `why_not` (optional): why a job that is revivable would only die again now (a delivery to a
// connector the running configuration does not have), empty when it would not; such a job is
// left dead, and asked for by id it is a conflict with that reason.
inline constexpr std::size_t kMaxRevived = 10000;
using WhyNot = std::function<std::string(const store::Job&)>;
store::Result<std::vector<std::int64_t>> retry_dead_jobs(store::Store& st,
                                                         std::optional<std::int64_t> id,
                                                         std::string_view kind_prefix,
                                                         std::string_view actor,
                                                         const WhyNot& why_not = {});

// For the running configuration: a dead delivery or status event whose connector it does not
// have (a misspelt route, a connector removed) dies again if revived. The reason, else empty.
std::string dies_again(const Live& live, const store::Job& job);

// Sends an outbound AS2 message (an acknowledgement) that failed, got a negative MDN or none
// by its deadline again: moves it back to "sending" (audited as as2.resend, plus `actor`'s
// action) and queues its send job. Returns the job id; not_found for an unknown id, conflict
// for one in another state (in flight, or settled by a good MDN).
store::Result<std::int64_t> resend_sent(store::Store& st, std::int64_t sent_id,
                                        std::string_view actor);

// The status of the outbound message an AS2 message we sent carries (as2_sent.carries
// "message:<id>"; nothing for an acknowledgement), after that sent message moved to `state`:
// mdn-ok -> sent (outbound_sent), mdn-failed / send-failed / mdn-timeout -> failed with `error`
// (from processing, sent or overdue). A partner's later verdict (accepted, rejected) stays.
store::Status settle_outbound(store::Store& st, const store::SentAs2& sent, std::string_view state,
                              std::string_view error, unsigned expect_ack_seconds);

// Inside a transaction: outbound message `id` moves from one of `from` to `to` (with `error`);
// when it moved, a notify_out job is queued in the same commit (the ERP's status event).
// Every status change of an outbound message, but for a resend's move back to processing,
// goes through here. True when it moved.
store::Result<bool> move_outbound(store::Store& st, std::int64_t id,
                                  std::initializer_list<std::string_view> from, std::string_view to,
                                  std::string_view error);

// Inside a transaction: the partner took outbound message `message_id`. It becomes sent (from
// processing or failed; a verdict that came first stays) and, when their profile expects
// acknowledgements within `expect_ack_seconds` (not 0), its ack_due job is queued at that
// deadline. True when the status changed.
store::Result<bool> outbound_sent(store::Store& st, std::int64_t message_id,
                                  unsigned expect_ack_seconds);

// Watches what was sent to partner `p` for acknowledgements under its profile as it is now:
// ack_due deadlines queued under a longer <expect-acks> come forward, and each message still
// sent without one (the window is new, or back) gets an ack_due job now, which queues itself
// again at its deadline when that is still ahead (JobRunner::ack_due). Run at start, after each
// reload, and by an ack_due job a reload ran under. Returns what to log.
std::vector<std::string> watch_sent_to(Core& core, const config::PartnerProfile& p);

// The statuses an outbound message fails from (a transport failure after a partner's verdict
// does not undo the verdict).
inline constexpr std::initializer_list<std::string_view> kOutboundFailsFrom = {
    store::message_status::processing, store::message_status::sent, store::message_status::overdue};

// Sends an outbound message pushed over SFTP whose sending failed for good again (its send_out
// job, the message back to processing, audited as message.resend by `actor`, in one commit;
// the same file name). conflict for a message that is not outbound, not failed, or went over
// AS2 (resend_sent does that, for its as2_sent row).
store::Result<std::int64_t> resend_outbound(store::Store& st, const store::Message& m,
                                            std::string_view actor);

class JobRunner {
 public:
  JobRunner(Core& core, unsigned threads);
  ~JobRunner();  // stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  void start();
  // Lets running jobs finish, then joins. A job interrupted by a crash instead is released as
  // stale at the next start and runs again.
  void stop();

  // Runs one claimed job to the end, its file drops recorded and on disk (public for tests).
  void run(const store::Job& job, const std::string& worker);

 private:
  void loop(std::string worker);
  // `next`, when not null, may receive the worker's next job, claimed in the same transaction
  // that records this one's outcome (a commit fewer per job); it stays empty when that
  // transaction fails.
  void run(const store::Job& job, const std::string& worker, std::optional<store::Job>* next);
  // Inside the transaction that records a job's outcome: completes it and claims the worker's
  // next job into `next` (when not null).
  store::Status complete_and_claim(const store::Job& job, const std::string& worker,
                                   std::optional<store::Job>* next);
  // Inside a transaction: claims the worker's next job into `next` (when not null).
  void claim_next(const std::string& worker, std::optional<store::Job>* next);
  // That transaction failed: nothing of it holds, the job runs again later.
  void retry_unrecorded(const store::Job& job, const store::Status& why,
                        std::optional<store::Job>* next);
  void process(const store::Job& job, const std::string& worker, std::optional<store::Job>* next);
  void deliver(const store::Job& job, const std::string& worker, std::string_view connector,
               bool again, std::optional<store::Job>* next);
  // What a delivery needs: read back from the store by a deliver job, or kept in memory by the
  // process job that mapped the document and delivers it to a local connector itself.
  struct Deliverable {
    std::int64_t document_id = 0;
    std::string canonical_id;
    std::int64_t received_at = 0;  // the message's, for the delivery latency
    connectors::Delivery delivery;
  };
  // Hands the document to the connector and records the outcome. Delivered: with the job's
  // completion and the worker's next claim in one transaction, or, with `record_later`, in
  // the worker's next transaction (see unrecorded_). Failed: retry or dead letter.
  void deliver(const store::Job& job, const std::string& worker, connectors::Connector& connector,
               std::string_view connector_name, const Deliverable& d,
               std::optional<store::Job>* next, bool record_later = false);
  // A delivery made: what records it.
  struct Delivered {
    store::Job job;
    store::DeliveryAttempt attempt;
    std::string canonical_id;
  };
  // Inside a transaction: the attempt, the document's status and the job's completion. A job
  // this worker no longer holds (released and claimed again) is left to its new holder.
  store::Status record(const Delivered& d);
  // Records unrecorded_ in a transaction of its own, claiming the worker's next job in it when
  // `next` is not null. On failure they stay unrecorded (and the jobs running) for a later try.
  store::Status record_unrecorded(const std::string& worker, std::optional<store::Job>* next);
  // Deliveries to local connectors this runner thread has made and not yet recorded: they are
  // recorded in its next transaction (the next process job's, or one of their own before any
  // other job and before the runner waits for work), so a message costs the runner one commit.
  // A crash before that leaves their jobs running, released at the next start and run again:
  // the same file written again under the same name.
  static thread_local std::vector<Delivered> unrecorded_;
  void send_mdn(const store::Job& job);
  // One thing we send a partner (over AS2 or SFTP push): what it carries and how its audit
  // entries are named.
  struct Outgoing {
    std::string payload;
    std::string file_name;  // SFTP push: the name on their server
    std::string content_type;
    std::string message_id;
    std::string subject;
    std::string carries;              // as2_sent.carries: "ack:<id>" or "message:<id>"
    std::string audit_prefix;         // "ack" or "outbound": <prefix>.sent, .failed, ...
    bool settles_message = false;     // the message's status follows (outbound messages)
    unsigned expect_ack_seconds = 0;  // outbound: the partner's <expect-acks within>
    connectors::RetryPolicy retry;    // the partner's <send-retry>
    nlohmann::json details;           // what the audit entries say about it
  };
  void send_ack(const store::Job& job, std::string_view ack_id);
  void send_outbound(const store::Job& job);
  void send_as2(const store::Job& job, const config::GatewayConfig& config,
                const config::PartnerProfile& partner, Outgoing out);
  void record_send_outcome(const store::Job& job, const store::SentAs2& sent,
                           const as2::SendOutcome& outcome, unsigned mdn_timeout_seconds,
                           const Outgoing& out);
  void mdn_timeout(const store::Job& job, std::string_view sent_id);
  void ack_due(const store::Job& job);
  std::optional<std::string> ack_due_under(const store::Job& job, const Live& live);
  void notify_outbound(const store::Job& job);
  // When `r` says the connector's open circuit breaker held the delivery (nothing was sent):
  // postpones the job until the cool-down is over and returns true. Should a reload or restart
  // have replaced that connector meanwhile (its breaker gone), the job is due again at once.
  bool held_by_breaker(const store::Job& job, std::string_view name,
                       const connectors::Connector& connector, const connectors::DeliveryResult& r);
  void post_via_connector(const store::Job& job, const std::string& name,
                          connectors::Connector& connector, const connectors::Delivery& delivery,
                          store::AuditEvent done,
                          const std::function<store::Status(const std::string&)>& on_dead,
                          const std::function<store::Status()>& also = {},
                          const std::function<store::Status(const std::string&)>& on_retry = {});
  void push_ack(const store::Job& job, const store::Ack& ack, const config::PartnerProfile& partner,
                const std::string& key_passphrase);
  void push_sftp(const store::Job& job, const config::PartnerProfile& partner,
                 const std::string& key_passphrase, Outgoing out);

  Core& core_;
  unsigned threads_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace edigate::gateway::daemon
