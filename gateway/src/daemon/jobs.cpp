#include "daemon/jobs.hpp"

#include <algorithm>
#include <charconv>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "connectors/circuit_breaker.hpp"
#include "connectors/retry_policy.hpp"
#include "daemon/counters.hpp"
#include "daemon/handlers.hpp"
#include "daemon/reconcile.hpp"
#include "edigate/as2/send.hpp"
#include "edigate/sftp/push.hpp"
#include "pipeline/process.hpp"
#include "store/control_numbers.hpp"
#include "store/sha256.hpp"
#include "store/store_json.hpp"
#include "thread_name.hpp"

namespace edigate::gateway::daemon {
namespace {

constexpr std::chrono::milliseconds kIdlePoll{1000};
// How often an idle runner looks for jobs still running under its name (see loop()).
constexpr std::chrono::seconds kStuckSweep{60};
constexpr std::int64_t kStoreRetryMs = 5000;   // a job whose store or spool access failed
constexpr std::int64_t kCircuitWaitMs = 2000;  // the least a held delivery waits to ask again

edi::AckType ack_type(config::AckType a) {
  switch (a) {
    case config::AckType::x997:
      return edi::AckType::x997;
    case config::AckType::x999:
      return edi::AckType::x999;
    case config::AckType::ta1:
      return edi::AckType::ta1;
    case config::AckType::contrl:
      return edi::AckType::contrl;
    default:
      return edi::AckType::automatic;
  }
}

std::string_view ack_name(edi::AckType t) {
  switch (t) {
    case edi::AckType::ta1:
      return "TA1";
    case edi::AckType::x997:
      return "997";
    case edi::AckType::x999:
      return "999";
    case edi::AckType::contrl:
      return "CONTRL";
    default:
      return "auto";
  }
}

// The Idempotency-Key of a document's deliveries: the same on every attempt; a resend (job
// `job_id` of kind redeliver:) gets a key of its own.
std::string idempotency_key(std::int64_t document_id, bool again, std::int64_t job_id) {
  std::string key = "edigate-document-" + std::to_string(document_id);
  if (again) key += "-resend-" + std::to_string(job_id);
  return key;
}

// The connector's view of a document: a file name and an Idempotency-Key that stay the same on
// every attempt (a resend gets a key of its own), the type and the partner.
connectors::Delivery delivery_of(const store::Message& message, std::int64_t document_id,
                                 std::size_t set_index, const std::string& type, bool again,
                                 const store::Job& job) {
  connectors::Delivery delivery;
  delivery.document_id =
      "message-" + std::to_string(message.id) + "-set-" + std::to_string(set_index);
  delivery.idempotency_key = idempotency_key(document_id, again, job.id);
  delivery.document_type = type;
  delivery.partner = message.partner;
  delivery.attempt = job.attempts;
  return delivery;
}

// A failed attempt: the job waits as the retry policy says, or goes to dead letter when the
// failure is final or the attempts are used up. Returns true when it went dead.
// Schedules the job's next attempt, or ends it dead (`dead` says which); the store's answer.
store::Status schedule_or_dead(store::Store& st, const store::Job& job, int failed_attempts,
                               bool final, const std::string& error,
                               std::chrono::seconds retry_after,
                               const connectors::RetryPolicy& policy, bool& dead) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto schedule = connectors::schedule_retry(policy, failed_attempts, retry_after, rng,
                                                   std::chrono::system_clock::now());
  dead = final || schedule.dead;
  if (dead) return st.dead(job, error);
  return st.retry(
      job, error,
      std::chrono::duration_cast<std::chrono::milliseconds>(schedule.next_run.time_since_epoch())
          .count());
}

// How often a connector's deliveries are tried (<http max-attempts>; the default for a file
// connector, or one a reload removed). `live` is held by the caller while it is read.
connectors::RetryPolicy retry_policy_of(const Live& live, std::string_view connector) {
  connectors::RetryPolicy policy;
  if (const auto* configured = live.config->find_connector(connector)) {
    if (const auto* h = std::get_if<config::HttpConnector>(&configured->target)) {
      policy.max_attempts = static_cast<int>(h->max_attempts);
    }
  }
  return policy;
}

// How often what we send a partner is tried (its <send-retry>; the defaults for a partner a
// reload removed).
connectors::RetryPolicy send_policy_of(const config::PartnerProfile* partner) {
  using config::PartnerProfile;
  const unsigned attempts = partner ? partner->send_attempts : PartnerProfile::kDefaultSendAttempts;
  const unsigned longest =
      partner ? partner->send_max_interval_seconds : PartnerProfile::kDefaultSendMaxIntervalSeconds;
  connectors::RetryPolicy policy;
  policy.max_attempts = static_cast<int>(attempts);
  policy.cap = std::chrono::seconds(longest);
  policy.base = std::chrono::seconds(std::min(longest, PartnerProfile::kFirstSendRetrySeconds));
  return policy;
}

// When to ask again for a delivery the connector's circuit breaker held: once its cool-down
// is over (`retry_after`), at least kCircuitWaitMs from now, spread by up to a quarter more so
// that a backlog held together does not come back all at once. Asking every kCircuitWaitMs
// instead cost every held job a claim and a postpone (two writes) that often, for nothing.
std::int64_t circuit_retry_at(const connectors::DeliveryResult& r) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::int64_t wait =
      std::max<std::int64_t>(kCircuitWaitMs, std::int64_t{r.retry_after.count()} * 1000);
  std::uniform_int_distribution<std::int64_t> spread(0, wait / 4);
  return now_ms() + wait + spread(rng);
}

// How we reach a partner's HTTPS endpoint: the certificates its profile trusts (empty: the
// system's) and our client certificate, when the station has one.
void use_partner_tls(as2::SendOptions& options, const config::GatewayConfig& config,
                     const config::PartnerAs2& their) {
  options.ca_file = their.tls_ca.string();
  if (config.as2) {
    options.client_cert_file = config.as2->tls_cert.string();
    options.client_key_file = config.as2->tls_key.string();
    options.client_key_passphrase = config.key_passphrase.str();
  }
}

// A job that could not read or write what it needs. Tried again in a while when waiting may
// mend it (a database or file system error: a full disk, a lock); dead with the reason when it
// will not (stored bytes that do not match their id, bytes or rows that are gone, over a limit,
// malformed): dead jobs are counted (edigate_queue_dead) and shown with their last error, for
// an operator to look at (`edigate store check`) and reprocess, instead of a retry every few
// seconds for ever.
bool waiting_mends(const store::Status& why) {
  switch (why.code) {
    case store::StoreErrc::corrupt:
    case store::StoreErrc::not_found:
    case store::StoreErrc::too_large:
    case store::StoreErrc::bad_input:
      return false;
    default:
      return true;
  }
}

// An envelope id as the reader gives it: X12 ISA fields are padded to their width with spaces,
// which a profile may or may not have written.
ExpectedParties::Party party(std::string qualifier, std::string id) {
  while (!id.empty() && id.back() == ' ') id.pop_back();
  while (!qualifier.empty() && qualifier.back() == ' ') qualifier.pop_back();
  return {std::move(qualifier), std::move(id)};
}

// Who may send this partner's interchanges: its profile's <x12>/<edifact> (else its mapping's
// their-ids), addressed to its mapping's our-ids.
ExpectedParties expected_parties(const config::PartnerProfile& p) {
  ExpectedParties e;
  const edi::mapping::Partner* m = p.mapping.get();
  if (p.x12) {
    e.x12_sender = party(p.x12->qualifier, p.x12->id);
  } else if (m != nullptr && m->x12) {
    e.x12_sender = party(m->x12->their_qualifier, m->x12->their_id);
  }
  if (p.edifact) {
    e.edifact_sender = party(p.edifact->qualifier, p.edifact->id);
  } else if (m != nullptr && m->edifact) {
    e.edifact_sender = party(m->edifact->their_qualifier, m->edifact->their_id);
  }
  if (m != nullptr && m->x12) e.x12_receiver = party(m->x12->our_qualifier, m->x12->our_id);
  if (m != nullptr && m->edifact) {
    e.edifact_receiver = party(m->edifact->our_qualifier, m->edifact->our_id);
  }
  return e;
}

// What the acks answer: the interchanges not refused; one rejected as a duplicate under the
// partner's policy says so (TA1 R 025, CONTRL UCI 4 26) rather than being acknowledged as new.
// Matched by position (one record per interchange read, in order); should that not hold, by
// their envelopes, and duplicates are then only marked on the documents.
ProcessResult acknowledged(const ProcessResult& result, const std::vector<std::string>& refused,
                           const std::set<std::size_t>& duplicates,
                           const ExpectedParties& parties) {
  ProcessResult out;
  const bool aligned = result.to_acknowledge.size() == result.interchanges.size();
  for (std::size_t i = 0; i < result.to_acknowledge.size(); ++i) {
    edi::ReceivedInterchange r = result.to_acknowledge[i];
    if (aligned ? !refused[i].empty() : !party_mismatch(r.header, parties).empty()) continue;
    if (aligned && duplicates.contains(i)) {
      r.problems.emplace_back(edi::ProblemCode::interchange_control_duplicate, edi::Severity::error,
                              edi::Location{},
                              "interchange control number " + r.header.control_number +
                                  " was received before from this sender");
    }
    out.to_acknowledge.push_back(std::move(r));
  }
  return out;
}

void store_failed(store::Store& st, const store::Job& job, const store::Status& why) {
  if (waiting_mends(why)) {
    (void)st.retry(job, why.message, now_ms() + kStoreRetryMs);
  } else {
    (void)st.dead(job, why.message);
  }
}

// The message a job is about; nothing when it has none, it is gone (the job dead) or the store
// cannot say now (the job tried again later).
std::optional<store::Message> message_of(store::Store& st, const store::Job& job) {
  if (!job.ref.message_id) {
    (void)st.dead(job, "a " + job.kind + " job without a message");
    return std::nullopt;
  }
  auto found = st.get_message(*job.ref.message_id);
  if (!found.ok()) {
    store_failed(st, job, found.status());
    return std::nullopt;
  }
  if (!found.value()) {
    (void)st.dead(job, "message " + std::to_string(*job.ref.message_id) + " does not exist");
  }
  return std::move(found.value());
}

// An outbound message's job that cannot succeed: dead, and the message failed with the reason,
// in one commit (so it can be seen, and sent again once mended).
void dead_outbound(store::Store& st, const store::Job& job, const std::string& why) {
  const store::Status done = st.batch([&]() -> store::Status {
    if (auto s = st.dead(job, why); !s.ok()) return s;
    auto changed = move_outbound(st, *job.ref.message_id, kOutboundFailsFrom,
                                 store::message_status::failed, why);
    return changed.ok() ? store::Status::success() : changed.status();
  });
  if (!done.ok()) (void)st.retry(job, done.message, now_ms() + kStoreRetryMs);
}

// A sending job that worked: its end and its audit entry in one commit. Should that fail, the
// job runs again a little later (and sends again, under the same Message-ID or file name)
// rather than stay running, unaudited, until the next start.
void finish_audited(store::Store& st, const store::Job& job, const store::AuditEvent& event,
                    const std::function<store::Status()>& also = {}) {
  const store::Status done = st.batch([&]() -> store::Status {
    if (auto a = st.append_audit(event); !a.ok()) return a.status();
    if (also) {
      if (auto s = also(); !s.ok()) return s;
    }
    return st.complete(job);
  });
  if (!done.ok()) store_failed(st, job, done);
}

// A sending job that failed: its next attempt scheduled with `retry_event` audited (each
// failed attempt is in the audit log, as a document delivery's is), or its end as dead
// together with what `on_dead` records (the audit entry, a state), in one commit; tried again
// a little later if that commit fails.
void fail_audited(store::Store& st, const store::Job& job, bool final, const std::string& error,
                  const connectors::RetryPolicy& policy, const store::AuditEvent& retry_event,
                  const std::function<store::Status()>& on_dead) {
  bool dead = false;
  const store::Status done = st.batch([&]() -> store::Status {
    if (auto s = schedule_or_dead(st, job, job.attempts, final, error, {}, policy, dead); !s.ok()) {
      return s;
    }
    if (dead) return on_dead();
    return st.append_audit(retry_event).status();
  });
  if (!done.ok()) store_failed(st, job, done);
}

}  // namespace

std::string not_processable(const store::Message& m) {
  if (m.direction == store::Direction::outbound) {
    return "message " + std::to_string(m.id) + " is outbound: it is not processed (resend it)";
  }
  // Refused at receipt: its payload is the request as received (no raw copy beside it, no
  // content type of an unwrapped payload).
  if (m.transport == "as2" && m.raw_id.empty() && m.content_type.empty() &&
      m.status == store::message_status::failed) {
    return "message " + std::to_string(m.id) + " was refused at receipt (" +
           m.error.substr(0, 200) +
           "): there is no unwrapped payload to process; the partner must send it again";
  }
  return {};
}

store::Result<std::vector<std::int64_t>> requeue_message(
    store::Store& st, std::int64_t message_id, bool resend,
    const std::function<std::vector<std::string>(const store::Document&)>& connectors_for,
    std::string_view actor) {
  std::vector<std::int64_t> jobs;
  const store::Status done = st.batch([&]() -> store::Status {
    jobs.clear();  // a batch can run again
    if (!resend) {
      auto job = st.enqueue(kProcessJob, store::JobRef{message_id, std::nullopt}, now_ms());
      if (!job.ok()) return job.status();
      jobs.push_back(job.value());
    } else {
      auto documents = st.list_documents(message_id);
      if (!documents.ok()) return documents.status();
      for (const store::Document& d : documents.value()) {
        if (d.canonical_id.empty()) continue;  // not mapped: nothing to deliver
        for (const std::string& connector : connectors_for(d)) {
          auto job = st.enqueue(std::string(kRedeliverJob) + connector,
                                store::JobRef{message_id, d.id}, now_ms());
          if (!job.ok()) return job.status();
          jobs.push_back(job.value());
        }
      }
    }
    if (jobs.empty()) return store::Status::success();
    auto audited =
        st.append_audit({std::string(actor), resend ? "message.resend" : "message.reprocess",
                         "message:" + std::to_string(message_id),
                         store::json_text(nlohmann::json{{"jobs", jobs}})});
    return audited.ok() ? store::Status::success() : audited.status();
  });
  if (!done.ok()) return done;
  return jobs;
}

store::Result<std::int64_t> resend_sent(store::Store& st, std::int64_t sent_id,
                                        std::string_view actor) {
  namespace state = store::as2_sent_state;
  std::int64_t job_id = 0;
  const store::Status done = st.batch([&]() -> store::Status {
    auto found = st.get_as2_sent(sent_id);
    if (!found.ok()) return found.status();
    if (!found.value()) {
      return store::Status::error(store::StoreErrc::not_found,
                                  "no sent AS2 message " + std::to_string(sent_id));
    }
    const store::SentAs2& sent = *found.value();
    constexpr std::string_view kAck = "ack:";
    constexpr std::string_view kMessage = "message:";
    const bool outbound = std::string_view(sent.carries).starts_with(kMessage);
    if (!outbound && !std::string_view(sent.carries).starts_with(kAck)) {
      return store::Status::error(store::StoreErrc::conflict,
                                  "sent AS2 message " + std::to_string(sent_id) + " carries " +
                                      sent.carries + ", which cannot be sent again");
    }
    auto moved = st.update_as2_sent(sent_id, {state::sending, "", "", "", false, 0});
    if (!moved.ok()) return moved.status();
    if (!moved.value()) {
      return store::Status::error(
          store::StoreErrc::conflict,
          "sent AS2 message " + std::to_string(sent_id) + " is " + sent.state +
              "; only send-failed, mdn-failed and mdn-timeout ones can be sent again");
    }
    auto job = st.enqueue(outbound ? std::string(kSendOutJob)
                                   : std::string(kSendAckJob) + sent.carries.substr(kAck.size()),
                          store::JobRef{sent.message_id, std::nullopt}, now_ms());
    if (!job.ok()) return job.status();
    job_id = job.value();
    return st
        .append_audit({std::string(actor), "as2.resend_requested",
                       "message:" + std::to_string(sent.message_id),
                       store::json_text({{"as2_sent", sent_id}, {"job", job_id}})})
        .status();
  });
  if (!done.ok()) return done;
  return job_id;
}

store::Status settle_outbound(store::Store& st, const store::SentAs2& sent, std::string_view state,
                              std::string_view error, unsigned expect_ack_seconds) {
  constexpr std::string_view kMessage = "message:";
  if (!std::string_view(sent.carries).starts_with(kMessage)) return store::Status::success();
  auto changed = state == store::as2_sent_state::mdn_ok
                     ? outbound_sent(st, sent.message_id, expect_ack_seconds)
                     : move_outbound(st, sent.message_id, kOutboundFailsFrom,
                                     store::message_status::failed, error);
  return changed.ok() ? store::Status::success() : changed.status();
}

store::Result<bool> move_outbound(store::Store& st, std::int64_t id,
                                  std::initializer_list<std::string_view> from, std::string_view to,
                                  std::string_view error) {
  auto changed = st.change_message_status(id, from, to, error);
  if (!changed.ok() || !changed.value()) return changed;
  // The status it tells of goes with the job (notify_out:<status>), so that each attempt
  // posts under the same key even when the message has moved on since.
  auto job = st.enqueue(std::string(kNotifyOutJob) + ":" + std::string(to),
                        store::JobRef{id, std::nullopt}, now_ms());
  if (!job.ok()) return job.status();
  return true;
}

std::vector<std::string> routed_connectors(const config::PartnerProfile& partner,
                                           const store::Document& document) {
  std::vector<std::string> connectors;
  for (const config::Route& route : partner.routes) {
    if (to_string(route.document) == document.type) connectors.push_back(route.connector);
  }
  return connectors;
}

std::vector<std::string> watch_sent_to(Core& core, const config::PartnerProfile& p) {
  std::vector<std::string> said;
  if (p.expect_ack_seconds == 0) return said;
  store::Store& st = core.store();
  // A window shortened since: deadlines queued under the longer one come forward.
  auto moved = st.bring_forward(p.id, store::message_status::sent, kAckDueJob,
                                std::int64_t{p.expect_ack_seconds} * 1000);
  if (moved.ok() && moved.value() > 0) {
    said.push_back(std::to_string(moved.value()) + " acknowledgement deadline(s) of " + p.id +
                   " brought forward to its shorter <expect-acks>");
    core.wake();
  }
  // Listed in the commit that queues the jobs: a reload and a job watching the same partner at
  // once take turns, and the second finds the first one's jobs.
  std::size_t watched = 0;
  const store::Status queued = st.batch([&]() -> store::Status {
    watched = 0;
    auto unwatched = st.list_outbound_without_job(p.id, store::message_status::sent, kAckDueJob);
    if (!unwatched.ok()) return unwatched.status();
    for (const std::int64_t id : unwatched.value()) {
      auto job = st.enqueue(kAckDueJob, store::JobRef{id, std::nullopt}, now_ms());
      if (!job.ok()) return job.status();
    }
    watched = unwatched.value().size();
    return store::Status::success();
  });
  if (!queued.ok()) {
    said.push_back("warning: messages sent to " + p.id +
                   " not watched for acknowledgements: " + queued.message);
  } else if (watched > 0) {
    said.push_back(std::to_string(watched) + " message(s) sent to " + p.id +
                   " before its <expect-acks> now watched");
    core.wake();
  }
  return said;
}

store::Result<bool> outbound_sent(store::Store& st, std::int64_t message_id,
                                  unsigned expect_ack_seconds) {
  namespace ms = store::message_status;
  auto changed = move_outbound(st, message_id, {ms::processing, ms::failed}, ms::sent, "");
  if (!changed.ok() || !changed.value()) return changed;
  // Queued even when the partner is not watched (the window the send started with is 0): the
  // job reads the window in force when it runs, so a reload that adds <expect-acks> while this
  // message was being sent still watches it (one that was not watched ends at once).
  auto job = st.enqueue(kAckDueJob, store::JobRef{message_id, std::nullopt},
                        now_ms() + std::int64_t{expect_ack_seconds} * 1000);
  if (!job.ok()) return job.status();
  return true;
}

store::Result<bool> revivable(store::Store& st, const store::Job& job) {
  const std::string_view kind = job.kind;
  if (kind.starts_with(kDeliverJob) || kind.starts_with(kRedeliverJob) ||
      kind.starts_with(kNotifyOutJob) || kind == kSendMdnJob) {
    return true;
  }
  if (!kind.starts_with(kSendAckJob) || !job.ref.message_id) return false;
  // An acknowledgement sent over AS2 has its as2_sent row, whose state a resend moves back.
  store::SentAs2Filter filter;
  filter.message_id = job.ref.message_id;
  filter.limit = store::kMaxListLimit;  // every one the message has
  auto sent = st.list_as2_sent(filter);
  if (!sent.ok()) return sent.status();
  const std::string carries = "ack:" + std::string(kind.substr(kSendAckJob.size()));
  for (const store::SentAs2& s : sent.value()) {
    if (s.carries == carries) return false;
  }
  return true;
}

std::string dies_again(const Live& live, const store::Job& job) {
  const std::string_view kind = job.kind;
  std::string connector;
  if (kind.starts_with(kDeliverJob)) {
    connector = kind.substr(kDeliverJob.size());
  } else if (kind.starts_with(kRedeliverJob)) {
    connector = kind.substr(kRedeliverJob.size());
  } else if (kind.starts_with(kNotifyOutJob)) {  // notify_out:<status>
    connector = live.config->outbound_status_connector;
    if (connector.empty()) return {};  // not asked for now: it ends at once, nothing to revive for
  } else {
    return {};
  }
  if (live.connectors.contains(connector)) return {};
  return "no connector '" + connector +
         "' in the running configuration: it would die again (add the connector and reload, "
         "or resend the message to another)";
}

store::Result<std::vector<std::int64_t>> retry_dead_jobs(store::Store& st,
                                                         std::optional<std::int64_t> id,
                                                         std::string_view kind_prefix,
                                                         std::string_view actor,
                                                         const WhyNot& why_not) {
  std::vector<std::int64_t> revived;
  const store::Status done = st.batch([&]() -> store::Status {
    revived.clear();  // a batch can run again
    std::vector<store::Job> dead;
    if (id) {
      auto job = st.get_job(*id);
      if (!job.ok()) return job.status();
      if (!job.value()) {
        return store::Status::error(store::StoreErrc::not_found, "no job " + std::to_string(*id));
      }
      if (job.value()->state != store::JobState::dead) {
        return store::Status::error(store::StoreErrc::conflict,
                                    "job " + std::to_string(*id) + " is " +
                                        std::string(store::to_string(job.value()->state)) +
                                        ", not dead");
      }
      dead.push_back(*job.value());
      auto can = revivable(st, dead.front());
      if (!can.ok()) return can.status();
      if (const std::string why = why_not ? why_not(dead.front()) : "";
          can.value() && !why.empty()) {
        return store::Status::error(store::StoreErrc::conflict, why);
      }
      if (!can.value()) {
        return store::Status::error(
            store::StoreErrc::conflict,
            "a dead " + dead.front().kind +
                " job is not revived: an AS2 message we sent is sent again with messages "
                "resend-sent or POST /api/sent/<id>/resend, an outbound message pushed over "
                "SFTP or HTTPS with POST /api/messages/<id>/resend, a message processed again "
                "with reprocess");
      }
    } else {
      // Listed by the kinds that may be revivable, so that dead jobs of other kinds do not use
      // the limit (dead acknowledgements sent over AS2 still may: they share send_ack:).
      for (std::string_view kind :
           {kDeliverJob, kRedeliverJob, kNotifyOutJob, kSendMdnJob, kSendAckJob}) {
        const std::string_view prefix = kind_prefix.starts_with(kind)   ? kind_prefix
                                        : kind.starts_with(kind_prefix) ? kind
                                                                        : std::string_view();
        if (prefix.empty() || dead.size() >= kMaxRevived) continue;
        auto jobs = st.list_dead_jobs(prefix, kMaxRevived - dead.size());
        if (!jobs.ok()) return jobs.status();
        for (const store::Job& j : jobs.value()) {
          auto can = revivable(st, j);
          if (!can.ok()) return can.status();
          if (can.value() && (!why_not || why_not(j).empty())) dead.push_back(j);
        }
      }
    }
    for (const store::Job& j : dead) {
      auto moved = st.revive_job(j.id, now_ms());
      if (!moved.ok()) return moved.status();
      if (!moved.value()) continue;
      revived.push_back(j.id);
      if (!j.ref.document_id || !j.ref.message_id) continue;
      // The document leaves dead_letter unless another delivery of it is still dead.
      auto jobs = st.list_jobs(*j.ref.message_id);
      if (!jobs.ok()) return jobs.status();
      bool still_dead = false;
      for (const store::Job& other : jobs.value()) {
        still_dead = still_dead || (other.ref.document_id == j.ref.document_id &&
                                    other.state == store::JobState::dead && other.id != j.id);
      }
      if (still_dead) continue;
      auto docs = st.list_documents(*j.ref.message_id);
      if (!docs.ok()) return docs.status();
      for (const store::Document& d : docs.value()) {
        if (d.id != *j.ref.document_id || d.status != "dead_letter") continue;
        if (auto s = st.set_document_status(d.id, "mapped", d.canonical_id, ""); !s.ok()) return s;
      }
    }
    if (revived.empty()) return store::Status::success();
    return st
        .append_audit(
            {std::string(actor), "job.retry", "jobs",
             store::json_text(
                 {{"jobs", revived}, {"kind", id ? dead.front().kind : std::string(kind_prefix)}})})
        .status();
  });
  if (!done.ok()) return done;
  return revived;
}

store::Result<std::int64_t> resend_outbound(store::Store& st, const store::Message& m,
                                            std::string_view actor) {
  if (m.direction != store::Direction::outbound || m.status != store::message_status::failed) {
    return store::Status::error(store::StoreErrc::conflict,
                                "message " + std::to_string(m.id) + " is " + m.status +
                                    "; only an outbound message that failed is sent again here");
  }
  if (m.transport == "as2") {  // its AS2 state (as2_sent) decides, and moves back to sending
    return store::Status::error(store::StoreErrc::conflict,
                                "message " + std::to_string(m.id) +
                                    " went over AS2: resend its sent message (POST "
                                    "/api/sent/<id>/resend, the id in its as2_sent)");
  }
  std::int64_t job_id = 0;
  const store::Status done = st.batch([&]() -> store::Status {
    // Only from failed, in this commit: of two resends at once, one starts a job.
    auto changed = st.change_message_status(m.id, {store::message_status::failed},
                                            store::message_status::processing, "");
    if (!changed.ok()) return changed.status();
    if (!changed.value()) {
      return store::Status::error(store::StoreErrc::conflict,
                                  "message " + std::to_string(m.id) + " is no longer failed");
    }
    auto job = st.enqueue(kSendOutJob, store::JobRef{m.id, std::nullopt}, now_ms());
    if (!job.ok()) return job.status();
    job_id = job.value();
    return st
        .append_audit({std::string(actor), "message.resend", "message:" + std::to_string(m.id),
                       store::json_text({{"job", job_id}})})
        .status();
  });
  if (!done.ok()) return done;
  return job_id;
}

thread_local std::vector<JobRunner::Delivered> JobRunner::unrecorded_;

JobRunner::JobRunner(Core& core, unsigned threads) : core_(core), threads_(threads) {}

JobRunner::~JobRunner() { stop(); }

void JobRunner::start() {
  // Jobs left running by a process that died are ready again: this process owns them now.
  (void)core_.store().release_stale(now_ms() + 1);
  for (unsigned i = 0; i < threads_; ++i) {
    workers_.emplace_back([this, i] {
      name_this_thread("job-runner-" + std::to_string(i));
      loop("worker-" + std::to_string(i));
    });
  }
}

void JobRunner::stop() {
  stopping_ = true;
  core_.wake_all();
  for (std::thread& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
}

void JobRunner::loop(std::string worker) {
  std::optional<store::Job> next;
  auto last_sweep = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (!next) {
      const std::uint64_t token = core_.work_token();
      if (!unrecorded_.empty()) {
        if (record_unrecorded(worker, &next).ok() && next) continue;
        // Nothing else to do: what this runner committed goes to disk before it waits.
        (void)core_.store().sync();
      } else if (auto claimed = core_.store().claim(worker, now_ms());
                 claimed.ok() && claimed.value()) {
        next = std::move(claimed.value());
        continue;
      }
      // Idle, with nothing claimed and nothing unrecorded, this runner holds no job: one still
      // running under its name is one whose outcome could not be written (the store failed
      // then, and the write that would have given the job back failed too). Without this it
      // would wait for the next restart.
      if (unrecorded_.empty() && std::chrono::steady_clock::now() - last_sweep >= kStuckSweep) {
        last_sweep = std::chrono::steady_clock::now();
        if (auto released = core_.store().release_worker(worker);
            released.ok() && released.value() > 0) {
          counters::jobs_released(core_.metrics()).add(static_cast<double>(released.value()));
          (void)core_.store().append_audit({"daemon", "job.released", "worker:" + worker,
                                            store::json_text({{"jobs", released.value()}})});
          core_.wake();
        }
      }
      core_.wait_for_work(token, kIdlePoll);
      continue;
    }
    // When there is more, pass the wake-up on to one idle runner while this one works (not
    // otherwise: a runner woken for nothing costs two context switches and a claim).
    if (auto more = core_.store().has_ready_job(now_ms()); !more.ok() || more.value()) {
      core_.wake();
    }
    const store::Job job = std::move(*next);
    next.reset();
    run(job, worker, &next);
  }
  // A job claimed for this worker when it was told to stop stays "running" and is released as
  // stale at the next start, like one interrupted by a crash.
  (void)record_unrecorded(worker, nullptr);
  (void)core_.store().sync();
}

namespace {

// The document's one status for all its connectors once a delivery job of it (`ended`) has
// ended: left as it is while another delivery of it is queued or running; dead_letter when some
// connector's latest attempt ended in dead letter and was not delivered since (a status already
// dead_letter keeps its error; the document is read only then, which is rare); delivered
// otherwise.
store::Status settle_document(store::Store& st, std::int64_t message_id, std::int64_t document_id,
                              const std::string& canonical_id, std::int64_t ended) {
  auto standing = st.delivery_standing(document_id, ended);
  if (!standing.ok()) return standing.status();
  if (standing.value().pending) return store::Status::success();
  if (!standing.value().dead) {
    return st.set_document_status(document_id, "delivered", canonical_id, "");
  }
  auto docs = st.list_documents(message_id);
  if (!docs.ok()) return docs.status();
  for (const store::Document& doc : docs.value()) {
    if (doc.id != document_id || doc.status == "dead_letter") continue;
    return st.set_document_status(document_id, "dead_letter", canonical_id,
                                  "a delivery of it is in dead letter (edigate messages show)");
  }
  return store::Status::success();
}

}  // namespace

store::Status JobRunner::record(const Delivered& d) {
  store::Store& st = core_.store();
  if (auto s = st.complete(d.job); !s.ok()) {
    return s.code == store::StoreErrc::conflict ? store::Status::success() : s;
  }
  if (auto s = st.add_delivery_attempt(d.attempt); !s.ok()) return s;
  return settle_document(st, d.job.ref.message_id.value_or(0), d.attempt.document_id,
                         d.canonical_id, d.job.id);
}

store::Status JobRunner::record_unrecorded(const std::string& worker,
                                           std::optional<store::Job>* next) {
  if (unrecorded_.empty()) return store::Status::success();
  const store::Status written = core_.store().batch_redoable([&]() -> store::Status {
    for (const Delivered& d : unrecorded_) {
      if (auto s = record(d); !s.ok()) return s;
    }
    claim_next(worker, next);
    return store::Status::success();
  });
  if (written.ok()) {
    unrecorded_.clear();
  } else if (next != nullptr) {
    next->reset();  // its claim was rolled back with the rest
  }
  return written;
}

store::Status JobRunner::complete_and_claim(const store::Job& job, const std::string& worker,
                                            std::optional<store::Job>* next) {
  store::Store& st = core_.store();
  if (auto s = st.complete(job); !s.ok()) return s;
  claim_next(worker, next);
  return store::Status::success();
}

void JobRunner::claim_next(const std::string& worker, std::optional<store::Job>* next) {
  if (next == nullptr || stopping_) return;
  // A failed claim is no reason to undo the transaction's work: the loop claims again.
  auto claimed = core_.store().claim(worker, now_ms());
  if (claimed.ok() && claimed.value()) *next = std::move(claimed.value());
}

void JobRunner::retry_unrecorded(const store::Job& job, const store::Status& why,
                                 std::optional<store::Job>* next) {
  if (next != nullptr) next->reset();  // its claim was rolled back with the rest
  store_failed(core_.store(), job, why);
}

void JobRunner::run(const store::Job& job, const std::string& worker) {
  run(job, worker, nullptr);
  // Outside a runner's loop nothing records this thread's file drops later: now, on disk.
  (void)record_unrecorded(worker, nullptr);
  (void)core_.store().sync();
}

void JobRunner::run(const store::Job& job, const std::string& worker,
                    std::optional<store::Job>* next) {
  core_.metrics()
      .counter("edigate_jobs_started_total", "Jobs claimed by a worker",
               {{"kind", job.kind.substr(0, job.kind.find(':'))}})
      .add();
  if (job.kind == kProcessJob) return process(job, worker, next);
  // Any other job commits on its own: deliveries made before it are recorded first.
  (void)record_unrecorded(worker, nullptr);
  if (job.kind == kSendMdnJob) return send_mdn(job);
  if (job.kind == kSendOutJob) return send_outbound(job);
  if (job.kind.starts_with(kSendAckJob)) {
    return send_ack(job, std::string_view(job.kind).substr(kSendAckJob.size()));
  }
  if (job.kind.starts_with(kMdnTimeoutJob)) {
    return mdn_timeout(job, std::string_view(job.kind).substr(kMdnTimeoutJob.size()));
  }
  if (job.kind == kAckDueJob) return ack_due(job);
  if (job.kind.starts_with(kNotifyOutJob)) return notify_outbound(job);
  if (job.kind.starts_with(kDeliverJob)) {
    return deliver(job, worker, std::string_view(job.kind).substr(kDeliverJob.size()), false, next);
  }
  if (job.kind.starts_with(kRedeliverJob)) {
    return deliver(job, worker, std::string_view(job.kind).substr(kRedeliverJob.size()), true,
                   next);
  }
  (void)core_.store().dead(job, "unknown job kind " + job.kind);
}

void JobRunner::process(const store::Job& job, const std::string& worker,
                        std::optional<store::Job>* next) {
  store::Store& st = core_.store();
  const auto live = core_.live();
  if (!job.ref.message_id) {
    (void)st.dead(job, "a process job without a message");
    return;
  }
  const std::int64_t message_id = *job.ref.message_id;
  auto found = st.get_message(message_id);
  if (!found.ok()) {
    store_failed(st, job, found.status());
    return;
  }
  if (!found.value()) {
    (void)st.dead(job, "message " + std::to_string(message_id) + " does not exist");
    return;
  }
  const store::Message& message = *found.value();
  if (const std::string why = not_processable(message); !why.empty()) {
    // Its payload is the ERP's JSON or the request as received, not EDI: processing it would
    // fail it with "no interchange" and overwrite what was recorded. Reprocess refuses such
    // messages; a job queued anyway (by an older CLI, say) ends here with the message as it was.
    (void)st.dead(job, why);
    return;
  }
  const config::PartnerProfile* partner = live->partners->by_id(message.partner);
  if (partner == nullptr || partner->mapping == nullptr) {
    const std::string why = partner == nullptr ? "no partner profile for '" + message.partner + "'"
                                               : "partner " + partner->id + " has no mapping dir";
    (void)st.set_message_status(message_id, store::message_status::failed, why);
    (void)st.dead(job, why);
    return;
  }
  auto payload = core_.blobs().read(message.payload_id);
  if (!payload.ok()) {
    store_failed(st, job, payload.status());
    return;
  }
  // No "processing" status of its own: one commit fewer per message, and the status goes from
  // received to processed or failed in the commit that records the outcome.

  ProcessOptions options;
  options.send_acks = partner->acks != config::AckType::none;
  options.ack_type = ack_type(partner->acks);
  options.received_at = store::iso_time(message.created_at);
  options.message_id = std::to_string(message_id);
  options.partner_id = partner->id;
  options.limits = live->config->limits.edi;
  const ProcessResult result = process_edi(payload.value(), *partner->mapping, options);
  // An interchange from someone else than this partner (by its envelope), or not addressed to
  // us: none of its sets is delivered and nothing acknowledges it (an ack would go to whoever
  // the envelope names).
  const ExpectedParties parties = expected_parties(*partner);
  std::vector<std::string> refused(result.interchanges.size());
  std::size_t refused_count = 0;
  for (std::size_t i = 0; i < result.interchanges.size(); ++i) {
    refused[i] = party_mismatch(result.interchanges[i].standard, result.interchanges[i], parties);
    if (!refused[i].empty()) ++refused_count;
  }
  const auto first_refused = std::find_if(refused.begin(), refused.end(),
                                          [](const std::string& why) { return !why.empty(); });
  // The partner's acknowledgements of what we sent, if the payload holds any.
  bool holds_acks = payload.value().find("TA1") != std::string::npos;
  for (const ProcessedSet& set : result.sets) {
    holds_acks = holds_acks || set.transaction == "997" || set.transaction == "999" ||
                 set.transaction == "CONTRL";
  }
  const edi::AckReport acks_read = holds_acks ? edi::read_acks(payload.value()) : edi::AckReport{};

  // Large outputs go to spool files first (fsync'd on their own); small ones are database
  // blobs recorded with every row in one transaction.
  std::vector<std::string> canonical(result.sets.size());
  std::vector<store::PendingBlob> blobs;
  for (const ProcessedSet& set : result.sets) {
    if (!set.accepted || set.json.empty()) continue;
    auto put = core_.blobs().prepare(set.json);
    if (!put.ok()) {
      store_failed(st, job, put.status());
      return;
    }
    canonical[set.index] = put.value().id;
    blobs.push_back(std::move(put.value()));
  }
  const bool send_acks = (partner->ack_send == config::AckSend::as2 && partner->as2 &&
                          !partner->as2->url.empty() && live->config->as2) ||
                         (partner->ack_send == config::AckSend::sftp && partner->sftp_push);
  std::string error;
  // Deliveries to local connectors (file drops) this runner makes itself once the documents
  // are recorded: queued already claimed by this worker, so a crash before they complete
  // leaves them to run again like any queued delivery.
  struct DeliverNow {
    store::Job job;
    const ProcessedSet* set = nullptr;
    std::int64_t document_id = 0;
    connectors::Connector* connector = nullptr;
  };
  std::vector<DeliverNow> deliver_now;
  // Envelope errors outside the sets (an interchange too broken to open, skipped; a group or
  // interchange trailer that does not match) are the message's: failed when nothing could be
  // read (its first error, else its first problem), else processed with the first of them
  // noted, so that a skipped interchange beside good ones is not silent.
  const auto is_error = [](const edi::Problem& p) { return p.is_error(); };
  const auto first_error = std::find_if(result.problems.begin(), result.problems.end(), is_error);
  std::string note;
  if (!result.readable()) {
    error = first_error != result.problems.end() ? edi::to_string(*first_error)
            : result.problems.empty()            ? "no interchange found"
                                                 : edi::to_string(result.problems.front());
    note = error;
  } else if (refused_count == result.interchanges.size()) {
    error = *first_refused;
    note = error;
  } else if (refused_count > 0) {
    note = std::to_string(refused_count) + " interchange(s) refused, the first: " + *first_refused;
  } else if (first_error != result.problems.end()) {
    note = std::to_string(std::count_if(first_error, result.problems.end(), is_error)) +
           " envelope error(s) outside the transaction sets, the first: " +
           edi::to_string(*first_error);
  }

  // A message processed before (reprocess) may have documents its connectors already have.
  const bool processed_before = message.status != store::message_status::received &&
                                message.status != store::message_status::processing;
  // Redoable: lost in a crash, the job (still claimed) runs again and does the same, and the
  // files it drops are written under the same names again.
  bool queued_for_others = false;  // jobs another runner may take (HTTP deliveries, acks)
  const store::Status written = st.batch_redoable([&]() -> store::Status {
    deliver_now.clear();
    queued_for_others = false;
    for (const Delivered& d : unrecorded_) {
      if (auto s = record(d); !s.ok()) return s;
    }
    for (const store::PendingBlob& blob : blobs) {
      if (auto s = core_.blobs().record(blob); !s.ok()) return s;
    }
    // Processed again: the canonical JSON each document had (by set index), to say when a
    // document the connectors already have maps differently now.
    std::map<int, std::string> canonical_before;
    if (processed_before) {
      auto earlier = st.list_documents(message_id);
      if (!earlier.ok()) return earlier.status();
      for (const store::Document& e : earlier.value())
        canonical_before[e.set_index] = e.canonical_id;
    }
    // Interchanges whose control number was seen before from the same sender (per partner
    // policy), by their index in the file: in an earlier message, or earlier in this one.
    // Another sender's interchange with the same number is not one.
    std::set<std::size_t> duplicates;
    std::set<std::string> in_this_message;
    for (std::size_t i = 0; i < result.interchanges.size(); ++i) {
      const ProcessedInterchange& ic = result.interchanges[i];
      const std::string sender = ic.sender_qualifier + ":" + ic.sender_id;
      if (!refused[i].empty()) {
        if (auto audited = st.append_audit({"pipeline", "interchange.refused",
                                            "message:" + std::to_string(message_id),
                                            store::json_text({{"sender", sender},
                                                              {"control", ic.control_number},
                                                              {"reason", refused[i]}})});
            !audited.ok()) {
          return audited.status();
        }
        continue;
      }
      auto first = st.record_interchange(partner->id, sender, ic.control_number, message_id);
      if (!first.ok()) return first.status();
      if (first.value() && in_this_message.insert(sender + "\n" + ic.control_number).second) {
        continue;
      }
      // Inside this transaction: whatever fails here fails the whole step, which runs again.
      if (auto audited = st.append_audit(
              {"pipeline", "interchange.duplicate", "message:" + std::to_string(message_id),
               store::json_text({{"sender", sender}, {"control", ic.control_number}})});
          !audited.ok()) {
        return audited.status();
      }
      if (partner->duplicates == config::DuplicatePolicy::reject) duplicates.insert(i);
    }
    for (const ProcessedSet& set : result.sets) {
      store::NewDocument d = new_document(message_id, set);
      if (set.interchange < refused.size() && !refused[set.interchange].empty()) {
        d.status = "rejected";
        d.error = refused[set.interchange];
      } else if (duplicates.contains(set.interchange)) {
        d.status = "duplicate";
      } else if (!set.accepted) {
        d.status = "rejected";
        d.error = set.envelope_rejected;
        for (const edi::Problem& p : set.problems) {
          if (p.is_error()) {
            d.error = edi::to_string(p);
            break;
          }
        }
      } else if (canonical[set.index].empty()) {
        d.status = "unmapped";
      } else {
        d.status = "mapped";
        d.canonical_id = canonical[set.index];
      }
      bool routed = false;
      if (d.status == "mapped") {
        for (const config::Route& route : partner->routes) {
          routed = routed || to_string(route.document) == set.document_type;
        }
        if (!routed) d.status = "unrouted";
      }
      auto document_id = st.add_document(d);
      if (!document_id.ok()) return document_id.status();
      if (!routed) continue;
      bool queued = false, delivered_before = false;
      for (const config::Route& route : partner->routes) {
        if (to_string(route.document) != set.document_type) continue;
        if (processed_before) {
          // Processed again (reprocess): a connector that already has the document does not
          // get it again, the same for file drops and HTTP deliveries. Sending it again is
          // the operator's call (resend: a key of its own), also when the maps changed since:
          // the ERP may have acted on what it got, and a second order under a new key is not
          // something to make by default.
          auto done = st.was_delivered(document_id.value(), route.connector);
          if (!done.ok()) return done.status();
          if (done.value()) {
            delivered_before = true;
            continue;
          }
        }
        queued = true;
        const std::string kind = std::string(kDeliverJob) + route.connector;
        const store::JobRef ref{message_id, document_id.value()};
        const auto target = live->connectors.find(route.connector);
        if (target != live->connectors.end() && target->second->local()) {
          auto claimed = st.enqueue_claimed(kind, ref, worker, now_ms());
          if (!claimed.ok()) return claimed.status();
          deliver_now.push_back(
              {std::move(claimed.value()), &set, document_id.value(), target->second.get()});
          continue;
        }
        auto enqueued = st.enqueue(kind, ref, now_ms());
        if (!enqueued.ok()) return enqueued.status();
        queued_for_others = true;
      }
      if (delivered_before && !queued) {
        const auto before = canonical_before.find(static_cast<int>(set.index));
        const bool remapped = before != canonical_before.end() && !before->second.empty() &&
                              before->second != d.canonical_id;
        if (auto s = st.set_document_status(
                document_id.value(), "delivered", d.canonical_id,
                remapped ? "maps differently since it was delivered: resend to deliver this "
                           "mapping"
                         : "");
            !s.ok()) {
          return s;
        }
      }
    }
    // The partner's acks of what we sent, unless an interchange here was refused, or one was
    // rejected and our TA1/CONTRL tells them so: the payload's acks are read as a whole, and
    // one in an interchange not the partner's, or in one they are told to send again, must
    // not settle our documents (the copy they send again does). Only when that rejection
    // goes to them: with <acks send="none">, or for an interchange of acknowledgements only
    // (no CONTRL answers CONTRLs, no 997 answers 997s), nothing asks for the copy.
    const bool resend_asked =
        partner->ack_send != config::AckSend::none &&
        std::any_of(result.to_acknowledge.begin(), result.to_acknowledge.end(),
                    [&](const edi::ReceivedInterchange& r) {
                      return edi::interchange_rejection_sent(r, options.ack_type);
                    });
    if (refused_count == 0 && !resend_asked) {
      if (auto s = reconcile_acks(st, partner->id, acks_read, message_id); !s.ok()) return s;
    }
    // Acknowledgements once per message: a job run again after a crash does not send a second
    // 997 with new control numbers. Built here, so their control numbers are taken in this
    // transaction (no commit of their own) and only when they are used.
    auto earlier = st.list_acks(message_id);
    if (!earlier.ok()) return earlier.status();
    store::ControlNumbers numbers(st, partner->id);
    const bool adjusted = refused_count > 0 || !duplicates.empty();
    const ProcessResult answered =
        adjusted ? acknowledged(result, refused, duplicates, parties) : ProcessResult{};
    const std::vector<edi::BuiltAck> acks =
        earlier.value().empty() ? build_process_acks(adjusted ? answered : result, options, numbers)
                                : std::vector<edi::BuiltAck>{};
    if (!numbers.first_error().ok()) return numbers.first_error();
    for (const edi::BuiltAck& built : acks) {
      if (!built.error.empty()) continue;
      auto blob = core_.blobs().prepare(built.bytes);
      if (!blob.ok()) return blob.status();
      if (auto s = core_.blobs().record(blob.value()); !s.ok()) return s;
      const edi::BuiltAck* ack = &built;
      auto ack_id = st.add_ack({message_id, std::string(ack_name(ack->type)), ack->control_number,
                                blob.value().id, store::Direction::outbound});
      if (!ack_id.ok()) return ack_id.status();
      if (send_acks) {
        // Not sending it would be for good: a step run again finds the acknowledgement
        // recorded and builds none.
        auto queued = st.enqueue(std::string(kSendAckJob) + std::to_string(ack_id.value()),
                                 store::JobRef{message_id, std::nullopt}, now_ms());
        if (!queued.ok()) return queued.status();
        queued_for_others = true;
      }
    }
    if (auto s = st.set_message_status(
            message_id,
            error.empty() ? store::message_status::processed : store::message_status::failed, note);
        !s.ok()) {
      return s;
    }
    return complete_and_claim(job, worker, next);
  });
  if (!written.ok()) return retry_unrecorded(job, written, next);
  unrecorded_.clear();
  counters::documents(core_.metrics(), partner->id).add(static_cast<double>(result.sets.size()));
  if (result.errors > 0) {
    counters::edi_errors(core_.metrics(), partner->id).add(static_cast<double>(result.errors));
  }
  if (queued_for_others) core_.wake();
  for (std::size_t i = 0; i < deliver_now.size() && !stopping_; ++i) {
    const DeliverNow& now = deliver_now[i];
    Deliverable d;
    d.document_id = now.document_id;
    d.canonical_id = canonical[now.set->index];
    d.received_at = message.created_at;
    d.delivery = delivery_of(message, now.document_id, now.set->index, now.set->document_type,
                             false, now.job);
    d.delivery.json = now.set->json;
    if (now.connector->wants_raw_edi()) d.delivery.raw_edi = payload.value();
    const std::string_view connector_name =
        std::string_view(now.job.kind).substr(kDeliverJob.size());
    deliver(now.job, worker, *now.connector, connector_name, d, nullptr, true);
  }
}

void JobRunner::deliver(const store::Job& job, const std::string& worker,
                        std::string_view connector_name, bool again,
                        std::optional<store::Job>* next) {
  store::Store& st = core_.store();
  const auto live = core_.live();
  if (!job.ref.document_id || !job.ref.message_id) {
    (void)st.dead(job, "a delivery job without a document");
    return;
  }
  const std::int64_t document_id = *job.ref.document_id;
  auto documents = st.list_documents(*job.ref.message_id);
  auto message = st.get_message(*job.ref.message_id);
  if (!documents.ok() || !message.ok() || !message.value()) {
    (void)st.retry(job, "store unavailable", now_ms() + kStoreRetryMs);
    return;
  }
  const store::Document* document = nullptr;
  for (const store::Document& d : documents.value()) {
    if (d.id == document_id) document = &d;
  }
  if (document == nullptr) {
    (void)st.dead(job, "document " + std::to_string(document_id) + " does not exist");
    return;
  }
  const auto connector = live->connectors.find(connector_name);
  if (connector == live->connectors.end()) {
    // Removed by a reload while the job waited: a dead letter, and the document says so.
    const std::string why = "no connector '" + std::string(connector_name) + "'";
    const store::Status done = st.batch([&]() -> store::Status {
      if (auto s = st.dead(job, why); !s.ok()) return s;
      return settle_document(st, *job.ref.message_id, document_id, document->canonical_id, job.id);
    });
    if (!done.ok()) store_failed(st, job, done);
    return;
  }
  if (!again) {
    auto done = st.was_delivered(document_id, connector_name);
    if (done.ok() && done.value()) {
      const store::Status ended = st.batch([&]() -> store::Status {
        if (auto s = st.complete(job); !s.ok()) return s;
        return settle_document(st, *job.ref.message_id, document_id, document->canonical_id,
                               job.id);
      });
      if (!ended.ok()) store_failed(st, job, ended);
      return;
    }
  } else {
    // A resend waits (no attempt used) while the document's own delivery to the connector is
    // still queued or running (revived with it by `retry-dead --all`, say), until that job is
    // due or at least kCircuitWaitMs: the two would otherwise post under two keys.
    auto original =
        st.unfinished_job_due(document_id, std::string(kDeliverJob) + std::string(connector_name));
    if (original.ok() && original.value()) {
      (void)st.postpone(job, std::string(kWaitingForDeliveryError),
                        std::max(now_ms(), *original.value()) + kCircuitWaitMs);
      return;
    }
    // A resend that has been tried before ends without a second copy once the document
    // reached the connector since its first attempt, under whichever key.
    auto since = st.delivered_since_first(document_id, connector_name,
                                          idempotency_key(document_id, true, job.id));
    if (since.ok() && since.value()) {
      finish_audited(
          st, job,
          {"pipeline", "delivery.superseded", "message:" + std::to_string(*job.ref.message_id),
           store::json_text({{"document_id", document_id},
                             {"connector", connector_name},
                             {"job", job.id},
                             {"reason",
                              "delivered to the connector since this resend was "
                              "first tried"}})},
          [&]() {
            return settle_document(st, *job.ref.message_id, document_id, document->canonical_id,
                                   job.id);
          });
      return;
    }
  }
  auto json = core_.blobs().read(document->canonical_id);
  if (!json.ok()) {
    store_failed(st, job, json.status());
    return;
  }
  Deliverable d;
  d.document_id = document_id;
  d.canonical_id = document->canonical_id;
  d.received_at = message.value()->created_at;
  d.delivery =
      delivery_of(*message.value(), document_id, static_cast<std::size_t>(document->set_index),
                  document->type, again, job);
  d.delivery.json = std::move(json.value());
  if (connector->second->wants_raw_edi()) {
    // Delivered without the raw EDI it is configured to carry would be delivered wrong.
    auto raw = core_.blobs().read(message.value()->payload_id);
    if (!raw.ok()) {
      store_failed(st, job, raw.status());
      return;
    }
    d.delivery.raw_edi = std::move(raw.value());
  }
  deliver(job, worker, *connector->second, connector_name, d, next);
}

void JobRunner::deliver(const store::Job& job, const std::string& worker,
                        connectors::Connector& connector, std::string_view connector_name,
                        const Deliverable& d, std::optional<store::Job>* next, bool record_later) {
  store::Store& st = core_.store();
  const std::int64_t document_id = d.document_id;
  const connectors::Delivery& delivery = d.delivery;
  const connectors::DeliveryResult r = connector.deliver(delivery);
  // Held: not an attempt, so it neither counts towards dead letter nor goes in the history.
  if (held_by_breaker(job, connector_name, connector, r)) return;
  store::DeliveryAttempt attempt;
  attempt.document_id = document_id;
  attempt.connector = std::string(connector_name);
  attempt.attempt = job.attempts;
  attempt.outcome = r.outcome == connectors::DeliveryResult::delivered
                        ? store::DeliveryOutcome::delivered
                    : r.outcome == connectors::DeliveryResult::dead ? store::DeliveryOutcome::dead
                                                                    : store::DeliveryOutcome::retry;
  attempt.http_status = r.http_status;
  // What went wrong and what the ERP said about it (a 4xx's body is why it is dead letter);
  // the store cuts it to its excerpt length.
  attempt.response_excerpt = r.error.empty()              ? r.response_excerpt
                             : r.response_excerpt.empty() ? r.error
                                                          : r.error + ": " + r.response_excerpt;
  attempt.idempotency_key = delivery.idempotency_key;
  const http::Labels labels{{"partner", delivery.partner}, {"connector", attempt.connector}};
  if (r.outcome == connectors::DeliveryResult::delivered) {
    core_.metrics()
        .histogram("edigate_delivery_latency_seconds", "From receipt to delivery",
                   {0.1, 0.5, 1, 5, 30, 120, 600, 3600}, labels)
        .observe(static_cast<double>(now_ms() - d.received_at) / 1000.0);
    Delivered delivered{job, attempt, d.canonical_id};
    if (record_later) {
      unrecorded_.push_back(std::move(delivered));
      return;
    }
    const store::Status done = st.batch([&]() -> store::Status {
      if (auto s = record(delivered); !s.ok()) return s;
      claim_next(worker, next);
      return store::Status::success();
    });
    // Not recorded: the job runs again and delivers again under the same Idempotency-Key.
    if (!done.ok()) retry_unrecorded(job, done, next);
    return;
  }
  counters::delivery_failures(core_.metrics(), delivery.partner, attempt.connector).add();
  const connectors::RetryPolicy policy = retry_policy_of(*core_.live(), connector_name);
  // In one commit: the attempt (with its audit entry; `dead` when it ends the job), the job's
  // next run or its end, and the document's dead_letter status. Failed attempts since the last
  // delivery or dead letter, this one included, decide which: a redelivery after a success, or
  // a dead job revived or resent by an operator, starts a full set of attempts. Claims that
  // only met an open circuit do not count.
  const store::Status recorded = st.batch([&]() -> store::Status {
    auto history = st.list_deliveries(document_id);
    if (!history.ok()) return history.status();
    int failed_attempts = 1;
    for (const store::DeliveryAttempt& a : history.value()) {
      if (a.connector != connector_name) continue;
      const bool ends_a_run = a.outcome == store::DeliveryOutcome::delivered ||
                              a.outcome == store::DeliveryOutcome::dead;
      failed_attempts = ends_a_run ? 1 : failed_attempts + 1;
    }
    bool dead = false;
    if (auto s = schedule_or_dead(st, job, failed_attempts,
                                  r.outcome == connectors::DeliveryResult::dead, r.error,
                                  r.retry_after, policy, dead);
        !s.ok()) {
      return s;
    }
    store::DeliveryAttempt ended = attempt;
    if (dead) ended.outcome = store::DeliveryOutcome::dead;
    if (auto s = st.add_delivery_attempt(ended); !s.ok()) return s;
    return dead ? st.set_document_status(document_id, "dead_letter", d.canonical_id, r.error)
                : store::Status::success();
  });
  // Not recorded: tried again a little later, like a failure to reach the store.
  if (!recorded.ok()) store_failed(st, job, recorded);
}

void JobRunner::send_mdn(const store::Job& job) {
  store::Store& st = core_.store();
  auto mdn = job.ref.message_id ? st.get_mdn(*job.ref.message_id)
                                : store::Result<std::optional<store::Mdn>>(std::nullopt);
  if (!mdn.ok()) {  // the store, not the MDN: try again later
    store_failed(st, job, mdn.status());
    return;
  }
  if (!mdn.value()) {
    (void)st.dead(job, "no MDN stored for the message");
    return;
  }
  auto bytes = core_.blobs().read(mdn.value()->spool_id);
  if (!bytes.ok()) {
    store_failed(st, job, bytes.status());
    return;
  }
  std::optional<as2::HttpMessage> message = parse_http(bytes.value());
  if (!message) {
    (void)st.dead(job, "the stored MDN is not an HTTP message");
    return;
  }
  as2::SendOptions options;
  for (auto it = message->headers.begin(); it != message->headers.end(); ++it) {
    if (it->name == kAsyncMdnTarget) {
      options.url = it->value;
      message->headers.erase(it);
      break;
    }
  }
  options.max_attempts = 1;  // the job is the retry loop, with its backoff
  options.timeout_seconds = 60;
  // The URL is the partner's: its profile's trusted certificates, our client certificate.
  auto of = st.get_message(*job.ref.message_id);
  const auto live = core_.live();
  const config::PartnerProfile* partner =
      of.ok() && of.value() ? live->partners->by_id(of.value()->partner) : nullptr;
  if (partner != nullptr && partner->as2) use_partner_tls(options, *live->config, *partner->as2);
  const std::string subject = "message:" + std::to_string(*job.ref.message_id);
  // Judged again before each post: a reload may have narrowed the partner's
  // <policy async-mdn-urls> since the message came, and retries run for hours.
  if (const std::string_view why = why_not_post_mdn_to(options.url, partner); !why.empty()) {
    const std::string error =
        "not posted to " + options.url.substr(0, 256) + ": " + std::string(why);
    return fail_audited(st, job, true, error, send_policy_of(partner), {}, [&] {
      return st.append_audit({"as2", "mdn.failed", subject, store::json_text({{"error", error}})})
          .status();
    });
  }
  const as2::SendOutcome sent = as2::send_async_mdn(*message, options);
  if (sent.status == as2::SendStatus::delivered) {
    return finish_audited(
        st, job,
        {"as2", "mdn.sent", subject, store::json_text({{"http_status", sent.http_status}})});
  }
  fail_audited(
      st, job, sent.status == as2::SendStatus::rejected, sent.error, send_policy_of(partner),
      {"as2", "mdn.attempt_failed", subject,
       store::json_text({{"attempt", job.attempts}, {"error", sent.error}})},
      [&] {
        return st
            .append_audit({"as2", "mdn.failed", subject, store::json_text({{"error", sent.error}})})
            .status();
      });
}

// Our acknowledgement to the partner over AS2: signed and encrypted per their profile, the MDN
// their profile says (sync, or async to our mdn-url), the same Message-ID on every attempt.
// The message is recorded before it is posted, so an async MDN that comes back before the
// POST's answer finds it.
void JobRunner::send_ack(const store::Job& job, std::string_view ack_id_text) {
  store::Store& st = core_.store();
  const auto live = core_.live();
  auto message = job.ref.message_id ? st.get_message(*job.ref.message_id)
                                    : store::Result<std::optional<store::Message>>(std::nullopt);
  auto acks = job.ref.message_id
                  ? st.list_acks(*job.ref.message_id)
                  : store::Result<std::vector<store::Ack>>(std::vector<store::Ack>{});
  if (!message.ok() || !acks.ok()) {  // the store, not the acknowledgement: try again later
    store_failed(st, job, !message.ok() ? message.status() : acks.status());
    return;
  }
  const store::Ack* ack = nullptr;
  for (const store::Ack& a : acks.value()) {
    if (std::to_string(a.id) == ack_id_text) ack = &a;
  }
  const config::PartnerProfile* partner =
      message.ok() && message.value() ? live->partners->by_id(message.value()->partner) : nullptr;
  if (ack != nullptr && partner != nullptr && partner->ack_send == config::AckSend::sftp &&
      partner->sftp_push) {
    return push_ack(job, *ack, *partner, live->config->key_passphrase.str());
  }
  if (ack == nullptr || partner == nullptr || !partner->as2 || !live->config->as2) {
    (void)st.dead(job, "no acknowledgement, partner or AS2 station to send it with");
    return;
  }
  auto bytes = core_.blobs().read(ack->spool_id);
  if (!bytes.ok()) {
    store_failed(st, job, bytes.status());
    return;
  }
  Outgoing out;
  out.payload = std::move(bytes.value());
  out.content_type = ack->type == "CONTRL" ? "application/edifact" : "application/edi-x12";
  // The same on every attempt of this acknowledgement, and not the same as any other
  // gateway's (or this one's after a reinstall with a new store) whose acks are numbered from 1
  // too: the ack's id and a digest of its bytes, which hold our control number and the time.
  out.message_id = "<edigate-ack-" + std::string(ack_id_text) + "-" +
                   store::sha256_hex(ack->spool_id).substr(0, 16) + "@" +
                   live->config->as2->our_id + ">";
  out.subject = ack->type + " " + ack->control_number;
  out.carries = "ack:" + std::string(ack_id_text);
  out.audit_prefix = "ack";
  out.details = {{"ack", ack->id}, {"type", ack->type}};
  send_as2(job, *live->config, *partner, std::move(out));
}

// An outbound message (documents from the ERP, rendered when they were taken) to its partner
// over AS2, like an acknowledgement; the message's status follows: sent once the partner took
// the POST, failed when the attempts ran out or the partner refused it for good.
void JobRunner::send_outbound(const store::Job& job) {
  store::Store& st = core_.store();
  const auto live = core_.live();
  auto message = job.ref.message_id ? st.get_message(*job.ref.message_id)
                                    : store::Result<std::optional<store::Message>>(std::nullopt);
  if (!message.ok()) {
    store_failed(st, job, message.status());
    return;
  }
  const config::PartnerProfile* partner =
      message.value() ? live->partners->by_id(message.value()->partner) : nullptr;
  const store::Message* m = message.value() ? &*message.value() : nullptr;
  const bool by_sftp = partner != nullptr && m != nullptr && m->transport == "sftp" &&
                       partner->sftp_push.has_value();
  const bool by_as2 = partner != nullptr && m != nullptr && m->transport == "as2" && partner->as2 &&
                      !partner->as2->url.empty() && live->config->as2;
  const bool by_https = partner != nullptr && m != nullptr && m->transport == "https" &&
                        !partner->https_push_connector.empty();
  if (m == nullptr) {
    (void)st.dead(job, "no outbound message");
    return;
  }
  if (!by_sftp && !by_as2 && !by_https) {
    return dead_outbound(st, job,
                         "its partner has no way to it now (an AS2 url and our AS2 station, an "
                         "<https-push> or an <sftp-push>, as when it was taken)");
  }
  auto bytes = core_.blobs().read(m->raw_id);
  if (!bytes.ok()) {
    if (waiting_mends(bytes.status())) return store_failed(st, job, bytes.status());
    return dead_outbound(st, job, bytes.status().message);
  }
  if (by_https) {
    const auto connector = live->connectors.find(partner->https_push_connector);
    if (connector == live->connectors.end()) {
      return dead_outbound(st, job, "no connector '" + partner->https_push_connector + "'");
    }
    const std::string subject = "message:" + std::to_string(m->id);
    connectors::Delivery d;
    // The same on every attempt of this job (the partner's API can tell a repeat); a resend is
    // a new job, and a new key, so that an API that kept its refusal of the first does not
    // answer the resend with it.
    d.document_id = "edigate-out-" + std::to_string(m->id) + "-" + std::to_string(job.id);
    d.idempotency_key = d.document_id;
    d.content_type =
        bytes.value().starts_with("ISA") ? "application/edi-x12" : "application/edifact";
    d.document_type = "interchange";
    d.partner = partner->id;
    d.attempt = job.attempts;
    d.json = std::move(bytes.value());
    const nlohmann::json details = {{"transport", "https"},
                                    {"connector", partner->https_push_connector}};
    const unsigned expect = partner->expect_ack_seconds;
    return post_via_connector(
        job, partner->https_push_connector, *connector->second, d,
        {"https", "outbound.sent", subject, store::json_text(details)},
        [&](const std::string& error) -> store::Status {
          auto failed =
              move_outbound(st, m->id, kOutboundFailsFrom, store::message_status::failed, error);
          if (!failed.ok()) return failed.status();
          nlohmann::json why = details;
          why["error"] = error;
          return st.append_audit({"https", "outbound.failed", subject, store::json_text(why)})
              .status();
        },
        [&]() -> store::Status {
          auto sent = outbound_sent(st, m->id, expect);
          return sent.ok() ? store::Status::success() : sent.status();
        },
        [&](const std::string& error) -> store::Status {
          return st
              .append_audit({"https", "outbound.attempt_failed", subject,
                             store::json_text({{"attempt", job.attempts}, {"error", error}})})
              .status();
        });
  }
  if (by_sftp) {
    Outgoing out;
    out.payload = std::move(bytes.value());
    out.file_name = "edigate-out-" + std::to_string(m->id) + ".edi";
    out.audit_prefix = "outbound";
    out.settles_message = true;
    out.expect_ack_seconds = partner->expect_ack_seconds;
    return push_sftp(job, *partner, live->config->key_passphrase.str(), std::move(out));
  }
  Outgoing out;
  out.content_type =
      bytes.value().starts_with("ISA") ? "application/edi-x12" : "application/edifact";
  out.payload = std::move(bytes.value());
  out.message_id = m->as2_message_id;
  out.subject = "edigate message " + std::to_string(m->id);
  out.carries = "message:" + std::to_string(m->id);
  out.audit_prefix = "outbound";
  out.settles_message = true;
  out.expect_ack_seconds = partner->expect_ack_seconds;
  send_as2(job, *live->config, *partner, std::move(out));
}

// One AS2 message we send (an acknowledgement, an outbound message): signed and encrypted for
// the partner as their profile says, recorded in as2_sent before the POST (so an async MDN that
// beats the answer is matched), posted once (the job is the retry loop), its outcome recorded.
void JobRunner::send_as2(const store::Job& job, const config::GatewayConfig& config,
                         const config::PartnerProfile& partner, Outgoing out) {
  store::Store& st = core_.store();
  const config::As2Station& station = *config.as2;
  const config::PartnerAs2& their = *partner.as2;
  const bool async = their.mdn == config::MdnMode::async && !station.mdn_url.empty();
  as2::PartnerProfile profile;
  profile.as2_id = their.id;
  profile.certificate = their.certificate;
  profile.sign.digest = their.micalg;
  profile.sign.allow_sha1 = their.allow_sha1;
  profile.sign_as = config::sign_as(station, their);
  as2::PackRequest request;
  request.payload = std::move(out.payload);
  request.content_type = out.content_type;
  request.message_id = out.message_id;
  request.subject = out.subject;
  request.mdn.micalg = their.micalg;
  request.mdn.signed_receipt = their.mdn_signed;
  if (async) request.mdn.async_url = station.mdn_url;
  auto packed = as2::pack(request, config::local_station(station), profile);
  if (!packed.ok()) {
    const std::string why = "cannot build the AS2 message: " + packed.error().message;
    if (out.settles_message) return dead_outbound(st, job, why);
    (void)st.dead(job, why);
    return;
  }
  store::NewSentAs2 record;
  record.message_id = *job.ref.message_id;
  record.partner = partner.id;
  record.as2_message_id = packed.value().message_id;
  record.carries = out.carries;
  record.mic = packed.value().expected_mic.digest_base64;
  record.mic_algorithm = std::string(as2::digest_name(packed.value().expected_mic.algorithm));
  record.async_mdn = async;
  auto sent = st.begin_as2_send(record);
  if (!sent.ok()) {
    store_failed(st, job, sent.status());
    return;
  }
  if (sent.value().state != store::as2_sent_state::sending) {
    // Settled (its MDN came) before a crash let this job end: the message follows it.
    const store::Status done = st.batch([&]() -> store::Status {
      auto s = settle_outbound(st, sent.value(), sent.value().state, sent.value().error,
                               out.expect_ack_seconds);
      return s.ok() ? st.complete(job) : s;
    });
    if (!done.ok()) store_failed(st, job, done);
    return;
  }
  as2::SendOptions options;
  use_partner_tls(options, config, their);
  options.url = their.url;
  options.max_attempts = 1;  // the job is the retry loop
  const as2::SendOutcome outcome = as2::send(packed.value(), profile, options);
  out.details["http_status"] = outcome.http_status;
  out.details["as2_message_id"] = record.as2_message_id;
  out.details["mdn"] = async ? "async" : "sync";
  out.retry = send_policy_of(&partner);
  record_send_outcome(job, sent.value(), outcome, their.mdn_timeout_seconds, out);
}

// What the POST of an AS2 message we sent came to: taken (<prefix>.sent; async: now awaiting its
// MDN until the deadline, the timeout job queued in the same commit; sync: then the MDN it got),
// or failed for now (<prefix>.attempt_failed, retried) or for good (dead letter,
// <prefix>.failed, and the sent message says why). An outbound message's status follows.
void JobRunner::record_send_outcome(const store::Job& job, const store::SentAs2& sent,
                                    const as2::SendOutcome& outcome, unsigned mdn_timeout_seconds,
                                    const Outgoing& out) {
  store::Store& st = core_.store();
  const std::string subject = "message:" + std::to_string(*job.ref.message_id);
  const std::string details = store::json_text(out.details);
  const std::string& prefix = out.audit_prefix;
  // A synchronous MDN is kept as it came (the partner's signed receipt), good or bad.
  std::string mdn_bytes;
  std::optional<store::PendingBlob> mdn_blob;
  if (outcome.mdn_http) {
    mdn_bytes = serialize_http(outcome.mdn_http->headers, outcome.mdn_http->body);
    auto put = core_.blobs().prepare(mdn_bytes);
    if (!put.ok()) {
      // The receipt cannot be kept (a spool write failed): sent again later, under the same
      // Message-ID, the partner answers with the same MDN, rather than settle without it.
      store_failed(st, job, put.status());
      return;
    }
    mdn_blob = std::move(put.value());
  }
  const auto record_mdn = [&](store::SentAs2Change& change) -> store::Status {
    if (!mdn_blob) return store::Status::success();
    change.mdn_spool_id = mdn_blob->id;
    return core_.blobs().record(*mdn_blob);
  };
  if (outcome.status == as2::SendStatus::delivered) {
    store::SentAs2Change taken;
    taken.state = store::as2_sent_state::awaiting_mdn;
    std::vector<store::NextJob> next;
    if (!outcome.mdn) {
      taken.mdn_deadline = now_ms() + std::int64_t{mdn_timeout_seconds} * 1000;
      next.push_back({std::string(kMdnTimeoutJob) + std::to_string(sent.id),
                      store::JobRef{job.ref.message_id, std::nullopt}, taken.mdn_deadline});
    }
    const store::Status done = st.batch([&]() -> store::Status {
      auto moved = st.update_as2_sent(sent.id, taken);
      if (!moved.ok()) return moved.status();
      if (!moved.value()) {
        // Its async MDN came before the POST's answer: settled already, nothing to wait for.
        next.clear();
        auto a = st.append_audit({"as2", "as2.sent", subject,
                                  store::json_text({{"as2_sent", sent.id},
                                                    {"as2_message_id", sent.as2_message_id},
                                                    {"carries", sent.carries},
                                                    {"mdn_came_first", true}})});
        if (!a.ok()) return a.status();
      } else if (outcome.mdn) {
        store::SentAs2Change got;
        got.state = store::as2_sent_state::mdn_ok;
        got.disposition = outcome.mdn->disposition;
        got.mdn_signed = outcome.mdn->signed_mdn;
        if (auto r = record_mdn(got); !r.ok()) return r;
        if (auto m = st.update_as2_sent(sent.id, got); !m.ok()) return m.status();
      }
      if (auto a = st.append_audit({"as2", prefix + ".sent", subject, details}); !a.ok()) {
        return a.status();
      }
      // The message follows, unless its async MDN came first and settled it already.
      if (out.settles_message && moved.value()) {
        auto s = outbound_sent(st, *job.ref.message_id, out.expect_ack_seconds);
        if (!s.ok()) return s.status();
      }
      auto queued = st.complete_and_enqueue(job, next);
      return queued.ok() ? store::Status::success() : queued.status();
    });
    // Not recorded: the job runs again and posts again under the same Message-ID.
    if (!done.ok()) store_failed(st, job, done);
    return;
  }
  // Given up: the sent record moves to send-failed / mdn-failed with its audit entry in the
  // same commit as the job's end, so it never stays `sending` (which a resend refuses).
  // An MDN that came but is not accepted (negative, another MIC, a signature that does not
  // verify): the partner answered, so it is the MDN that failed, not the sending.
  store::SentAs2Change change;
  change.state = outcome.mdn || outcome.mdn_http ? store::as2_sent_state::mdn_failed
                                                 : store::as2_sent_state::send_failed;
  change.disposition = outcome.mdn ? outcome.mdn->disposition : "";
  change.error = outcome.error;
  change.mdn_signed = outcome.mdn && outcome.mdn->signed_mdn;
  // The journal too, as each SFTP push attempt is: the operator watching it sees a partner
  // that is down before its messages become dead letters.
  std::cerr << ("edigate: as2: " + prefix + " " + subject + " to " + sent.partner + " (" +
                sent.as2_message_id + "): attempt " + std::to_string(job.attempts) +
                " failed: " + outcome.error.substr(0, 300) + "\n");
  fail_audited(st, job, outcome.status == as2::SendStatus::rejected, outcome.error, out.retry,
               {"as2", prefix + ".attempt_failed", subject,
                store::json_text({{"attempt", job.attempts}, {"error", outcome.error}})},
               [&]() -> store::Status {
                 if (auto r = record_mdn(change); !r.ok()) return r;
                 auto moved = st.update_as2_sent(sent.id, change);
                 if (!moved.ok()) return moved.status();
                 // Refused: an async MDN settled it while this POST was failing (the partner
                 // has it). The message stays as that MDN left it, not failed.
                 if (!moved.value()) return store::Status::success();
                 if (auto s = settle_outbound(st, sent, change.state, outcome.error, 0); !s.ok()) {
                   return s;
                 }
                 return st.append_audit({"as2", prefix + ".failed", subject, details}).status();
               });
}

// The deadline of an async MDN: when it has not come, the sent message is marked timed out
// (audited as as2.mdn_timeout). When it came meanwhile, there is nothing to do.
void JobRunner::mdn_timeout(const store::Job& job, std::string_view sent_id) {
  store::Store& st = core_.store();
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(sent_id.data(), sent_id.data() + sent_id.size(), id);
  if (ec != std::errc{} || end != sent_id.data() + sent_id.size()) {
    (void)st.dead(job, "not a sent message id: " + std::string(sent_id));
    return;
  }
  bool timed_out = false;
  const store::Status done = st.batch([&]() -> store::Status {
    timed_out = false;
    // A message sent again since this job was queued awaits its MDN until a later deadline,
    // which has its own job: this one is stale.
    auto current = st.get_as2_sent(id);
    if (!current.ok()) return current.status();
    if (current.value() && current.value()->mdn_deadline > now_ms()) return st.complete(job);
    auto moved = st.update_as2_sent(
        id, {store::as2_sent_state::mdn_timeout, "", "no MDN by the deadline", "", false, 0});
    if (!moved.ok()) return moved.status();
    timed_out = moved.value();
    // An outbound message it carried has failed, to be sent again (the row read above: the
    // update changed its state, not what it carries).
    if (timed_out && current.value()) {
      auto s = settle_outbound(st, *current.value(), store::as2_sent_state::mdn_timeout,
                               "no MDN by the deadline", 0);
      if (!s.ok()) return s;
    }
    return st.complete(job);
  });
  if (done.code == store::StoreErrc::not_found) {
    (void)st.dead(job, done.message);
    return;
  }
  if (!done.ok()) {
    store_failed(st, job, done);
    return;
  }
  if (timed_out) {
    counters::mdn_timeouts(core_.metrics()).add();
  }
}

// An outbound message's acknowledgement deadline. Still `sent` with documents awaiting_ack when
// the partner's current <expect-acks within> has passed since it was sent: overdue, audited as
// outbound.ack_overdue with the documents still unanswered (a late acknowledgement still
// settles it). Not due yet under the current window (a reload made it longer): queued again at
// the new deadline. Settled, failed, or no longer watched: nothing to do.
//
// A reload while it runs lists the partner's sent messages without an ack_due job to watch them
// under the new profile, and leaves this one's message to it: when the configuration changed
// under the job, the partner's messages are watched again under the one now in force (a second
// ack_due job for the same message finds it settled or not yet due: the overdue move, its
// audit entry and its notification happen once).
void JobRunner::ack_due(const store::Job& job) {
  const auto live = core_.live();
  const std::optional<std::string> partner = ack_due_under(job, *live);
  if (!partner) return;
  const auto now = core_.live();
  if (now == live) return;
  const config::PartnerProfile* p = now->partners->by_id(*partner);
  if (p == nullptr) return;
  for (const std::string& line : watch_sent_to(core_, *p)) {
    // One write per line: other threads log too.
    std::cerr << ("edigate: " + line + " (after a reload during an acknowledgement deadline)\n");
  }
}

// ack_due under the configuration `live`; the message's partner, or nothing when the job named
// no message.
std::optional<std::string> JobRunner::ack_due_under(const store::Job& job, const Live& live) {
  store::Store& st = core_.store();
  const std::optional<store::Message> found = message_of(st, job);
  if (!found) return std::nullopt;
  const store::Message& m = *found;
  const std::int64_t id = m.id;
  const config::PartnerProfile* partner = live.partners->by_id(m.partner);
  const unsigned within = partner != nullptr ? partner->expect_ack_seconds : 0;
  if (m.status != store::message_status::sent || within == 0) {
    (void)st.complete(job);
    return m.partner;
  }
  const std::int64_t due = m.updated_at + std::int64_t{within} * 1000;
  if (now_ms() < due) {
    auto again = st.complete_and_enqueue(job, {{std::string(kAckDueJob), job.ref, due}});
    if (!again.ok()) store_failed(st, job, again.status());
    return m.partner;
  }
  bool overdue = false;
  const store::Status done = st.batch([&]() -> store::Status {
    // Read in the commit that moves the message, so that an acknowledgement committed just
    // before is counted.
    overdue = false;
    auto docs = st.list_documents(id);
    if (!docs.ok()) return docs.status();
    nlohmann::json unanswered = nlohmann::json::array();
    for (const store::Document& d : docs.value()) {
      if (d.status != store::document_status::awaiting_ack) continue;
      unanswered.push_back({{"transaction_set", d.transaction},
                            {"interchange_control", d.interchange_control},
                            {"group_control", d.group_control},
                            {"set_control", d.set_control}});
    }
    const std::string why = std::to_string(unanswered.size()) + " of " +
                            std::to_string(docs.value().size()) +
                            " document(s) not acknowledged within " + std::to_string(within) + " s";
    if (!unanswered.empty()) {
      auto changed =
          move_outbound(st, id, {store::message_status::sent}, store::message_status::overdue, why);
      if (!changed.ok()) return changed.status();
      overdue = changed.value();
    }
    if (overdue) {
      auto a = st.append_audit(
          {"pipeline", "outbound.ack_overdue", "message:" + std::to_string(id),
           store::json_text(
               {{"partner", m.partner}, {"within_seconds", within}, {"documents", unanswered}})});
      if (!a.ok()) return a.status();
    }
    return st.complete(job);
  });
  if (!done.ok()) {
    store_failed(st, job, done);
    return m.partner;
  }
  if (overdue) {
    core_.metrics()
        .counter("edigate_outbound_ack_overdue_total",
                 "Outbound messages whose documents were not all acknowledged within the "
                 "partner's <expect-acks>",
                 {{"partner", m.partner}})
        .add();
  }
  return m.partner;
}

// The ERP's view of an outbound message it sent us, as it is now: the message and its documents
// as GET /api/messages/N shows them (docs/schemas/events/outbound_status.schema.json).
// Delivered to the connector <connectors outbound-status> names, with the Idempotency-Key
// edigate-outbound-<id>-<job>-<status>: one per status change, the same on each attempt. Retried
// like a document delivery (the connector's max-attempts, backoff, Retry-After; waiting on an open
// circuit is no attempt); a refusal for good is dead letter, audited as outbound.notify_failed.
void JobRunner::notify_outbound(const store::Job& job) {
  store::Store& st = core_.store();
  const auto live = core_.live();
  const std::string& name = live->config->outbound_status_connector;
  if (name.empty()) {  // not asked for (or no longer): nothing to tell
    (void)st.complete(job);
    return;
  }
  const auto connector = live->connectors.find(name);
  if (connector == live->connectors.end()) {
    (void)st.dead(job, "no connector '" + name + "'");
    return;
  }
  const std::optional<store::Message> found = message_of(st, job);
  if (!found) return;
  const store::Message& m = *found;
  const std::int64_t id = m.id;
  auto docs = st.list_documents(id);
  if (!docs.ok()) return store_failed(st, job, docs.status());
  nlohmann::json documents = nlohmann::json::array();
  for (const store::Document& d : docs.value()) documents.push_back(store::document_json(d));
  connectors::Delivery delivery;
  // One key per status change (this job's, the same on each of its attempts): a status the
  // message takes again (sent after a resend) is a new event, not a repeat to drop. The status
  // is the one the job was queued for (a job queued before it was named: the current one).
  const std::string_view kind = job.kind;
  const std::string status = kind.size() > kNotifyOutJob.size() + 1
                                 ? std::string(kind.substr(kNotifyOutJob.size() + 1))
                                 : m.status;
  delivery.document_id =
      "outbound-" + std::to_string(id) + "-" + std::to_string(job.id) + "-" + status;
  delivery.idempotency_key = "edigate-" + delivery.document_id;
  delivery.document_type = "outbound_status";
  delivery.partner = m.partner;
  delivery.attempt = job.attempts;
  delivery.json = store::json_text({{"type", "outbound_status"},
                                    {"message", store::message_json(m)},
                                    {"documents", std::move(documents)}});
  const std::string subject = "message:" + std::to_string(id);
  post_via_connector(
      job, name, *connector->second, delivery,
      {"pipeline", "outbound.notified", subject,
       store::json_text({{"connector", name}, {"status", status}})},
      [&](const std::string& error) -> store::Status {
        core_.metrics()
            .counter("edigate_outbound_notify_failures_total",
                     "Outbound status events that ended in dead letter", {{"connector", name}})
            .add();
        return st
            .append_audit(
                {"pipeline", "outbound.notify_failed", subject,
                 store::json_text({{"connector", name}, {"status", status}, {"error", error}})})
            .status();
      });
}

bool JobRunner::held_by_breaker(const store::Job& job, std::string_view name,
                                const connectors::Connector& connector,
                                const connectors::DeliveryResult& r) {
  if (r.outcome != connectors::DeliveryResult::retry || r.http_status != 0 ||
      r.error != connectors::kCircuitOpenError) {
    return false;
  }
  store::Store& st = core_.store();
  (void)st.postpone(job, r.error, circuit_retry_at(r));
  // Core::apply swaps the connectors, then releases the jobs held. A swap before this look is
  // seen here (this job alone is released: the others the new breakers may hold already); one
  // after it comes with a release after the postpone above.
  const auto live = core_.live();
  const auto current = live->connectors.find(name);
  if (current == live->connectors.end() || current->second.get() != &connector) {
    (void)st.release_postponed(connectors::kCircuitOpenError, now_ms(), job.id);
    // A resend of the document that looked at this job between the swap's release and the
    // postpone above waits for the old cool-down too: released, each resend looks again (one
    // whose delivery is still held waits again, as after a reload).
    (void)st.release_postponed(kWaitingForDeliveryError, now_ms(), std::nullopt);
    core_.wake();
  }
  return true;
}

// A job's POST through an <http> connector that is not a document's delivery (an ERP status
// event, an outbound interchange to a partner's API). Waiting on the connector's open circuit
// uses no attempt (Store::postpone). Taken: `done` audited (with the HTTP status) and `also`
// run in the job's ending commit. Not taken: tried again as the connector's policy says
// (backoff, Retry-After, max-attempts; the job's attempts count) with `on_retry(error)`, or,
// when refused for good or out of attempts, dead with `on_dead(error)`, in that commit.
void JobRunner::post_via_connector(
    const store::Job& job, const std::string& name, connectors::Connector& connector,
    const connectors::Delivery& delivery, store::AuditEvent done,
    const std::function<store::Status(const std::string&)>& on_dead,
    const std::function<store::Status()>& also,
    const std::function<store::Status(const std::string&)>& on_retry) {
  store::Store& st = core_.store();
  const connectors::DeliveryResult r = connector.deliver(delivery);
  if (held_by_breaker(job, name, connector, r)) return;
  if (r.outcome == connectors::DeliveryResult::delivered) {
    auto details = nlohmann::json::parse(done.details, nullptr, false);
    if (details.is_object()) {
      details["http_status"] = r.http_status;
      done.details = store::json_text(details);
    }
    return finish_audited(st, job, done, also);
  }
  const connectors::RetryPolicy policy = retry_policy_of(*core_.live(), name);
  const std::string error =
      r.response_excerpt.empty() ? r.error : r.error + ": " + r.response_excerpt;
  bool dead = false;
  const store::Status recorded = st.batch([&]() -> store::Status {
    if (auto s =
            schedule_or_dead(st, job, job.attempts, r.outcome == connectors::DeliveryResult::dead,
                             error, r.retry_after, policy, dead);
        !s.ok()) {
      return s;
    }
    if (dead) return on_dead(error);
    return on_retry ? on_retry(error) : store::Status::success();
  });
  if (!recorded.ok()) store_failed(st, job, recorded);
}

// Our acknowledgement to the partner's own SFTP server: uploaded under a temporary name and
// renamed, their host key pinned; a refused login or wrong host key is final.
void JobRunner::push_ack(const store::Job& job, const store::Ack& ack,
                         const config::PartnerProfile& partner, const std::string& key_passphrase) {
  auto bytes = core_.blobs().read(ack.spool_id);
  if (!bytes.ok()) {
    store_failed(core_.store(), job, bytes.status());
    return;
  }
  Outgoing out;
  out.payload = std::move(bytes.value());
  out.file_name = "edigate-" + ack.type + "-" + ack.control_number + ".edi";
  out.audit_prefix = "ack";
  out.details = {{"ack", ack.id}, {"type", ack.type}};
  push_sftp(job, partner, key_passphrase, std::move(out));
}

// A file to the partner's own SFTP server (an acknowledgement, an outbound message): uploaded
// under a temporary name and renamed, their host key pinned; a refused login or wrong host key
// is final. An outbound message's status follows (sent, or failed for good).
void JobRunner::push_sftp(const store::Job& job, const config::PartnerProfile& partner,
                          const std::string& key_passphrase, Outgoing out) {
  store::Store& st = core_.store();
  const config::PartnerSftpPush& p = *partner.sftp_push;
  sftp::PushTarget target;
  target.host = p.host;
  target.port = p.port;
  target.user = p.user;
  target.private_key_file = p.key.string();
  target.private_key_passphrase = key_passphrase;
  target.host_key_sha256 = p.host_key_sha256;
  target.remote_dir = p.dir;
  target.temp_then_rename = p.temp_then_rename;
  target.max_attempts = 1;  // the job is the retry loop
  const auto pushed = sftp::push_bytes(target, out.payload, out.file_name);
  const std::string subject = "message:" + std::to_string(*job.ref.message_id);
  out.details["transport"] = "sftp";
  out.details["file"] = out.file_name;
  const std::string details = store::json_text(out.details);
  const std::string& prefix = out.audit_prefix;
  namespace ms = store::message_status;
  const auto settle = [&](std::string_view status, const std::string& error) {
    return [&st, &job, &out, status, error]() -> store::Status {
      if (!out.settles_message) return store::Status::success();
      const std::int64_t id = *job.ref.message_id;
      auto changed = status == ms::sent ? outbound_sent(st, id, out.expect_ack_seconds)
                                        : move_outbound(st, id, kOutboundFailsFrom, status, error);
      return changed.ok() ? store::Status::success() : changed.status();
    };
  };
  if (pushed.ok()) {
    return finish_audited(st, job, {"sftp", prefix + ".sent", subject, details},
                          settle(store::message_status::sent, ""));
  }
  fail_audited(st, job, pushed.status().code == sftp::ErrorCode::refused, pushed.status().message,
               send_policy_of(&partner),
               {"sftp", prefix + ".attempt_failed", subject,
                store::json_text({{"attempt", job.attempts}, {"error", pushed.status().message}})},
               [&] {
                 if (auto s = settle(store::message_status::failed, pushed.status().message)();
                     !s.ok()) {
                   return s;
                 }
                 return st.append_audit({"sftp", prefix + ".failed", subject, details}).status();
               });
}

}  // namespace edigate::gateway::daemon
