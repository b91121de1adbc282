// Outbound documents from the ERP: POST /api/outbound (see outbound.hpp).
#include "daemon/outbound.hpp"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "daemon/counters.hpp"
#include "daemon/handlers.hpp"
#include "daemon/jobs.hpp"
#include "edigate/edi/mapping.hpp"
#include "pipeline/process.hpp"
#include "store/control_numbers.hpp"
#include "store/sha256.hpp"

namespace edigate::gateway::daemon {
namespace {

using http::Request;
using http::Responder;
using nlohmann::json;

// The Message-ID of an outbound message: from the ERP's Idempotency-Key when it sends one (the
// same key for the same partner is the same message), else random. Also the message's unique
// key in the store, whatever transport carries it.
std::string outbound_message_id(const Live& live, const config::PartnerProfile& partner,
                                const Request& request) {
  std::string unique;
  if (const auto key = request.header("Idempotency-Key"); key && !key->empty()) {
    unique = store::sha256_hex(partner.id + "\n" + std::string(*key)).substr(0, 32);
  } else {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
      unique += kHex[b >> 4];
      unique += kHex[b & 0x0f];
    }
  }
  return "<edigate-out-" + unique + "@" +
         (live.config->as2 ? live.config->as2->our_id : "edigate") + ">";
}

// The documents of an outbound request: one canonical document (a JSON object) or an array of
// them; an error text otherwise.
std::variant<std::vector<json>, std::string> outbound_documents(const std::string& body) {
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::parse_error& e) {
    return std::string("the body is not JSON: ") + e.what();
  }
  std::vector<json> docs;
  if (parsed.is_object()) docs.push_back(std::move(parsed));
  if (parsed.is_array()) {
    for (json& d : parsed) {
      if (!d.is_object()) return std::string("the array holds something that is not a document");
      docs.push_back(std::move(d));
    }
  }
  if (docs.empty()) return std::string("the body is neither a document nor an array of them");
  if (docs.size() > kMaxOutboundDocuments) {
    return "more than " + std::to_string(kMaxOutboundDocuments) + " documents in one request";
  }
  return docs;
}

}  // namespace

// POST /api/outbound?partner=ID[&standard=x12|edifact]: canonical documents from the ERP for a
// partner, rendered at once into one interchange with our control numbers (422 naming each
// problem's JSON path when they cannot be), then stored (what the ERP sent, the interchange)
// with its send job in one commit: 202 with the message id. The send job carries it to the
// partner over AS2 (signed and encrypted as their profile says) and tracks its MDN.
void outbound_intake(Core& core, const Live& live, const Request& request, Responder& responder,
                     const std::string& actor) {
  store::Store& st = core.store();
  const std::string partner_id = query_value(request.query, "partner");
  if (partner_id.empty()) return responder.send(problem(400, "name the partner: ?partner=ID"));
  const config::PartnerProfile* partner = live.partners->by_id(partner_id);
  if (partner == nullptr) return responder.send(problem(404, "no partner " + partner_id));
  // AS2 when the partner has a url (and we a station), else their HTTPS API, else their SFTP
  // server.
  const bool by_as2 = partner->as2 && !partner->as2->url.empty() && live.config->as2;
  const bool by_https = !by_as2 && !partner->https_push_connector.empty();
  if (!by_as2 && !by_https && !partner->sftp_push) {
    return responder.send(problem(409, "partner " + partner_id +
                                           " has neither an AS2 url (with our AS2 station), an "
                                           "<https-push> nor an <sftp-push> to send to"));
  }
  if (!partner->mapping) {
    return responder.send(problem(409, "partner " + partner_id + " has no <mapping dir>"));
  }
  const std::string standard_name = query_value(request.query, "standard");
  if (!standard_name.empty() && standard_name != "x12" && standard_name != "edifact") {
    return responder.send(problem(400, "standard is x12 or edifact"));
  }
  const edi::Standard standard =
      standard_name == "edifact" || (standard_name.empty() && !partner->x12 && partner->edifact)
          ? edi::Standard::edifact
          : edi::Standard::x12;
  auto docs = outbound_documents(request.body);
  if (const auto* error = std::get_if<std::string>(&docs)) {
    return responder.send(problem(400, *error));
  }
  const std::string message_id = outbound_message_id(live, *partner, request);
  if (message_id.empty()) return responder.send(problem(500, "no random bytes for a Message-ID"));
  // A repeated request (the same Idempotency-Key): the message it made, nothing new. Looked up
  // before rendering (no control numbers spent on it) and again after a duplicate insert (a
  // repeat that raced the first).
  const auto existing = [&]() -> store::Result<std::vector<store::Message>> {
    store::MessageFilter filter;
    filter.partner = partner->id;
    filter.direction = "out";
    filter.as2_message_id = message_id;
    filter.limit = 1;
    return st.list_messages(filter);
  };
  const auto answer_existing = [&](const std::vector<store::Message>& found) {
    if (found.empty()) return responder.send(problem(500, "a duplicate, yet not found"));
    const std::int64_t id = found.front().id;
    responder.send(json_response(200, json{{"message_id", id},
                                           {"as2_message_id", message_id},
                                           {"duplicate", true},
                                           {"status", "/api/messages/" + std::to_string(id)}}));
  };
  if (auto found = existing(); found.ok() && !found.value().empty()) {
    return answer_existing(found.value());
  }
  // Rendered once with numbers of no consequence to find what is wrong, so that a refused
  // request leaves no gap in the partner's control numbers; then with ours.
  const std::vector<json>& documents = std::get<std::vector<json>>(docs);
  edi::InMemoryControlNumbers trial_numbers;
  const edi::mapping::RenderResult trial =
      edi::mapping::render_interchange(*partner->mapping, standard, documents, trial_numbers);
  if (!trial.ok()) {
    json problems = json::array();
    for (const edi::mapping::Issue& i : trial.issues) problems.push_back(i.to_string());
    return responder.send(
        json_response(422, json{{"error", "the documents cannot be rendered for " + partner_id},
                                {"problems", std::move(problems)}}));
  }
  // What we would send is read back as the partner will read it (envelopes, the transaction
  // set schemas, the maps): a value the maps let through but the standard does not (too long,
  // a wrong code) is refused here rather than by the partner's 997.
  ProcessOptions check;
  check.send_acks = false;
  check.partner_id = partner->id;
  check.limits = live.config->limits.edi;
  if (json problems = readback_errors(process_edi(trial.bytes, *partner->mapping, check));
      !problems.empty()) {
    return responder.send(json_response(
        422, json{{"error", "the interchange rendered for " + partner_id + " does not validate"},
                  {"problems", std::move(problems)}}));
  }
  store::ControlNumbers numbers(st, partner->id);
  const edi::mapping::RenderResult rendered =
      edi::mapping::render_interchange(*partner->mapping, standard, documents, numbers);
  if (!numbers.first_error().ok()) {
    return responder.send(problem(500, "control numbers: " + numbers.first_error().message));
  }
  if (!rendered.ok()) return responder.send(problem(500, "the documents rendered only once"));
  // Its transaction sets with our control numbers: the documents a 997/999/CONTRL names.
  const ProcessResult sets = process_edi(rendered.bytes, *partner->mapping, check);
  auto payload = core.blobs().prepare(request.body);
  auto interchange = core.blobs().prepare(rendered.bytes);
  if (!payload.ok() || !interchange.ok()) {
    return responder.send(problem(500, "cannot store the documents"));
  }
  store::NewMessage m;
  m.transport = by_as2 ? "as2" : by_https ? "https" : "sftp";
  m.partner = partner->id;
  m.as2_message_id = message_id;
  m.payload_id = payload.value().id;
  m.raw_id = interchange.value().id;
  m.size = rendered.bytes.size();
  m.content_type = "application/json";
  std::int64_t id = 0;
  const store::Status recorded = st.batch([&]() -> store::Status {
    if (auto s = core.blobs().record(payload.value()); !s.ok()) return s;
    if (auto s = core.blobs().record(interchange.value()); !s.ok()) return s;
    auto added = st.add_outbound_message(m, kSendOutJob, actor);
    if (!added.ok()) return added.status();
    id = added.value().message_id;
    for (const ProcessedSet& set : sets.sets) {
      store::NewDocument d = new_document(id, set);
      d.status = std::string(store::document_status::awaiting_ack);
      if (auto doc = st.add_document(d); !doc.ok()) return doc.status();
    }
    return store::Status::success();
  });
  if (recorded.code == store::StoreErrc::duplicate) {
    auto found = existing();
    if (!found.ok()) return responder.send(problem(500, found.status().message));
    return answer_existing(found.value());
  }
  if (!recorded.ok()) return responder.send(problem(500, "cannot record the documents"));
  counters::outbound_messages(core.metrics(), partner->id).add();
  core.wake();
  responder.send(json_response(202, json{{"message_id", id},
                                         {"as2_message_id", message_id},
                                         {"status", "/api/messages/" + std::to_string(id)}}));
}

}  // namespace edigate::gateway::daemon
