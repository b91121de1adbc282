// The daemon's HTTP endpoints. Handlers run on the worker pool (never on a network thread):
// they touch the store, the spool and OpenSSL.
//
//   partner listeners  POST /as2...        AS2 messages (sync MDN in the response, or async)
//                      POST /mdn           async MDNs for AS2 messages we sent (mdn_receipt.hpp)
//                      POST /upload        a document from a partner (token or client cert)
//                      GET  /upload/<id>   its status
//   admin listener     GET  /health, GET /metrics (no token: loopback by default)
//                      GET  /api/messages[?partner=&status=&limit=], /api/messages/<id>,
//                           /api/messages/<id>/raw, /api/partners,
//                           /api/sent[?partner=&state=&limit=] (AS2 we sent, MDN state)
//                      POST /api/messages/<id>/reprocess, /api/messages/<id>/resend
//                      (Authorization: Bearer <token>; tokens are kept hashed in edigate.xml)
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/core.hpp"
#include "edigate/as2/mdn.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "pipeline/process.hpp"

namespace edigate::gateway::daemon {

// Which endpoints each partner listener serves, by listener name.
using ListenerEndpoints = std::map<std::string, config::Endpoints, std::less<>>;

// The endpoints in force, read by every partner request: set at start and replaced by each
// reload (a listener whose address, port or TLS changed keeps serving what it did until a
// restart, as it keeps its socket).
class ServedEndpoints {
 public:
  void set(ListenerEndpoints endpoints);
  bool serves(std::string_view listener, bool config::Endpoints::*which) const;

 private:
  mutable std::mutex mutex_;
  ListenerEndpoints endpoints_;
};

http::Router partner_router(Core& core, http::WorkerPool& pool,
                            std::shared_ptr<const ServedEndpoints> served);
http::Router admin_router(Core& core, http::WorkerPool& pool);

// An HTTP message as the spool keeps it: header lines, a blank line, the body.
std::string serialize_http(const http::HeaderList& headers, std::string_view body);
std::string serialize_http(const as2::Headers& headers, std::string_view body);
std::optional<as2::HttpMessage> parse_http(std::string_view bytes);

// The document row of a transaction set read from message `message_id` (no status yet).
store::NewDocument new_document(std::int64_t message_id, const ProcessedSet& set);

// A JSON response (bytes that are not UTF-8 become U+FFFD instead of an exception).
http::Response json_response(unsigned status, const nlohmann::json& body);
// A query parameter's value (form-decoded), empty when absent.
std::string query_value(std::string_view query, std::string_view name);

// A JSON error body {"error": message} with that status.
http::Response problem(unsigned status, std::string_view message);
as2::Headers as2_headers(const http::Request& r);

// Why our async MDN is not posted to `url` for a message of `partner` (null: a stranger), or
// empty: not an http(s) URL we can post to, or not under a prefix of the partner's
// <policy async-mdn-urls>. Asked at receipt and again before each post (a reload may have
// changed the list).
std::string_view why_not_post_mdn_to(std::string_view url, const config::PartnerProfile* partner);

// The header a stored async MDN carries for the send_mdn job: the URL it goes to.
inline constexpr const char* kAsyncMdnTarget = "X-Edigate-Deliver-To";

}  // namespace edigate::gateway::daemon
