#include "edigate/as2/send.hpp"

#include <curl/curl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "text.hpp"

namespace edigate::as2 {
namespace {

struct Response {
  long status = 0;
  Headers headers;
  std::string body;
  std::size_t limit = kDefaultMaxResponseBytes;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Response*>(user);
  const std::size_t n = size * count;
  if (r->body.size() + n > r->limit) {
    r->too_large = true;
    return 0;  // aborts the transfer
  }
  r->body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Response*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) r->headers.clear();  // a new response (after 100 Continue)
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos)
    r->headers.push_back(
        {std::string(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  return size * count;
}

struct CurlList {
  curl_slist* list = nullptr;
  ~CurlList() { curl_slist_free_all(list); }
};

// One POST. Returns an error text for a transport failure, empty otherwise.
std::string post_once(const HttpMessage& message, const SendOptions& options, Response& response) {
  // curl_easy_init would initialise libcurl implicitly, which is not thread-safe; do it once.
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return "cannot initialise libcurl";
  CurlList headers;
  for (const Header& h : message.headers)
    headers.list = curl_slist_append(headers.list, (h.name + ": " + h.value).c_str());
  headers.list = curl_slist_append(headers.list, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(message.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, options.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!options.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
  // TLS 1.2 or 1.3 only, peer and host name always verified (libcurl's defaults, made explicit).
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options.client_cert_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, options.client_cert_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY,
                     options.client_key_file.empty() ? options.client_cert_file.c_str()
                                                     : options.client_key_file.c_str());
    // Also when empty, so an encrypted key without one fails rather than prompting.
    curl_easy_setopt(curl, CURLOPT_KEYPASSWD, options.client_key_passphrase.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_cleanup(curl);
  if (response.too_large)
    return "response larger than " + std::to_string(response.limit) + " bytes";
  return rc == CURLE_OK ? std::string() : std::string(curl_easy_strerror(rc));
}

bool final_http_failure(long status) {
  return status == 400 || status == 401 || status == 403 || status == 404;
}

enum class Verdict { delivered, rejected, retry };

// Did the message ask for its MDN in the answer to the POST (a receipt, and no URL to post it
// to later)?
bool asks_sync_mdn(const HttpMessage& http) {
  return !find_header(http.headers, "Disposition-Notification-To").empty() &&
         trim(find_header(http.headers, "Receipt-Delivery-Option")).empty();
}

// Judges a 2xx answer: with an MDN (sync) or without (async, or no MDN requested).
Verdict judge_answer(const PackedMessage& message, const PartnerProfile& partner,
                     const Response& response, SendOutcome& out) {
  if (response.body.empty() || media_type(find_header(response.headers, "Content-Type")).empty()) {
    if (!asks_sync_mdn(message.http)) return Verdict::delivered;
    // Taken, perhaps, but without the receipt asked for: sent again (same Message-ID, which a
    // receiver recognises as a duplicate and answers with the MDN it keeps) until it comes or
    // the attempts run out.
    out.error = "the answer (" + std::to_string(response.status) +
                ") has no body, not the synchronous MDN the message asked for";
    return Verdict::retry;
  }
  const bool sync = asks_sync_mdn(message.http);
  auto mdn = parse_mdn(response.headers, response.body, &partner.certificate);
  if (!mdn) {
    // Asked for an async MDN (or none): a body that is no MDN at all (not a report, signed or
    // not) is the server's note ("Message received"), not a receipt; the message was taken,
    // and its MDN comes later. An MDN that fails its checks is refused as ever.
    const std::string type = lower(media_type(find_header(response.headers, "Content-Type")));
    if (!sync && type != "multipart/report" && type != "multipart/signed") {
      return Verdict::delivered;
    }
    out.mdn_http = HttpMessage{response.headers, response.body};
    out.error = "MDN not accepted: " + mdn.error().message;
    return Verdict::rejected;
  }
  out.mdn_http = HttpMessage{response.headers, response.body};
  out.mdn = *mdn;
  if (!mdn->status || !is_positive(*mdn->status)) {
    out.error = "negative MDN: " + mdn->disposition;
    return mdn->signed_mdn ? Verdict::rejected : Verdict::retry;
  }
  if (!mdn->received_mic || !mic_matches(*mdn->received_mic, message.expected_mic)) {
    out.error = "MIC mismatch: expected " + message.expected_mic.to_string() + ", MDN has " +
                (mdn->received_mic ? mdn->received_mic->to_string() : std::string("none"));
    return Verdict::rejected;
  }
  return Verdict::delivered;
}

Verdict attempt(const PackedMessage& message, const PartnerProfile& partner,
                const SendOptions& options, SendOutcome& out) {
  Response response;
  response.limit = options.max_response_bytes;
  const std::string transport_error = post_once(message.http, options, response);
  out.http_status = response.status;
  out.mdn.reset();
  out.mdn_http.reset();
  if (!transport_error.empty()) {
    out.error = transport_error;
    return response.too_large ? Verdict::rejected : Verdict::retry;
  }
  if (response.status < 200 || response.status > 299) {
    out.error = "HTTP " + std::to_string(response.status);
    return final_http_failure(response.status) ? Verdict::rejected : Verdict::retry;
  }
  return judge_answer(message, partner, response, out);
}

}  // namespace

std::chrono::milliseconds backoff_delay(const SendOptions& options, int attempt) {
  long long delay = options.first_backoff.count();
  for (int i = 2; i < attempt && delay < options.max_backoff.count(); ++i) delay *= 2;
  delay = std::min<long long>(delay, options.max_backoff.count());
  unsigned char r = 0;
  if (RAND_bytes(&r, 1) != 1) r = 0;
  return std::chrono::milliseconds(delay - delay * r / 1024);  // up to 25% less
}

// Attempts until delivered, rejected or out of attempts, waiting backoff_delay in between.
template <typename Attempt>
SendOutcome with_retries(const SendOptions& options, Attempt attempt_once) {
  SendOutcome out;
  for (int n = 1; n <= std::max(1, options.max_attempts); ++n) {
    if (n > 1) {
      const auto delay = backoff_delay(options, n);
      if (options.sleep)
        options.sleep(delay);
      else
        std::this_thread::sleep_for(delay);
    }
    out.attempts = n;
    const Verdict v = attempt_once(out);
    if (v != Verdict::retry) {
      out.status = v == Verdict::delivered ? SendStatus::delivered : SendStatus::rejected;
      if (v == Verdict::delivered) out.error.clear();
      return out;
    }
  }
  out.status = SendStatus::gave_up;
  return out;
}

SendOutcome send(const PackedMessage& message, const PartnerProfile& partner,
                 const SendOptions& options) {
  return with_retries(options,
                      [&](SendOutcome& out) { return attempt(message, partner, options, out); });
}

SendOutcome send_async_mdn(const HttpMessage& mdn, const SendOptions& options) {
  return with_retries(options, [&](SendOutcome& out) {
    Response response;
    response.limit = options.max_response_bytes;
    const std::string transport_error = post_once(mdn, options, response);
    out.http_status = response.status;
    if (!transport_error.empty()) {
      out.error = transport_error;
      return Verdict::retry;
    }
    if (response.status >= 200 && response.status <= 299) return Verdict::delivered;  // any 2xx
    out.error = "HTTP " + std::to_string(response.status);
    return final_http_failure(response.status) ? Verdict::rejected : Verdict::retry;
  });
}

Result<Ok> match_mdn(const ParsedMdn& mdn, const PackedMessage& sent) {
  if (trim(mdn.original_message_id) != trim(sent.message_id))
    return Error{ErrorCode::bad_input,
                 "MDN is for " + mdn.original_message_id + ", not " + sent.message_id};
  if (!mdn.status || !is_positive(*mdn.status))
    return Error{mdn.status ? error_for(*mdn.status) : ErrorCode::bad_input,
                 "negative MDN: " + mdn.disposition};
  if (!mdn.received_mic || !mic_matches(*mdn.received_mic, sent.expected_mic))
    return Error{ErrorCode::integrity_check_failed,
                 "MIC mismatch: expected " + sent.expected_mic.to_string()};
  return Ok{};
}

}  // namespace edigate::as2
