#include "daemon/handlers.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "config/cert_expiry.hpp"
#include "config/token_hash.hpp"
#include "connectors/circuit_breaker.hpp"
#include "daemon/counters.hpp"
#include "daemon/jobs.hpp"
#include "daemon/mdn_receipt.hpp"
#include "daemon/outbound.hpp"
#include "edigate/as2/receive.hpp"
#include "store/sha256.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::daemon {
namespace {

using http::Request;
using http::Responder;
using http::Response;
using nlohmann::json;

constexpr std::size_t kMaxFilename = 255;

// Runs `work` on the worker pool; when the pool is full the client is told to come back. An
// exception a handler lets out (a bug, out of memory) ends that request with a 500, never the
// worker thread and with it the daemon.
void on_worker(http::WorkerPool& pool, Request request, Responder responder,
               std::function<void(Request&, Responder&)> work) {
  auto shared = std::make_shared<std::pair<Request, Responder>>(std::move(request), responder);
  const bool queued = pool.submit([shared, work = std::move(work)] {
    try {
      work(shared->first, shared->second);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "edigate: %s %s failed: %s\n", shared->first.method.c_str(),
                   shared->first.path.c_str(), e.what());
      shared->second.send(Response::error(500));  // nothing if the handler had answered
    }
  });
  if (!queued) {
    Response busy = Response::error(503);
    busy.headers.emplace_back("Retry-After", std::to_string(http::kDefaultRetryAfterSeconds));
    responder.send(std::move(busy));
  }
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// Form-decoded: "+" is a space, "%3C" a "<" (a malformed escape stays as it is).
std::string form_decode(std::string_view text) {
  const auto hex = config::hex_digit_value;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
               hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// ?limit=N of a listing, or `otherwise` when absent or not a positive number (the store caps
// it at kMaxListLimit).
std::size_t list_limit(const Request& r, std::size_t otherwise) {
  const auto limit = parse_id(query_value(r.query, "limit"));
  return limit ? static_cast<std::size_t>(*limit) : otherwise;
}

// What is wrong with a list's `limit` or `status` parameters (a typo must not read as "no
// messages"); nullopt when nothing is.
std::optional<std::string> bad_list_query(const Request& r, bool with_status) {
  if (const std::string limit = query_value(r.query, "limit"); !limit.empty() && !parse_id(limit)) {
    return "limit is a whole number from 1";
  }
  if (!with_status) return std::nullopt;
  const std::string status = query_value(r.query, "status");
  if (status.empty()) return std::nullopt;
  std::string known_list;
  for (std::string_view known : store::message_status::all) {
    if (status == known) return std::nullopt;
    known_list += (known_list.empty() ? "" : ", ") + std::string(known);
  }
  return "status is one of " + known_list;
}

// Whether `s` starts with `prefix`, ASCII letters in any case.
bool starts_with_any_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

// The token of "Authorization: Bearer <token>" (the scheme in any case, RFC 9110 11.1).
std::optional<std::string_view> bearer(const Request& r) {
  const auto auth = r.header("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (!auth || !starts_with_any_case(*auth, kScheme)) return std::nullopt;
  std::string_view token = auth->substr(kScheme.size());
  while (token.starts_with(' ')) token.remove_prefix(1);  // 1*SP
  return token;
}

// --- AS2 --------------------------------------------------------------------------------------

as2::PartnerProfile as2_profile(const config::As2Station& station, const config::PartnerAs2& p) {
  as2::PartnerProfile profile;
  profile.as2_id = p.id;
  profile.sign_as = config::sign_as(station, p);
  profile.certificate = p.certificate;
  profile.require_signed = p.require_signed;
  profile.require_encrypted = p.require_encrypted;
  profile.accept_sha1_signatures = p.allow_sha1;
  profile.accept_digests = p.accept_digests;
  profile.accept_ciphers = p.accept_ciphers;
  return profile;
}

Response mdn_response(const as2::HttpMessage& mdn) {
  Response r;
  r.status = 200;
  for (const auto& h : mdn.headers) {
    // Where a stored async MDN goes is ours, not part of the MDN (a duplicate may be answered
    // with that MDN).
    if (h.name != kAsyncMdnTarget) r.headers.emplace_back(h.name, h.value);
  }
  r.body = mdn.body;
  return r;
}

}  // namespace

// JSON text for a response or an audit entry: bytes that are not UTF-8 (a header a partner
// sent, a file name) become U+FFFD instead of an exception.
Response json_response(unsigned status, const json& body) {
  return Response::text(status, store::json_text(body), "application/json");
}

std::string query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name && eq != std::string_view::npos) {
      return form_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

Response problem(unsigned status, std::string_view message) {
  return json_response(status, json{{"error", message}});
}

// A failure inside the gateway (the store, a spool file): its detail, which may name files and
// paths, goes to the daemon's log; the client gets `what` and a pointer there.
Response server_problem(const Request& r, std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "edigate: %s %s: %.*s: %.*s\n", r.method.c_str(), r.path.c_str(),
               static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()),
               detail.data());
  return problem(500, std::string(what) + " (see the gateway's log)");
}

// Partners' bytes for an operator: sent only with their audit entry (`read`) written; a
// failure to read them or to audit the read is a server_problem.
Response audited_answer(Core& core, const Request& request, std::string bytes,
                        const char* content_type, const store::AuditEvent& read) {
  if (auto a = core.store().append_audit(read); !a.ok()) {
    return server_problem(request, "cannot audit this read: nothing sent", a.status().message);
  }
  return Response::text(200, std::move(bytes), content_type);
}

// The same for the bytes kept under `spool_id`.
Response audited_read(Core& core, const Request& request, const std::string& spool_id,
                      std::string_view what, const char* content_type,
                      const store::AuditEvent& read) {
  auto bytes = core.blobs().read(spool_id);
  if (!bytes.ok()) {
    return server_problem(request, "cannot read " + std::string(what), bytes.status().message);
  }
  return audited_answer(core, request, std::move(bytes.value()), content_type, read);
}

// The acknowledgements we built for a received message (997/999/TA1/CONTRL), each a whole
// interchange, in the order they were made; empty when there are none.
store::Result<std::string> our_acks(Core& core, std::int64_t message_id) {
  auto acks = core.store().list_acks(message_id);
  if (!acks.ok()) return acks.status();
  std::string out;
  for (const store::Ack& a : acks.value()) {
    if (a.direction != store::Direction::outbound) continue;
    auto bytes = core.blobs().read(a.spool_id);
    if (!bytes.ok()) return bytes.status();
    out += bytes.value();
  }
  return out;
}

as2::Headers as2_headers(const Request& r) {
  as2::Headers headers;
  for (const auto& [name, value] : r.headers) headers.push_back({name, value});
  return headers;
}

// Splits what serialize_http wrote back into headers and body.
std::optional<as2::HttpMessage> parse_http(std::string_view bytes) {
  as2::HttpMessage m;
  while (true) {
    const std::size_t eol = bytes.find("\r\n");
    if (eol == std::string_view::npos) return std::nullopt;
    const std::string_view line = bytes.substr(0, eol);
    bytes.remove_prefix(eol + 2);
    if (line.empty()) break;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    m.headers.push_back({std::string(line.substr(0, colon)), std::string(value)});
  }
  m.body = std::string(bytes);
  return m;
}

namespace {

// An async MDN URL we can post to: http:// or https://, printable ASCII without spaces, at most
// 2048 bytes. Another (a mailto:, a typo) would only fail at every attempt while the partner
// waits for its receipt: its MDN is answered in the response instead.
bool postable_url(std::string_view url) {
  if (url.size() > 2048) return false;
  if (!starts_with_any_case(url, "http://") && !starts_with_any_case(url, "https://")) {
    return false;
  }
  return std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Whether a URL's path could lead out of the path it starts with once a client or server
// normalises it: a "." or ".." segment (libcurl removes them), a backslash, or a dot, slash or
// backslash percent-encoded (the server decodes them).
bool path_climbs(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  if (path.find('\\') != std::string_view::npos) return true;
  for (std::size_t i = path.find('%'); i != std::string_view::npos; i = path.find('%', i + 1)) {
    const std::string_view code = path.substr(i + 1, 2);
    if (boost::beast::iequals(code, "2e") || boost::beast::iequals(code, "2f") ||
        boost::beast::iequals(code, "5c")) {
      return true;
    }
  }
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "." || segment == "..") return true;
    start = end + 1;
  }
  return false;
}

// Whether `url` lies under `prefix` (scheme://host[:port]/path, as partner.xsd lets it be
// written): the scheme and authority the same but for case, the path starting with the
// prefix's as written, and nothing in it that could climb out of that path.
bool under_prefix(std::string_view url, std::string_view prefix) {
  const auto authority_end = [](std::string_view u) {
    const std::size_t scheme = u.find("://");
    return scheme == std::string_view::npos ? scheme : u.find('/', scheme + 3);
  };
  const std::size_t at = authority_end(prefix);
  if (at == std::string_view::npos || authority_end(url) != at) return false;
  if (!boost::beast::iequals(url.substr(0, at), prefix.substr(0, at))) return false;
  const std::string_view path = url.substr(at);
  return path.starts_with(prefix.substr(at)) && !path_climbs(path);
}

}  // namespace

std::string_view why_not_post_mdn_to(std::string_view url, const config::PartnerProfile* partner) {
  if (!postable_url(url)) {
    return "not an http:// or https:// URL of at most 2048 printable characters";
  }
  if (partner == nullptr || !partner->as2 || partner->as2->async_mdn_urls.empty()) return {};
  const auto& allowed = partner->as2->async_mdn_urls;
  const bool listed = std::any_of(allowed.begin(), allowed.end(),
                                  [url](const std::string& p) { return under_prefix(url, p); });
  return listed ? std::string_view{} : "not under the partner's <policy async-mdn-urls>";
}

namespace {

// Why an MDN asked for at the URL a message names (Receipt-Delivery-Option) is not posted
// there, or empty. The URL comes from the request: a gateway that posted wherever anyone asked
// would make requests into its own network for strangers, so a refused message gets its
// negative MDN in the answer to its POST (only a message its partner's policy accepted is
// answered later), as does one whose URL we cannot post to or its partner's
// <policy async-mdn-urls> does not list.
std::string_view why_mdn_not_posted(const as2::ReceiveOutcome& outcome,
                                    const config::PartnerProfile* partner) {
  return why_not_post_mdn_to(outcome.mdn_request.async_url, partner);
}

// Is the MDN posted later to the URL the message names?
bool posts_mdn_later(const as2::ReceiveOutcome& outcome, const config::PartnerProfile* partner) {
  return !outcome.mdn_request.async_url.empty() && as2::is_positive(outcome.disposition) &&
         why_mdn_not_posted(outcome, partner).empty();
}

// A message we have already taken (the same AS2-From and Message-ID: its row's unique key
// refused this one): the MDN stored for it again, nothing processed twice. Found at the insert
// rather than looked up before it, so that no query is spent on the messages that are not
// duplicates, and a retry that raced the first copy to the commit gets the MDN too.
void answer_duplicate(Core& core, const config::PartnerProfile* partner,
                      const std::string& partner_id, const as2::ReceiveOutcome& outcome,
                      std::string_view body, Responder& responder) {
  store::Store& st = core.store();
  // The first copy may have been committed by another writer and not yet flushed: nothing is
  // said about it before it is on disk.
  if (!st.sync().ok()) return responder.send(problem(500, "cannot record the message"));
  // What this copy was, so that a different content sent under a Message-ID already taken
  // shows in the audit (its sender sees the first copy's MIC in the MDN, not its own).
  (void)st.append_audit(
      {"as2", "as2.duplicate", "partner:" + partner_id,
       store::json_text(json{{"message_id", outcome.message_id},
                             {"mic", outcome.mic ? outcome.mic->to_string() : std::string()},
                             {"body_sha256", store::sha256_hex(body)}})});
  // No MDN to send back (this copy asks for none, or the first asked for none): the first
  // copy's fate in the status, so that a retry of a refused message does not read as taken.
  const auto answer_without_mdn = [&] {
    store::MessageFilter filter;
    filter.partner = partner_id;
    filter.direction = "in";
    filter.as2_message_id = outcome.message_id;
    filter.limit = 1;
    auto first = st.list_messages(filter);
    // Refused at receipt (not a message taken whose EDI failed later).
    if (first.ok() && !first.value().empty() && !not_processable(first.value().front()).empty()) {
      return responder.send(
          problem(400, "the AS2 message was refused when its first copy was received"));
    }
    responder.send(Response::text(200, ""));
  };
  if (!outcome.mdn || posts_mdn_later(outcome, partner)) return answer_without_mdn();
  auto earlier = st.get_mdn_for(partner_id, outcome.message_id);
  if (!earlier.ok()) return responder.send(problem(500, "cannot read the stored MDN"));
  if (!earlier.value()) return answer_without_mdn();
  auto bytes = core.blobs().read(earlier.value()->spool_id);
  auto mdn = bytes.ok() ? parse_http(bytes.value()) : std::nullopt;
  if (!mdn) return responder.send(problem(500, "cannot read the stored MDN"));
  responder.send(mdn_response(*mdn));
}

// A refused message whose sender asked for no MDN: nothing else would tell it, so the HTTP
// status does (400) with the disposition an MDN would have carried.
Response refused_without_mdn(const as2::ReceiveOutcome& outcome) {
  return problem(400, "the AS2 message was refused: " +
                          std::string(as2::disposition_text(outcome.disposition)));
}

// The counters of an AS2 request received. Labels name configured partners only: a stranger's
// AS2-From is the sender's to choose, and a series per value would grow without bound.
void count_as2_received(Core& core, const config::PartnerProfile* partner, std::size_t bytes,
                        bool processed) {
  const std::string label = partner != nullptr ? partner->id : "unknown";
  counters::messages_received(core.metrics(), label, "as2").add();
  counters::bytes_received(core.metrics(), label, "as2").add(static_cast<double>(bytes));
  if (!processed) counters::receive_errors(core.metrics(), label, "as2").add();
}

// What is kept of a refused request's body: its first `limit` bytes. The bytes are no
// partner's for sure (nothing verified them), and anyone can send `body-bytes` of them.
std::string_view kept_of_refused(std::string_view body, std::uint64_t limit) {
  return body.size() <= limit ? body : body.substr(0, static_cast<std::size_t>(limit));
}

// RecipientInfos tried for a request from an address past its share of refusals.
constexpr std::size_t kRecipientsPastTheGate = 2;

void as2_intake(Core& core, Request& request, Responder& responder) {
  const auto live = core.live();
  const auto& station = live->config->as2;
  if (!station) return responder.send(problem(503, "this gateway has no AS2 station configured"));
  store::Store& st = core.store();
  const as2::Headers headers = as2_headers(request);
  const as2::LocalStation local = config::local_station(*station);
  std::optional<as2::PartnerProfile> profile;
  const config::PartnerProfile* partner = nullptr;
  auto lookup = [&](std::string_view from) -> const as2::PartnerProfile* {
    partner = live->partners->by_as2_id(from);
    if (partner == nullptr || !partner->as2) return nullptr;
    profile = as2_profile(*station, *partner->as2);
    return &*profile;
  };
  as2::Limits limits;
  limits.max_decompressed_bytes = live->config->limits.decompressed_bytes;
  // An address past its share of stored refusals gets its refusal unsigned (a flood of requests
  // asking for signed MDNs costs no private-key operation each), and at most two
  // RecipientInfos tried (ours and the sender's own copy), not sixteen: a flood of enveloped
  // data naming a partner costs two private-key operations a request at most.
  // The cap goes by the address's own share only: strangers elsewhere filling the total must not
  // make a partner's message encrypted to several recipients fail.
  const RefusalGate::Standing standing = core.as2_refusals().standing(request.remote_address);
  limits.sign_refusals = standing.room;
  if (standing.over_own_share) {
    limits.max_recipients = std::min(limits.max_recipients, kRecipientsPastTheGate);
  }
  as2::ReceiveOutcome outcome = as2::receive(headers, request.body, local, lookup, limits);
  const std::string partner_id =
      partner != nullptr ? partner->id : "unknown:" + outcome.as2_from.substr(0, 128);
  const bool processed = as2::is_positive(outcome.disposition);
  // Past that share (RefusalGate): the same answer, nothing stored, counted and summed up once
  // a minute. Only for refusals that nothing verified to be a partner's (a stranger's, or one
  // that names a partner and failed before its signature verified): a partner's name in it
  // earns it nothing more. One whose signature verified (then refused for its policy or a
  // limit) is the partner's, and is always stored and answered signed.
  if (!processed && !outcome.was_signed &&
      !core.as2_refusals().admit(request.remote_address, now_ms())) {
    count_as2_received(core, partner, request.body.size(), processed);
    counters::as2_refusals_unrecorded(core.metrics()).add();
    if (outcome.mdn) return responder.send(mdn_response(*outcome.mdn));
    return responder.send(refused_without_mdn(outcome));
  }

  // In one commit: the request as received (of a refused one, the start of its body), the
  // payload unwrapped from it and the MDN (small: database blobs; large: spool files written
  // here, before it), the message row and its first job.
  const std::string_view kept =
      processed ? std::string_view(request.body)
                : kept_of_refused(request.body, live->config->limits.refused_keep_bytes);
  std::string error = outcome.error;
  if (kept.size() < request.body.size()) {
    error += "; stored the first " + std::to_string(kept.size()) + " of " +
             std::to_string(request.body.size()) +
             " bytes of the body (SHA-256 of all: " + store::sha256_hex(request.body) + ")";
  }
  const std::string raw_bytes = serialize_http(request.headers, kept);
  auto raw = core.blobs().prepare(raw_bytes);
  if (!raw.ok()) return responder.send(problem(500, "cannot store the message"));
  std::optional<store::PendingBlob> payload;
  if (processed) {
    auto prepared = core.blobs().prepare(outcome.payload);
    if (!prepared.ok()) return responder.send(problem(500, "cannot store the message"));
    payload = std::move(prepared.value());
  }
  // The MDN's bytes too, so that a duplicate later gets exactly these.
  const bool async_mdn = outcome.mdn && posts_mdn_later(outcome, partner);
  std::string mdn_bytes;
  std::optional<store::PendingBlob> mdn_blob;
  if (outcome.mdn) {
    // An async MDN keeps where it goes with it (never part of what is posted).
    if (async_mdn) {
      as2::Headers mdn_headers{{kAsyncMdnTarget, outcome.mdn_request.async_url}};
      mdn_headers.insert(mdn_headers.end(), outcome.mdn->headers.begin(),
                         outcome.mdn->headers.end());
      mdn_bytes = serialize_http(mdn_headers, outcome.mdn->body);
    } else {
      mdn_bytes = serialize_http(outcome.mdn->headers, outcome.mdn->body);
    }
    auto prepared = core.blobs().prepare(mdn_bytes);
    if (!prepared.ok()) return responder.send(problem(500, "cannot store the MDN"));
    mdn_blob = std::move(prepared.value());
  }
  store::NewMessage m;
  m.transport = "as2";
  m.partner = partner_id;
  // The Message-ID is the key later copies are answered by (the stored MDN, nothing processed
  // twice) only when the partner's signature verified, or the message was taken without one
  // its policy allows. Anyone can put a partner's AS2-From and a Message-ID on a request: one
  // refused before anything verified it keeps its Message-ID in its error, so that it cannot
  // make the partner's own message with that Message-ID a "duplicate" of it, and a retry of a
  // message refused for our own mistake (a key renewed too early) is received again.
  const bool keyed = processed || outcome.was_signed;
  if (keyed) {
    m.as2_message_id = outcome.message_id;
  } else if (!outcome.message_id.empty()) {
    error += " (Message-ID " + outcome.message_id.substr(0, 256) + ")";
  }
  m.payload_id = payload ? payload->id : raw.value().id;
  if (payload) m.raw_id = raw.value().id;
  m.size = processed ? outcome.payload.size() : request.body.size();
  m.content_type = processed ? outcome.payload_content_type : "";
  // One commit: the message, its first job, its status, the MDN and its sending, the audit.
  std::int64_t message_id = 0;
  const store::Status recorded = st.batch([&]() -> store::Status {
    if (auto s = core.blobs().record(raw.value()); !s.ok()) return s;
    if (payload) {
      if (auto s = core.blobs().record(*payload); !s.ok()) return s;
    }
    if (mdn_blob) {
      if (auto s = core.blobs().record(*mdn_blob); !s.ok()) return s;
    }
    auto added = st.add_received_message(m, processed ? kProcessJob : std::string_view{});
    if (!added.ok()) return added.status();
    message_id = added.value().message_id;
    if (!processed) {
      if (auto s = st.set_message_status(message_id, store::message_status::failed, error);
          !s.ok()) {
        return s;
      }
    }
    if (!mdn_blob) return store::Status::success();
    if (auto s = st.store_mdn({message_id, mdn_blob->id,
                               std::string(as2::disposition_text(outcome.disposition)),
                               outcome.mdn_request.signed_receipt});
        !s.ok()) {
      return s;
    }
    if (!async_mdn) return store::Status::success();
    auto queued = st.enqueue(kSendMdnJob, store::JobRef{message_id, std::nullopt}, now_ms());
    return queued.ok() ? store::Status::success() : queued.status();
  });
  if (!recorded.ok()) {
    // Refused by the message's unique key, in a transaction that committed (had it failed,
    // the status would be the commit's error): the first copy is stored.
    if (recorded.code == store::StoreErrc::duplicate) {
      return answer_duplicate(core, partner, partner_id, outcome, request.body, responder);
    }
    return responder.send(problem(500, "cannot record the message"));
  }
  count_as2_received(core, partner, request.body.size(), processed);
  if (processed && outcome.mdn && !outcome.mdn_request.async_url.empty() && !async_mdn) {
    std::cerr << "edigate: as2: message " + std::to_string(message_id) + " from " + partner_id +
                     " asks for its MDN at a URL we do not post to (" +
                     std::string(why_mdn_not_posted(outcome, partner)) +
                     "): answered in the response\n";
  }
  if (!processed) {
    // The journal says so too (stored refusals only: those past the refusal gate are summed
    // up once a minute, so a flood cannot fill the log).
    const std::string line = "edigate: as2: refused message " + std::to_string(message_id) +
                             " from " + partner_id + " (" + request.remote_address +
                             "): " + std::string(as2::disposition_text(outcome.disposition)) +
                             ": " + outcome.error.substr(0, 300) + "\n";
    std::cerr << line;
  }
  core.wake();
  if (outcome.mdn && !async_mdn) {
    return responder.send(mdn_response(*outcome.mdn));
  }
  // Async MDN (posted later) or none asked for: the message is safe, say so now; refused with
  // no MDN asked for, the status says so (a 2xx would read as taken).
  if (!processed && !outcome.mdn) return responder.send(refused_without_mdn(outcome));
  responder.send(Response::text(200, ""));
}

// --- upload API -------------------------------------------------------------------------------

// The partner a request's credentials name. Every credential presented must be right: a wrong
// token is refused even beside a good client certificate, and a token and a certificate of
// two different partners are refused (either could be the stolen one).
const config::PartnerProfile* upload_partner(const Live& live, const Request& r) {
  const config::PartnerProfile* by_cert = nullptr;
  if (r.client_cert_sha256) {
    if (auto fingerprint = config::parse_sha256_hex(*r.client_cert_sha256)) {
      by_cert = live.partners->by_client_cert(*fingerprint);
    }
  }
  const auto token = bearer(r);
  if (!token) return by_cert;
  const config::PartnerProfile* by_token = live.partners->by_upload_token(*token);
  if (by_token == nullptr || (by_cert != nullptr && by_cert != by_token)) return nullptr;
  return by_token;
}

Response unauthorized() {
  Response r = problem(401,
                       "a partner token (Authorization: Bearer) or client certificate is "
                       "needed");
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

// An upload without a valid token or client certificate: anyone can send one, so each is
// audited only as far as Core::upload_refusals lets it (a commit each); the rest are counted
// and summed up once a minute.
void refused_upload(Core& core, const Request& request) {
  if (core.upload_refusals().admit(request.remote_address, now_ms())) {
    (void)core.store().append_audit(
        {"https", "upload.refused", "address:" + request.remote_address, "{}"});
    return;
  }
  counters::upload_refusals_unaudited(core.metrics()).add();
}

void upload(Core& core, Request& request, Responder& responder) {
  const auto live = core.live();
  const config::PartnerProfile* partner = upload_partner(*live, request);
  if (partner == nullptr) {
    refused_upload(core, request);
    return responder.send(unauthorized());
  }
  if (request.body.empty()) {  // nothing to keep but the attempt, which is the partner's
    (void)core.store().append_audit({"https", "upload.refused", "partner:" + partner->id,
                                     store::json_text({{"partner", partner->id},
                                                       {"address", request.remote_address},
                                                       {"error", "the body is empty"}})});
    return responder.send(problem(400, "the body is empty"));
  }
  store::NewMessage m;
  m.transport = "https";
  m.partner = partner->id;
  m.filename = std::string(request.header("X-Filename").value_or("").substr(0, kMaxFilename));
  m.content_type = std::string(request.header("Content-Type").value_or(""));
  auto added = core.blobs().add_received(std::move(m), request.body, kProcessJob);
  if (!added.ok()) return responder.send(problem(500, "cannot record the document"));
  counters::messages_received(core.metrics(), partner->id, "https").add();
  core.wake();
  const std::string id = std::to_string(added.value().message_id);
  Response r = json_response(
      202, json{{"message_id", added.value().message_id}, {"status", "/upload/" + id}});
  r.headers.emplace_back("Location", "/upload/" + id);
  responder.send(std::move(r));
}

void upload_status(Core& core, Request& request, Responder& responder) {
  const auto live = core.live();
  const config::PartnerProfile* partner = upload_partner(*live, request);
  if (partner == nullptr) return responder.send(unauthorized());
  const auto id =
      parse_id(std::string_view(request.path).substr(std::string_view("/upload/").size()));
  auto message = id ? core.store().get_message(*id)
                    : store::Result<std::optional<store::Message>>(std::optional<store::Message>{});
  if (!message.ok()) {
    return responder.send(
        server_problem(request, "cannot read the message", message.status().message));
  }
  // Another partner's message is as good as absent.
  if (!message.value() || message.value()->partner != partner->id) {
    return responder.send(problem(404, "no such message"));
  }
  json body = store::message_json(*message.value());
  std::string error;
  if (!store::add_documents(core.store(), *id, body, error)) {
    return responder.send(server_problem(request, "cannot read the message's documents", error));
  }
  responder.send(json_response(200, body));
}

// --- admin API --------------------------------------------------------------------------------

// The admin token the request presents (its name is what the audit log records as the actor;
// it lives as long as `live`), or null. Every configured token is compared, in constant time,
// whatever matches first.
const config::AdminToken* admin_token(const Live& live, const Request& r) {
  const auto token = bearer(r);
  if (!token) return nullptr;
  const config::Sha256 presented = config::sha256_of(*token);
  const config::AdminToken* match = nullptr;
  for (const config::AdminToken& t : live.config->admin.tokens) {
    if (config::equal_constant_time(presented, t.sha256) && match == nullptr) match = &t;
  }
  return match;
}

// A job kind as a metric label: a delivery keeps its connector (a configured, bounded set);
// kinds that carry an id (send_ack:<ack>, mdn_timeout:<sent>) are counted under their prefix,
// or every acknowledgement would leave a series behind.
std::string queue_label(std::string_view kind) {
  if (kind.starts_with(kDeliverJob) || kind.starts_with(kRedeliverJob)) return std::string(kind);
  return std::string(kind.substr(0, kind.find(':')));
}

// Each connector's circuit breaker: 1 from the failure that opened it until a delivery gets
// through again (its deliveries held meanwhile), 0 while closed. Read from memory, so it stays
// true when the store fails.
void update_circuit_gauges(Core& core) {
  const auto live = core.live();  // held for the loop (a reload may drop the last other one)
  std::vector<std::pair<http::Labels, double>> circuits;
  for (const auto& [name, connector] : live->connectors) {
    const connectors::CircuitBreaker* breaker = connector->breaker();
    if (breaker == nullptr) continue;
    const bool open = breaker->state() != connectors::CircuitBreaker::State::closed;
    circuits.emplace_back(http::Labels{{"connector", name}}, open ? 1.0 : 0.0);
  }
  core.metrics().set_gauge_family("edigate_connector_circuit_open",
                                  "Whether the connector's circuit breaker holds its deliveries",
                                  circuits);
}

void update_queue_gauges(Core& core) {
  update_circuit_gauges(core);
  auto depth = core.store().queue_depth();
  if (!depth.ok()) return;
  // Every kind this configuration can queue has its series, 0 when none is waiting.
  std::map<std::string, store::QueueDepth> by_label;
  for (std::string_view kind : {kProcessJob, kSendMdnJob, kSendAckJob, kMdnTimeoutJob, kSendOutJob,
                                kAckDueJob, kNotifyOutJob}) {
    by_label.try_emplace(queue_label(kind));
  }
  // Held for the loop: a reload may drop the last other reference to this configuration.
  const auto live = core.live();
  for (const config::ConnectorConfig& c : live->config->connectors) {
    by_label.try_emplace(std::string(kDeliverJob) + c.name);
    by_label.try_emplace(std::string(kRedeliverJob) + c.name);
  }
  for (const store::QueueDepth& q : depth.value()) {
    store::QueueDepth& sum = by_label[queue_label(q.kind)];
    sum.ready += q.ready;
    sum.running += q.running;
    sum.dead += q.dead;
  }
  // Each family is replaced whole: a kind no longer configured and with no job left (a
  // connector removed by a reload) goes away instead of keeping its last values.
  std::vector<std::pair<http::Labels, double>> ready, running, dead;
  for (const auto& [label, q] : by_label) {
    const http::Labels kind{{"kind", label}};
    ready.emplace_back(kind, static_cast<double>(q.ready));
    running.emplace_back(kind, static_cast<double>(q.running));
    dead.emplace_back(kind, static_cast<double>(q.dead));
  }
  core.metrics().set_gauge_family("edigate_queue_ready", "Jobs waiting", ready);
  core.metrics().set_gauge_family("edigate_queue_running", "Jobs being run", running);
  core.metrics().set_gauge_family("edigate_queue_dead", "Jobs in dead letter", dead);
  // The store counts its commits and disk flushes itself; the counters catch up at each scrape
  // (under a lock, so two scrapes at once do not both add the same difference).
  static std::mutex catch_up;
  std::lock_guard lock(catch_up);
  const auto catch_up_to = [&](const char* name, const char* help, std::uint64_t now) {
    auto& counter = core.metrics().counter(name, help);
    if (const double delta = static_cast<double>(now) - counter.value(); delta > 0) {
      counter.add(delta);
    }
  };
  catch_up_to("edigate_store_commits_total", "Store transactions committed (shared by writes)",
              core.store().commits());
  catch_up_to("edigate_store_flushes_total", "Store disk flushes (shared by commits)",
              core.store().flushes());
  catch_up_to("edigate_store_wal_pages_total",
              "Database pages written to the write-ahead log by commits", core.store().wal_pages());
  catch_up_to("edigate_store_checkpoints_total",
              "Copies of the write-ahead log into the database file", core.store().checkpoints());
}

// A connector's circuit breaker as /health and the partner view show it.
json circuit_json(const connectors::CircuitBreaker& breaker) {
  json entry{{"circuit", connectors::state_name(breaker.state())},
             {"failures", breaker.consecutive_failures()},
             {"failure_threshold", breaker.failure_threshold()}};
  if (const auto left = breaker.cool_down_left(); left.count() > 0) {
    entry["retry_in_seconds"] = std::chrono::ceil<std::chrono::seconds>(left).count();
  }
  return entry;
}

// A partner in the partners listing (certificate_not_after is null for a partner without AS2),
// with where its documents go and whether each way is open now (the connector's circuit
// breaker; none for a connector without one).
json partner_json(const config::PartnerProfile& p, const Live& live) {
  json out{{"id", p.id}, {"name", p.name}, {"as2_id", p.as2 ? p.as2->id : ""}};
  const auto validity = p.as2 ? config::validity_of(p.as2->certificate) : std::nullopt;
  out["certificate_not_after"] =
      validity ? json(store::iso_time(validity->not_after * 1000)) : json(nullptr);
  json routes = json::array();
  for (const config::Route& route : p.routes) {
    json r{{"document", to_string(route.document)}, {"connector", route.connector}};
    const auto connector = live.connectors.find(route.connector);
    if (connector != live.connectors.end() && connector->second->breaker() != nullptr) {
      r["circuit"] = circuit_json(*connector->second->breaker());
    }
    routes.push_back(std::move(r));
  }
  out["routes"] = std::move(routes);
  return out;
}

// "<prefix><id>[/<action>]" -> the id (nullopt when not one) and the action ("" when none).
std::pair<std::optional<std::int64_t>, std::string_view> id_and_action(std::string_view path,
                                                                       std::string_view prefix) {
  const std::string_view rest = path.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  return {parse_id(rest.substr(0, slash)),
          slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1)};
}

}  // namespace

store::NewDocument new_document(std::int64_t message_id, const ProcessedSet& set) {
  store::NewDocument d;
  d.message_id = message_id;
  d.set_index = static_cast<int>(set.index);
  d.type = set.document_type;
  d.standard = set.standard == edi::Standard::x12 ? "x12" : "edifact";
  d.transaction = set.transaction;
  d.interchange_control = set.interchange_control;
  d.group_control = set.group_control;
  d.set_control = set.set_control;
  return d;
}

namespace {

// Dead letters: GET /api/jobs?state=dead[&kind=PREFIX][&limit=N] lists them, newest first;
// POST /api/jobs/<id>/retry revives one, POST /api/jobs/retry[?kind=PREFIX] every revivable one
// (retry_dead_jobs): 202 with the jobs revived.
void dead_jobs_api(Core& core, Request& request, Responder& responder, const std::string& actor) {
  store::Store& st = core.store();
  const std::string_view path = request.path;
  const std::string kind = query_value(request.query, "kind");
  if (request.method == "GET" && path == "/api/jobs") {
    if (query_value(request.query, "state") != "dead") {
      return responder.send(problem(400, "state=dead: dead letters are what is listed here"));
    }
    if (const auto bad = bad_list_query(request, false)) return responder.send(problem(400, *bad));
    auto jobs = st.list_dead_jobs(kind, list_limit(request, 100));
    if (!jobs.ok()) return responder.send(problem(500, jobs.status().message));
    json list = json::array();
    const auto live = core.live();
    for (const store::Job& j : jobs.value()) {
      json item = store::job_json(j);
      auto can = revivable(st, j);
      if (!can.ok()) return responder.send(problem(500, can.status().message));
      const std::string why = can.value() ? dies_again(*live, j) : "";
      item["revivable"] = can.value() && why.empty();
      if (!why.empty()) item["not_now"] = why;
      list.push_back(std::move(item));
    }
    return responder.send(json_response(200, list));
  }
  if (request.method != "POST") return responder.send(problem(404, "no such resource"));
  std::optional<std::int64_t> id;
  if (path != "/api/jobs/retry") {
    const auto [job, action] = id_and_action(path, "/api/jobs/");
    if (!job || action != "retry") return responder.send(problem(404, "no such action"));
    id = job;
  }
  const auto live = core.live();
  auto revived = retry_dead_jobs(st, id, kind, actor,
                                 [&live](const store::Job& j) { return dies_again(*live, j); });
  if (!revived.ok()) {
    const store::StoreErrc code = revived.status().code;
    return responder.send(problem(code == store::StoreErrc::conflict    ? 409
                                  : code == store::StoreErrc::not_found ? 404
                                                                        : 500,
                                  revived.status().message));
  }
  if (!revived.value().empty()) core.wake();
  return responder.send(json_response(202, json{{"jobs", revived.value()}}));
}

void admin_api(Core& core, Request& request, Responder& responder) {
  const auto live = core.live();
  const config::AdminToken* token = admin_token(*live, request);
  if (token == nullptr) {
    Response r = problem(401, "an admin token is needed (Authorization: Bearer)");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return responder.send(std::move(r));
  }
  store::Store& st = core.store();
  const std::string_view path = request.path;
  const std::string actor = "admin:" + token->name;
  // A request outside the token's scopes or partners: 403 with `message`, audited as
  // admin.forbidden with the method, the path and `why`. Returns false, for `if (!...) return`.
  const auto forbid = [&](json why, const std::string& message) {
    why["method"] = request.method;
    why["path"] = std::string(path);
    (void)st.append_audit(
        {actor, "admin.forbidden", "admin:" + token->name, store::json_text(why)});
    responder.send(problem(403, "the token '" + token->name + "' " + message));
    return false;
  };
  // Whether the token has `scope` (or, for what concerns an outbound message, `outbound`).
  const auto allowed = [&](unsigned scope, bool outbound_ok = false) {
    if ((token->scopes & scope) != 0) return true;
    if (outbound_ok && (token->scopes & config::kScopeOutbound) != 0) return true;
    const std::string needs(config::admin_scope_name(scope));
    return forbid({{"needs", needs}}, "does not have the scope '" + needs + "'");
  };
  // Whether a token limited to partners (<token partners>) may see `partner`'s messages (a
  // stranger's `unknown:...` is none of its partners).
  const auto sees = [&](const std::string& partner) {
    if (token->sees(partner)) return true;
    return forbid({{"partner", partner}}, "is not for partner '" + partner + "'" +
                                              (partner.empty() ? " (name one: ?partner=ID)" : ""));
  };
  // For a message or sent message by id, a token limited to partners is asked first whether the
  // row is one of its partners', with one answer for a row of another partner and for an id
  // that names nothing (the audit entry has the partner): it learns nothing of other ids.
  const auto its_own = [&](const std::optional<std::string>& partner) {
    if (token->partners.empty() || (partner && token->sees(*partner))) return true;
    return forbid({{"partner", partner.value_or("")}},
                  "may not see this: not a message of its partners");
  };
  if (path == "/api/outbound") {
    if (!allowed(config::kScopeOutbound)) return;
    if (!sees(query_value(request.query, "partner"))) return;
    return outbound_intake(core, *live, request, responder, actor);
  }
  const bool operating = request.method == "POST";  // resend, reprocess, retry
  if (path == "/api/messages") {
    // An outbound token lists the outbound messages (direction=out): each of them it may read
    // by id already, and the ERP finds what a partner rejected this way.
    if (!allowed(config::kScopeRead, query_value(request.query, "direction") == "out")) return;
  } else if (path == "/api/partners" || path == "/api/sent") {
    if (!allowed(config::kScopeRead)) return;
  }
  if (path == "/api/jobs" || path.starts_with("/api/jobs/")) {
    if (!allowed(operating ? config::kScopeOperate : config::kScopeRead)) return;
    // Dead letters span partners: for tokens of every partner.
    if (!token->partners.empty()) {
      (void)forbid({{"partner", "*"}},
                   "is limited to partners; dead letters are for tokens of every partner");
      return;
    }
    return dead_jobs_api(core, request, responder, actor);
  }
  if (path == "/api/partners") {
    json list = json::array();
    for (const config::PartnerProfile& p : live->config->partners) {
      if (token->sees(p.id)) list.push_back(partner_json(p, *live));
    }
    return responder.send(json_response(200, list));
  }
  if (path == "/api/messages") {
    store::MessageFilter filter;
    filter.partner = query_value(request.query, "partner");
    // A token limited to partners lists theirs: the one it names, or all of them.
    if (!token->partners.empty() && !filter.partner.empty() && !sees(filter.partner)) return;
    filter.partner_in = token->partners;
    filter.status = query_value(request.query, "status");
    filter.direction = query_value(request.query, "direction");
    filter.as2_message_id = query_value(request.query, "as2_message_id");
    filter.control = query_value(request.query, "control");
    filter.limit = list_limit(request, filter.limit);
    if (const auto bad = bad_list_query(request, true)) return responder.send(problem(400, *bad));
    if (!filter.direction.empty() && filter.direction != "in" && filter.direction != "out") {
      return responder.send(problem(400, "direction is in or out"));
    }
    if (const auto bad = store::set_time_range(filter, query_value(request.query, "since"),
                                               query_value(request.query, "until"))) {
      return responder.send(problem(400, *bad));
    }
    if (const std::string before = query_value(request.query, "before_id"); !before.empty()) {
      const auto id = parse_id(before);
      if (!id) return responder.send(problem(400, "before_id is a message id"));
      filter.before_id = *id;
    }
    auto messages = st.list_messages(filter);
    if (!messages.ok()) return responder.send(problem(500, messages.status().message));
    json list = json::array();
    for (const store::Message& m : messages.value()) list.push_back(store::message_json(m));
    return responder.send(json_response(200, list));
  }
  if (path == "/api/sent") {
    store::SentAs2Filter filter;
    filter.partner = query_value(request.query, "partner");
    if (!token->partners.empty() && !filter.partner.empty() && !sees(filter.partner)) return;
    filter.partner_in = token->partners;
    filter.state = query_value(request.query, "state");
    filter.limit = list_limit(request, filter.limit);
    if (const auto bad = bad_list_query(request, false)) return responder.send(problem(400, *bad));
    auto sent = st.list_as2_sent(filter);
    if (!sent.ok()) return responder.send(problem(500, sent.status().message));
    json list = json::array();
    for (const store::SentAs2& s : sent.value()) list.push_back(store::as2_sent_json(s));
    return responder.send(json_response(200, list));
  }
  if (path.starts_with("/api/sent/")) {
    const auto [id, action] = id_and_action(path, "/api/sent/");
    auto sent = id ? st.get_as2_sent(*id)
                   : store::Result<std::optional<store::SentAs2>>(std::optional<store::SentAs2>{});
    if (!sent.ok()) return responder.send(problem(500, sent.status().message));
    if (!its_own(sent.value() ? std::optional(sent.value()->partner) : std::nullopt)) return;
    // Scopes before existence, so that a token without them learns nothing of ids.
    if (!allowed(operating         ? config::kScopeOperate
                 : action == "mdn" ? config::kScopeRaw
                                   : config::kScopeRead)) {
      return;
    }
    if (!sent.value()) return responder.send(problem(404, "no such sent message"));
    const std::string subject = "message:" + std::to_string(sent.value()->message_id);
    if (request.method == "GET" && action.empty()) {
      return responder.send(json_response(200, store::as2_sent_json(*sent.value())));
    }
    if (request.method == "GET" && action == "mdn") {
      if (sent.value()->mdn_spool_id.empty()) {
        return responder.send(problem(404, "no MDN kept for this message"));
      }
      return responder.send(
          audited_read(core, request, sent.value()->mdn_spool_id, "the MDN", "message/rfc822",
                       {actor, "as2.mdn_raw", subject, store::json_text(json{{"as2_sent", *id}})}));
    }
    if (request.method == "POST" && action == "resend") {
      auto job = resend_sent(st, *id, actor);
      if (!job.ok()) {
        const bool refused = job.status().code == store::StoreErrc::conflict;
        return responder.send(problem(refused ? 409 : 500, job.status().message));
      }
      core.wake();
      return responder.send(json_response(202, json{{"sent", *id}, {"job", job.value()}}));
    }
    return responder.send(problem(404, "no such action"));
  }
  const auto [id, action] = id_and_action(path, "/api/messages/");
  auto message = id ? st.get_message(*id)
                    : store::Result<std::optional<store::Message>>(std::optional<store::Message>{});
  if (!message.ok()) return responder.send(problem(500, message.status().message));
  if (!its_own(message.value() ? std::optional(message.value()->partner) : std::nullopt)) return;
  const unsigned needs = operating         ? config::kScopeOperate
                         : action == "raw" ? config::kScopeRaw
                                           : config::kScopeRead;
  // An outbound message is the ERP's own: an `outbound` token reads it and what we rendered.
  const bool outbound = message.value() && message.value()->direction == store::Direction::outbound;
  if (!allowed(needs, outbound && !operating)) return;
  if (!message.value()) return responder.send(problem(404, "no such message"));
  const store::Message& m = *message.value();
  const std::string subject = "message:" + std::to_string(m.id);
  if (request.method == "GET" && action.empty()) {
    json body = store::message_json(m);
    std::string error;
    if (!store::add_documents(st, m.id, body, error) ||
        !store::add_mdn_acks_jobs(st, m.id, body, error)) {
      return responder.send(problem(500, error));
    }
    return responder.send(json_response(200, body));
  }
  if (request.method == "GET" && action == "raw") {
    // ?as=received: the request as it came (an AS2 message still signed and encrypted).
    const std::string as = query_value(request.query, "as");
    if (!as.empty() && as != "received" && as != "payload" && as != "ack") {
      return responder.send(problem(400, "as must be payload, received or ack"));
    }
    // ?as=ack: the acknowledgements we built for it, as we sent (or would send) them.
    if (as == "ack") {
      auto acks = our_acks(core, m.id);
      if (!acks.ok()) {
        return responder.send(
            server_problem(request, "cannot read its acknowledgements", acks.status().message));
      }
      if (acks.value().empty()) {
        return responder.send(problem(404, "no acknowledgement was built for this message"));
      }
      const char* type =
          acks.value().starts_with("UN") ? "application/edifact" : "application/edi-x12";
      return responder.send(
          audited_answer(core, request, std::move(acks.value()), type,
                         {actor, "message.raw", subject, store::json_text(json{{"as", "ack"}})}));
    }
    // An AS2 message whose payload was unwrapped (it has a content type) and that names no
    // request as received came before those were named (migration 5): not the payload instead.
    if (as == "received" && m.raw_id.empty() && m.transport == "as2" && !m.content_type.empty()) {
      return responder.send(
          problem(404,
                  "the request as received is not named for this message (received "
                  "before this edigate kept it with the message)"));
    }
    const std::string& bytes_id = as == "received" && !m.raw_id.empty() ? m.raw_id : m.payload_id;
    return responder.send(
        audited_read(core, request, bytes_id, "the message's bytes", "application/octet-stream",
                     {actor, "message.raw", subject,
                      store::json_text(json{{"as", as.empty() ? "payload" : as}})}));
  }
  // The jobs and the audit entry of an operator's action commit together, or neither does and
  // the operator is told.
  if (request.method == "POST" && action == "reprocess") {
    if (const std::string why = not_processable(m); !why.empty()) {
      return responder.send(problem(409, why));
    }
  }
  if (request.method == "POST" && action == "reprocess") {
    auto jobs = requeue_message(st, m.id, false, {}, actor);
    if (!jobs.ok()) return responder.send(problem(500, jobs.status().message));
    core.wake();
    return responder.send(json_response(202, json{{"job", jobs.value().front()}}));
  }
  if (request.method == "POST" && action == "resend" && m.direction == store::Direction::outbound) {
    auto job = resend_outbound(st, m, actor);
    if (!job.ok()) {
      const bool refused = job.status().code == store::StoreErrc::conflict;
      return responder.send(problem(refused ? 409 : 500, job.status().message));
    }
    core.wake();
    return responder.send(json_response(202, json{{"jobs", json::array({job.value()})}}));
  }
  if (request.method == "POST" && action == "resend") {
    const config::PartnerProfile* partner = live->partners->by_id(m.partner);
    if (partner == nullptr) {
      return responder.send(problem(409, "partner " + m.partner + " is not configured now"));
    }
    // Each document to the connectors its partner's routes name for its type.
    auto jobs = requeue_message(
        st, m.id, true,
        [partner](const store::Document& d) { return routed_connectors(*partner, d); }, actor);
    if (!jobs.ok()) return responder.send(problem(500, jobs.status().message));
    if (jobs.value().empty()) {
      return responder.send(
          problem(409, "nothing to resend: no mapped document of this message has a route"));
    }
    core.wake();
    return responder.send(json_response(202, json{{"jobs", jobs.value()}}));
  }
  responder.send(problem(404, "no such action"));
}

}  // namespace

namespace {

template <class HeaderRange, class NameOf, class ValueOf>
std::string serialize(const HeaderRange& headers, std::string_view body, NameOf name_of,
                      ValueOf value_of) {
  std::size_t size = body.size() + 2;
  for (const auto& h : headers) size += name_of(h).size() + value_of(h).size() + 4;
  std::string out;
  out.reserve(size);
  for (const auto& h : headers) {
    out.append(name_of(h)).append(": ").append(value_of(h)).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

}  // namespace

std::string serialize_http(const http::HeaderList& headers, std::string_view body) {
  return serialize(
      headers, body, [](const auto& h) -> const std::string& { return h.first; },
      [](const auto& h) -> const std::string& { return h.second; });
}

std::string serialize_http(const as2::Headers& headers, std::string_view body) {
  return serialize(
      headers, body, [](const as2::Header& h) -> const std::string& { return h.name; },
      [](const as2::Header& h) -> const std::string& { return h.value; });
}

void ServedEndpoints::set(ListenerEndpoints endpoints) {
  std::lock_guard lock(mutex_);
  endpoints_ = std::move(endpoints);
}

bool ServedEndpoints::serves(std::string_view listener, bool config::Endpoints::*which) const {
  std::lock_guard lock(mutex_);
  const auto it = endpoints_.find(listener);
  return it != endpoints_.end() && it->second.*which;
}

http::Router partner_router(Core& core, http::WorkerPool& pool,
                            std::shared_ptr<const ServedEndpoints> served) {
  auto allowed = [served](const Request& r, bool config::Endpoints::*which) {
    return served->serves(r.listener, which);
  };
  http::Router router;
  router.add_prefix("POST", "/as2", [&core, &pool, allowed](Request r, Responder out) {
    if (!allowed(r, &config::Endpoints::as2)) return out.send(Response::error(404));
    on_worker(pool, std::move(r), out,
              [&core](Request& q, Responder& o) { as2_intake(core, q, o); });
  });
  router.add(
      "POST", "/mdn",
      [&core, &pool, allowed](Request r, Responder out) {
        if (!allowed(r, &config::Endpoints::mdn)) return out.send(Response::error(404));
        on_worker(pool, std::move(r), out,
                  [&core](Request& q, Responder& o) { mdn_receipt(core, q, o); });
      },
      kMaxAsyncMdnBytes);
  router.add("POST", "/upload", [&core, &pool, allowed](Request r, Responder out) {
    if (!allowed(r, &config::Endpoints::upload)) return out.send(Response::error(404));
    on_worker(pool, std::move(r), out, [&core](Request& q, Responder& o) { upload(core, q, o); });
  });
  router.add_prefix("GET", "/upload/", [&core, &pool, allowed](Request r, Responder out) {
    if (!allowed(r, &config::Endpoints::upload)) return out.send(Response::error(404));
    on_worker(pool, std::move(r), out,
              [&core](Request& q, Responder& o) { upload_status(core, q, o); });
  });
  return router;
}

namespace {

// Each connector's circuit breaker for /health: {"erp": {"circuit": "open", "failures": 0,
// "failure_threshold": 5, "retry_in_seconds": 12}}: its state, the failures in a row counted
// towards opening it (while closed) and how many open it, and while open the seconds left.
json connector_circuits(const Live& live) {
  json out = json::object();
  for (const auto& [name, connector] : live.connectors) {
    if (const connectors::CircuitBreaker* breaker = connector->breaker()) {
      out[name] = circuit_json(*breaker);
    }
  }
  return out;
}

}  // namespace

http::Router admin_router(Core& core, http::WorkerPool& pool) {
  http::Router router;
  // 503 once the store cannot promise durability any more (a failed flush: every write fails
  // until a restart), so that a monitor or the unit's operator sees it.
  router.add("GET", "/health", [&core](Request, Responder out) {
    const store::Status store = core.store().health();
    if (!store.ok()) {
      return out.send(json_response(503, json{{"status", "failing"}, {"store", store.message}}));
    }
    // The gateway is healthy while an ERP is down (its deliveries wait in the store), so a
    // connector's open circuit does not make this a 503; it is listed for the operator.
    const auto live = core.live();
    out.send(json_response(200, json{{"status", "ok"},
                                     {"partners", live->config->partners.size()},
                                     {"connectors", connector_circuits(*live)}}));
  });
  router.add("GET", "/metrics", [&core, &pool](Request r, Responder out) {
    on_worker(pool, std::move(r), out, [&core](Request&, Responder& o) {
      update_queue_gauges(core);
      o.send(Response::text(200, core.metrics().render_prometheus(), "text/plain; version=0.0.4"));
    });
  });
  auto api = [&core, &pool](Request r, Responder out) {
    on_worker(pool, std::move(r), out,
              [&core](Request& q, Responder& o) { admin_api(core, q, o); });
  };
  router.add("GET", "/api/partners", api);
  router.add("POST", "/api/outbound", api);
  router.add("GET", "/api/messages", api);
  router.add("GET", "/api/sent", api);
  router.add_prefix("GET", "/api/sent/", api);
  router.add_prefix("POST", "/api/sent/", api);
  router.add_prefix("GET", "/api/messages/", api);
  router.add_prefix("POST", "/api/messages/", api);
  router.add("GET", "/api/jobs", api);
  router.add_prefix("POST", "/api/jobs/", api);
  return router;
}

}  // namespace edigate::gateway::daemon
