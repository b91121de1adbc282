#include "daemon/mdn_receipt.hpp"

#include <nlohmann/json.hpp>

#include "daemon/handlers.hpp"
#include "daemon/jobs.hpp"
#include "edigate/as2/send.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::daemon {
namespace {

using http::Request;
using http::Responder;
using http::Response;
using nlohmann::json;

constexpr std::size_t kMaxMessageIdChars = 998;

// AS2 ids may come quoted (RFC 4130 allows spaces inside quotes).
std::string_view unquoted(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// An MDN we do not take: audited with why, answered with `status`.
void refuse(Core& core, Responder& responder, const Request& request, unsigned status,
            std::string_view action, std::string_view subject, const std::string& why,
            json details = json::object()) {
  details["reason"] = why;
  details["address"] = request.remote_address;
  (void)core.store().append_audit(
      {"as2", std::string(action), std::string(subject), store::json_text(details)});
  core.metrics()
      .counter("edigate_mdns_refused_total", "Async MDNs refused",
               {{"status", std::to_string(status)}})
      .add();
  responder.send(problem(status, why));
}

// The verdict on a verified MDN for the message we sent: match_mdn checks the
// Original-Message-ID, a positive disposition and the MIC against what we recorded.
store::SentAs2Change verdict(const as2::ParsedMdn& mdn, const store::SentAs2& sent) {
  store::SentAs2Change change;
  change.disposition = mdn.disposition;
  change.mdn_signed = mdn.signed_mdn;
  const auto algorithm = as2::parse_digest_name(sent.mic_algorithm);
  if (!algorithm) {
    change.state = store::as2_sent_state::mdn_failed;
    change.error = "unknown MIC algorithm recorded: " + sent.mic_algorithm;
    return change;
  }
  as2::PackedMessage expected;
  expected.message_id = sent.as2_message_id;
  expected.expected_mic = as2::Mic{sent.mic, *algorithm};
  const auto matched = as2::match_mdn(mdn, expected);
  change.state = matched ? store::as2_sent_state::mdn_ok : store::as2_sent_state::mdn_failed;
  if (!matched) change.error = matched.error().message;
  return change;
}

}  // namespace

void mdn_receipt(Core& core, Request& request, Responder& responder) {
  const auto live = core.live();
  if (!live->config->as2) {
    return responder.send(problem(503, "this gateway has no AS2 station configured"));
  }
  const std::string address_subject = "address:" + request.remote_address;
  // Announced larger than the limit, it was never read (the route's body limit, see
  // partner_router); a body read whole is checked here too.
  if (request.body_refused_length > 0 || request.body.size() > kMaxAsyncMdnBytes) {
    return refuse(core, responder, request, 413, "as2.mdn_refused", address_subject,
                  "an MDN larger than " + std::to_string(kMaxAsyncMdnBytes) + " bytes");
  }
  const std::string_view from = unquoted(request.header("AS2-From").value_or(""));
  const config::PartnerProfile* partner = live->partners->by_as2_id(from);
  if (partner == nullptr || !partner->as2) {
    return refuse(core, responder, request, 403, "as2.mdn_refused", address_subject,
                  "AS2-From is not a partner of ours",
                  {{"as2_from", std::string(from.substr(0, 128))}});
  }
  const std::string partner_subject = "partner:" + partner->id;
  // Absent is tolerated (MDNs are read leniently); naming another station is not.
  const auto to_header = request.header("AS2-To");
  const std::string_view to = unquoted(to_header.value_or(""));
  if (to_header && to != live->config->as2->our_id) {
    return refuse(core, responder, request, 403, "as2.mdn_refused", partner_subject,
                  "AS2-To is not our AS2 id", {{"as2_to", std::string(to.substr(0, 128))}});
  }
  auto parsed = as2::parse_mdn(as2_headers(request), request.body, &partner->as2->certificate);
  if (!parsed) {
    const bool forged = parsed.error().code == as2::ErrorCode::authentication_failed;
    return refuse(core, responder, request, forged ? 403 : 400, "as2.mdn_refused", partner_subject,
                  (forged ? "not signed by the partner's certificate: " : "not a readable MDN: ") +
                      parsed.error().message);
  }
  const as2::ParsedMdn& mdn = *parsed;
  // RFC 5322 caps a Message-ID at 998 characters; ours are far shorter, so a longer one can
  // match nothing, and the cut keeps audit entries bounded.
  const std::string original(trimmed(mdn.original_message_id).substr(0, kMaxMessageIdChars));
  if (partner->as2->mdn_signed && !mdn.signed_mdn) {
    return refuse(core, responder, request, 403, "as2.mdn_refused", partner_subject,
                  "unsigned, but the partner's profile asks for signed MDNs",
                  {{"original_message_id", original}});
  }
  store::Store& st = core.store();
  auto sent = st.find_as2_sent(partner->id, original);
  if (!sent.ok()) return responder.send(problem(500, "cannot read the store"));
  if (!sent.value()) {
    return refuse(core, responder, request, 404, "as2.mdn_unknown", partner_subject,
                  "no message we sent to this partner has that Original-Message-ID",
                  {{"original_message_id", original}});
  }
  const store::SentAs2& record = *sent.value();
  const std::string subject = "message:" + std::to_string(record.message_id);
  const json about = {{"as2_sent", record.id}, {"original_message_id", original}};
  const bool settled = record.state == store::as2_sent_state::mdn_ok ||
                       record.state == store::as2_sent_state::mdn_failed;
  if (settled) {
    (void)st.append_audit({"as2", "as2.mdn_duplicate", subject, store::json_text(about)});
    return responder.send(Response::text(200, ""));
  }
  // The MDN as received and the row that points at it in one commit, then the answer.
  const std::string raw_bytes = serialize_http(request.headers, request.body);
  auto raw = core.blobs().prepare(raw_bytes);
  if (!raw.ok()) return responder.send(problem(500, "cannot store the MDN"));
  store::SentAs2Change change = verdict(mdn, record);
  change.mdn_spool_id = raw.value().id;
  const store::Status recorded = st.batch([&]() -> store::Status {
    if (auto s = core.blobs().record(raw.value()); !s.ok()) return s;
    auto moved = st.update_as2_sent(record.id, change);
    if (!moved.ok()) return moved.status();
    // Settled meanwhile (the same MDN posted twice at once): keep nothing of this one.
    if (!moved.value()) return store::Status::error(store::StoreErrc::conflict, "settled");
    // An outbound message it carries: sent, or failed with why.
    return settle_outbound(st, record, change.state, change.error, partner->expect_ack_seconds);
  });
  if (recorded.code == store::StoreErrc::conflict) {
    (void)st.append_audit({"as2", "as2.mdn_duplicate", subject, store::json_text(about)});
    return responder.send(Response::text(200, ""));
  }
  if (!recorded.ok()) return responder.send(problem(500, "cannot record the MDN"));
  core.metrics()
      .counter("edigate_mdns_received_total", "Async MDNs recorded",
               {{"partner", partner->id}, {"state", std::string(change.state)}})
      .add();
  responder.send(Response::text(200, ""));
}

}  // namespace edigate::gateway::daemon
