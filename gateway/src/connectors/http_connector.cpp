#include "connectors/http_connector.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include "connectors/hmac_signature.hpp"

namespace edigate::gateway::connectors {
namespace {

using Clock = std::chrono::steady_clock;

// What we keep of one HTTP exchange.
struct Exchange {
  long status = 0;
  std::string body;  // at most `body_limit` bytes
  std::size_t body_limit = kMaxResponseExcerptBytes;
  bool abort_when_full = false;  // token responses: refuse instead of truncating
  bool body_truncated = false;
  std::string retry_after;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::size_t n = size * count;
  const std::size_t room = ex->body_limit - ex->body.size();
  if (n > room) {
    ex->body_truncated = true;
    if (ex->abort_when_full) return 0;  // aborts the transfer
  }
  // The rest of a large delivery answer is read and dropped: cutting the transfer would turn a
  // 2xx into a network error.
  ex->body.append(data, std::min(n, room));
  return n;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) ex->retry_after.clear();  // a new response (after 100 Continue)
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), "Retry-After"))
    ex->retry_after = std::string(trim(line.substr(colon + 1)).substr(0, 64));
  return size * count;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlFree>;

struct HeaderList {
  curl_slist* list = nullptr;
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

CurlPtr new_handle() {
  // curl_easy_init would initialise libcurl implicitly, which is not thread-safe; do it once.
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return CurlPtr(curl_easy_init());
}

// Settings shared by the delivery POST and the token POST.
void apply_transport(CURL* c, const HttpConnectorOptions& o, Exchange& ex, char* errbuf) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // worker threads: no SIGALRM for timeouts
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, o.allow_plain_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // a redirected POST is an ERP config error
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.client_cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, o.client_cert_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEY, o.client_key_file.c_str());
    // Also when empty: curl then answers OpenSSL's passphrase callback itself, so an
    // encrypted key without a passphrase fails instead of prompting on a terminal.
    curl_easy_setopt(c, CURLOPT_KEYPASSWD, o.client_key_passphrase.c_str());
  }
  curl_easy_setopt(c, CURLOPT_USERAGENT, "edigate");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
}

// Runs the transfer; returns a transport error text or "".
std::string perform(CURL* c, Exchange& ex, const char* errbuf) {
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ex.status);
  if (rc == CURLE_OK) return {};
  if (rc == CURLE_WRITE_ERROR && ex.abort_when_full)
    return "response larger than " + std::to_string(ex.body_limit) + " bytes";
  std::string text = curl_easy_strerror(rc);
  if (errbuf[0] != '\0') text += std::string(": ") + errbuf;
  return text;
}

Result<std::string> read_secret_file(const std::string& option, const std::string& path) {
  if (path.empty()) return Error{option + " is required"};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{option + ": cannot open " + path};
  std::string text;
  text.resize(kMaxSecretFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSecretFileBytes)
    return Error{option + ": " + path + " is larger than " + std::to_string(kMaxSecretFileBytes) +
                 " bytes"};
  // Editors add a final newline; it is never part of a token.
  const std::string secret(trim(text));
  if (secret.empty()) return Error{option + ": " + path + " is empty"};
  return secret;
}

bool has_control_chars(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

bool safe_header_value(std::string_view v) {
  return v.size() <= kMaxHeaderValueBytes && !has_control_chars(v);
}

// delta-seconds or an HTTP-date; zero when absent or unparsable. Clamped to kMaxRetryAfter.
std::chrono::seconds parse_retry_after(const std::string& value) {
  if (value.empty()) return std::chrono::seconds(0);
  long long secs = 0;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return kMaxRetryAfter;
    secs = std::stoll(value);
  } else {
    const time_t when = curl_getdate(value.c_str(), nullptr);
    if (when < 0) return std::chrono::seconds(0);
    secs = static_cast<long long>(when) - static_cast<long long>(std::time(nullptr));
  }
  return std::clamp(std::chrono::seconds(secs), std::chrono::seconds(0), kMaxRetryAfter);
}

DeliveryResult classify(const Exchange& ex, const std::string& transport_error) {
  DeliveryResult r;
  r.http_status = static_cast<int>(ex.status);
  r.response_excerpt = ex.body;
  if (!transport_error.empty()) {
    r.outcome = DeliveryResult::retry;
    r.error = transport_error;
    return r;
  }
  const long s = ex.status;
  if (s >= 200 && s < 300) {
    r.outcome = DeliveryResult::delivered;
    return r;
  }
  r.error = "HTTP " + std::to_string(s);
  if (s == 408 || s == 429 || s >= 500) {
    r.outcome = DeliveryResult::retry;
    r.retry_after = parse_retry_after(ex.retry_after);
  } else {
    r.outcome = DeliveryResult::dead;
  }
  return r;
}

DeliveryResult retry_because(std::string error) {
  DeliveryResult r;
  r.outcome = DeliveryResult::retry;
  r.error = std::move(error);
  return r;
}

bool is_https(std::string_view url) { return url.starts_with("https://"); }
bool is_http(std::string_view url) { return url.starts_with("http://"); }

std::string check_url(const std::string& option, const std::string& url, bool allow_plain) {
  if (is_https(url)) return {};
  if (is_http(url))
    return allow_plain ? std::string() : option + ": http:// needs allow_plain_http";
  return option + ": not an http(s) URL: " + url;
}

std::string check_options(const HttpConnectorOptions& o) {
  if (std::string e = check_url("url", o.url, o.allow_plain_http); !e.empty()) return e;
  if (o.client_cert_file.empty() != o.client_key_file.empty())
    return "client_cert_file and client_key_file go together";
  if (o.connect_timeout.count() <= 0 || o.total_timeout.count() <= 0)
    return "timeouts must be positive";
  if (o.auth == HttpAuth::basic &&
      (o.basic_user.empty() || o.basic_user.find(':') != std::string::npos))
    return "basic_user must be non-empty and without ':'";
  if (o.auth == HttpAuth::oauth2) {
    if (o.oauth2_client_id.empty()) return "oauth2_client_id is required";
    return check_url("oauth2_token_url", o.oauth2_token_url, o.allow_plain_http);
  }
  if (o.auth == HttpAuth::hmac) {
    if (hmac_hex(o.hmac_algorithm, "k", "m").empty()) {
      return "hmac_algorithm must be sha256, sha384 or sha512";
    }
    const bool token = !o.hmac_header.empty() && o.hmac_header.size() <= 64 &&
                       std::all_of(o.hmac_header.begin(), o.hmac_header.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
                       });
    if (!token) return "hmac_header must be 1 to 64 letters, digits or '-'";
  }
  return {};
}

}  // namespace

bool is_loopback_http(const std::string& url) {
  CURLU* u = curl_url();
  if (u == nullptr) return false;
  bool loopback = false;
  char* scheme = nullptr;
  char* host = nullptr;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
    const std::string_view h(host);
    loopback = std::string_view(scheme) == "http" &&
               (h == "127.0.0.1" || h == "[::1]" || h == "localhost");
  }
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  return loopback;
}

Result<std::unique_ptr<HttpConnector>> HttpConnector::create(HttpConnectorOptions options) {
  if (std::string e = check_options(options); !e.empty()) return Error{e};
  Secrets secrets;
  auto load = [](const std::string& option, const std::string& path, std::string& into) {
    auto s = read_secret_file(option, path);
    if (!s) return s.error().message;
    into = std::move(*s);
    return std::string();
  };
  std::string e;
  switch (options.auth) {
    case HttpAuth::none:
      break;
    case HttpAuth::bearer:
      e = load("bearer_token_file", options.bearer_token_file, secrets.bearer_token);
      break;
    case HttpAuth::basic:
      e = load("basic_password_file", options.basic_password_file, secrets.basic_password);
      break;
    case HttpAuth::oauth2:
      e = load("oauth2_client_secret_file", options.oauth2_client_secret_file,
               secrets.oauth2_client_secret);
      break;
    case HttpAuth::hmac:
      e = load("hmac_secret_file", options.hmac_secret_file, secrets.hmac_secret);
      break;
  }
  if (!e.empty()) return Error{e};
  return std::unique_ptr<HttpConnector>(new HttpConnector(std::move(options), std::move(secrets)));
}

HttpConnector::HttpConnector(HttpConnectorOptions options, Secrets secrets)
    : options_(std::move(options)), secrets_(std::move(secrets)) {}

int HttpConnector::token_fetches() const {
  std::lock_guard lock(token_mutex_);
  return token_fetches_;
}

DeliveryResult HttpConnector::deliver(const Delivery& delivery) {
  for (const std::string* v :
       {&delivery.idempotency_key, &delivery.document_id, &delivery.document_type,
        &delivery.partner, &delivery.content_type}) {
    if (!safe_header_value(*v)) {
      DeliveryResult r;
      r.outcome = DeliveryResult::dead;
      r.error =
          "a header value (id, key, type or partner) has control characters or is longer than " +
          std::to_string(kMaxHeaderValueBytes) + " bytes";
      return r;
    }
  }
  if (options_.auth != HttpAuth::oauth2) return post(delivery, {});
  auto token = oauth_token();
  if (!token) return retry_because(token.error().message);
  DeliveryResult r = post(delivery, *token);
  if (r.http_status != 401) return r;
  // The ERP may revoke a token before expires_in says; fetch a fresh one and try once more.
  invalidate_token(*token);
  auto fresh = oauth_token();
  if (!fresh) return retry_because(fresh.error().message);
  return post(delivery, *fresh);
}

DeliveryResult HttpConnector::post(const Delivery& d, const std::string& oauth_token) {
  CurlPtr curl = new_handle();
  if (!curl) return retry_because("cannot initialise libcurl");
  CURL* c = curl.get();
  Exchange ex;
  char errbuf[CURL_ERROR_SIZE] = {0};
  apply_transport(c, options_, ex, errbuf);
  HeaderList headers;
  headers.add("Content-Type: " +
              (d.content_type.empty() ? std::string("application/json") : d.content_type));
  headers.add("Idempotency-Key: " + d.idempotency_key);
  headers.add("X-Edigate-Document-Id: " + d.document_id);
  headers.add("X-Edigate-Document-Type: " + d.document_type);
  headers.add("X-Edigate-Partner: " + d.partner);
  headers.add("X-Edigate-Attempt: " + std::to_string(d.attempt));
  headers.add("Expect:");  // no 100-continue round trip
  switch (options_.auth) {
    case HttpAuth::none:
      break;
    case HttpAuth::bearer:
      headers.add("Authorization: Bearer " + secrets_.bearer_token);
      break;
    case HttpAuth::oauth2:
      headers.add("Authorization: Bearer " + oauth_token);
      break;
    case HttpAuth::basic:
      curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(c, CURLOPT_USERNAME, options_.basic_user.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, secrets_.basic_password.c_str());
      break;
    case HttpAuth::hmac: {
      const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
      headers.add("X-Edigate-Timestamp: " + std::to_string(now));
      headers.add(options_.hmac_header + ": " +
                  edigate_signature(secrets_.hmac_secret, now, d.json, options_.hmac_algorithm));
      break;
    }
  }
  curl_easy_setopt(c, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, d.json.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d.json.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  const std::string transport_error = perform(c, ex, errbuf);
  return classify(ex, transport_error);
}

Result<std::string> HttpConnector::oauth_token() {
  // Held during the fetch: concurrent deliveries wait for the one token instead of each
  // fetching their own.
  std::lock_guard lock(token_mutex_);
  if (!token_.access_token.empty() && Clock::now() < token_.renew_at) return token_.access_token;
  CurlPtr curl = new_handle();
  if (!curl) return Error{"cannot initialise libcurl"};
  CURL* c = curl.get();
  Exchange ex;
  ex.body_limit = kMaxTokenResponseBytes;
  ex.abort_when_full = true;
  char errbuf[CURL_ERROR_SIZE] = {0};
  apply_transport(c, options_, ex, errbuf);
  std::string form = "grant_type=client_credentials";
  if (!options_.oauth2_scope.empty()) {
    char* scope = curl_easy_escape(c, options_.oauth2_scope.data(),
                                   static_cast<int>(options_.oauth2_scope.size()));
    form += std::string("&scope=") + (scope ? scope : "");
    curl_free(scope);
  }
  // Client authentication: HTTP Basic with the client id and secret (RFC 6749 2.3.1).
  curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
  curl_easy_setopt(c, CURLOPT_USERNAME, options_.oauth2_client_id.c_str());
  curl_easy_setopt(c, CURLOPT_PASSWORD, secrets_.oauth2_client_secret.c_str());
  HeaderList headers;
  headers.add("Content-Type: application/x-www-form-urlencoded");
  headers.add("Accept: application/json");
  curl_easy_setopt(c, CURLOPT_URL, options_.oauth2_token_url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.list);
  ++token_fetches_;
  if (std::string e = perform(c, ex, errbuf); !e.empty()) return Error{"OAuth2 token: " + e};
  if (ex.status != 200)
    return Error{"OAuth2 token: HTTP " + std::to_string(ex.status) + ": " + ex.body.substr(0, 512)};
  const auto json = nlohmann::json::parse(ex.body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string())
    return Error{"OAuth2 token: response has no access_token"};
  std::string access = json["access_token"].get<std::string>();
  if (access.empty() || has_control_chars(access))
    return Error{"OAuth2 token: unusable access_token"};
  // Without expires_in the token is kept until the ERP answers 401.
  Clock::time_point renew_at = Clock::time_point::max();
  if (json.contains("expires_in") && json["expires_in"].is_number()) {
    const auto lifetime = std::chrono::seconds(
        std::clamp<long long>(json["expires_in"].get<long long>(), 0, 366LL * 24 * 3600));
    renew_at = Clock::now() + lifetime - std::min(options_.oauth2_refresh_margin, lifetime / 2);
  }
  token_ = CachedToken{access, renew_at};
  return access;
}

void HttpConnector::invalidate_token(const std::string& stale) {
  std::lock_guard lock(token_mutex_);
  // Another thread may already have replaced it; keep the newer one.
  if (token_.access_token == stale) token_ = CachedToken{};
}

}  // namespace edigate::gateway::connectors
