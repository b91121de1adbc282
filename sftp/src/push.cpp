#include "edigate/sftp/push.hpp"

#include <curl/curl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

#include "jail.hpp"
#include "log.hpp"

namespace edigate::sftp {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};
struct SlistFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string fingerprint_base64(const std::string& pinned) {
  const std::string prefix = "SHA256:";
  return pinned.rfind(prefix, 0) == 0 ? pinned.substr(prefix.size()) : pinned;
}

// Errors that another attempt cannot fix.
bool permanent(CURLcode code) {
  return code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_LOGIN_DENIED ||
         code == CURLE_REMOTE_ACCESS_DENIED || code == CURLE_REMOTE_FILE_NOT_FOUND ||
         code == CURLE_READ_ERROR || code == CURLE_URL_MALFORMAT;
}

std::string escaped(CURL* curl, const std::string& name) {
  char* e = curl_easy_escape(curl, name.c_str(), static_cast<int>(name.size()));
  std::string out = e != nullptr ? e : "";
  curl_free(e);
  return out;
}

// An IPv6 literal goes in brackets in a URL (RFC 3986); "::1" and "[::1]" are both accepted.
std::string url_host(const std::string& host) {
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return v6 ? "[" + host + "]" : host;
}

// What one attempt uploads: a file, or bytes in memory read through a FILE* of their own.
struct Source {
  std::string path;
  std::string_view bytes;

  std::unique_ptr<FILE, FileClose> open() const {
    if (!path.empty()) return std::unique_ptr<FILE, FileClose>(std::fopen(path.c_str(), "rb"));
    // fmemopen refuses a zero-length buffer; an empty upload reads from /dev/null instead.
    if (bytes.empty()) return std::unique_ptr<FILE, FileClose>(std::fopen("/dev/null", "rb"));
    return std::unique_ptr<FILE, FileClose>(
        fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb"));
  }
  std::string describe() const { return path.empty() ? "the bytes to upload" : path; }
  std::uint64_t size() const {
    if (path.empty()) return bytes.size();
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  }
};

// One connection's options, for an upload or a look at a file. Every option must take: one
// this libcurl does not know (the host key pin needs its libssh2 backend) would otherwise be
// dropped silently and the push go ahead without it. Returns why not, or "".
std::string set_options(CURL* c, const PushTarget& t, const std::string& url,
                        const std::string& pin, std::uint64_t size, char* errbuf) {
  CURLcode refused = CURLE_OK;
  const char* refused_option = nullptr;
  const auto set = [&](CURLoption option, const char* option_name, auto value) {
    const CURLcode rc = curl_easy_setopt(c, option, value);
    if (rc != CURLE_OK && refused == CURLE_OK) {
      refused = rc;
      refused_option = option_name;
    }
  };
  set(CURLOPT_URL, "URL", url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "PROTOCOLS_STR", "sftp");
  set(CURLOPT_USERNAME, "USERNAME", t.user.c_str());
  set(CURLOPT_SSH_AUTH_TYPES, "SSH_AUTH_TYPES", static_cast<long>(CURLSSH_AUTH_PUBLICKEY));
  set(CURLOPT_SSH_PRIVATE_KEYFILE, "SSH_PRIVATE_KEYFILE", t.private_key_file.c_str());
  if (!t.private_key_passphrase.empty()) {
    set(CURLOPT_KEYPASSWD, "KEYPASSWD", t.private_key_passphrase.c_str());
  }
  if (!t.public_key_file.empty()) {
    set(CURLOPT_SSH_PUBLIC_KEYFILE, "SSH_PUBLIC_KEYFILE", t.public_key_file.c_str());
  }
  set(CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, "SSH_HOST_PUBLIC_KEY_SHA256", pin.c_str());
  set(CURLOPT_CONNECTTIMEOUT, "CONNECTTIMEOUT", t.connect_timeout_seconds);
  // A server that stops reading (or a path that black-holes) ends the attempt: under a byte a
  // second for stall_seconds, or longer in all than the size allows; keepalives find a peer
  // that is gone while nothing is being sent.
  set(CURLOPT_LOW_SPEED_LIMIT, "LOW_SPEED_LIMIT", 1L);
  set(CURLOPT_LOW_SPEED_TIME, "LOW_SPEED_TIME", t.stall_seconds);
  set(CURLOPT_TIMEOUT, "TIMEOUT",
      static_cast<long>(kPushBaseSeconds + size / kPushBytesPerSecond) + t.connect_timeout_seconds);
  set(CURLOPT_TCP_KEEPALIVE, "TCP_KEEPALIVE", 1L);
  set(CURLOPT_ERRORBUFFER, "ERRORBUFFER", errbuf);
  if (refused == CURLE_OK) return {};
  return std::string("this libcurl refuses CURLOPT_") + refused_option + " (" +
         curl_easy_strerror(refused) + "); an SFTP push needs libcurl built with libssh2";
}

std::string file_url(CURL* c, const PushTarget& t, const std::string& name) {
  return "sftp://" + url_host(t.host) + ":" + std::to_string(t.port) + t.remote_dir + "/" +
         escaped(c, name);
}

// After a rename refused because `name` exists: is it this very file, put there by an earlier
// attempt whose answer was lost (the rename done, the connection gone before we heard)? It is
// read back (at most one byte more than ours) and compared byte for byte; our new temporary
// copy is removed first, in the same connection, either way.
struct Capped {
  std::string bytes;
  std::size_t limit = 0;
};
std::size_t keep_capped(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<Capped*>(user);
  const std::size_t got = size * n;
  if (out->bytes.size() + got > out->limit) return 0;  // larger than ours: not ours; stop
  out->bytes.append(data, got);
  return got;
}

bool already_there(const PushTarget& t, const Source& source, const std::string& name) {
  std::string ours;
  if (!source.path.empty()) {
    std::unique_ptr<FILE, FileClose> in = source.open();
    if (!in) return false;
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, in.get())) > 0) ours.append(buffer, n);
  } else {
    ours.assign(source.bytes);
  }
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return false;
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = "";
  const std::string pin = fingerprint_base64(t.host_key_sha256);
  // '*': a failed removal does not fail the look.
  const std::string rm = "*rm \"" + t.remote_dir + "/." + name + ".part\"";
  std::unique_ptr<curl_slist, SlistFree> pre(curl_slist_append(nullptr, rm.c_str()));
  Capped theirs;
  theirs.limit = ours.size() + 1;
  if (!set_options(c, t, file_url(c, t, name), pin, ours.size(), errbuf).empty() ||
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_capped) != CURLE_OK ||
      curl_easy_setopt(c, CURLOPT_WRITEDATA, &theirs) != CURLE_OK ||
      curl_easy_setopt(c, CURLOPT_QUOTE, pre.get()) != CURLE_OK ||
      curl_easy_perform(c) != CURLE_OK) {
    return false;
  }
  return theirs.bytes == ours;
}

CURLcode attempt(const PushTarget& t, const Source& source, const std::string& name,
                 std::string& error) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  std::unique_ptr<FILE, FileClose> in = source.open();
  if (!curl || !in) {
    error = "cannot open " + source.describe();
    return CURLE_READ_ERROR;
  }
  CURL* c = curl.get();
  const std::string upload_name = t.temp_then_rename ? "." + name + ".part" : name;
  const std::string pin = fingerprint_base64(t.host_key_sha256);
  char errbuf[CURL_ERROR_SIZE] = "";
  if (std::string why = set_options(c, t, file_url(c, t, upload_name), pin, source.size(), errbuf);
      !why.empty()) {
    error = std::move(why);
    return CURLE_PEER_FAILED_VERIFICATION;  // final: no attempt can do better
  }
  std::unique_ptr<curl_slist, SlistFree> post;
  if (t.temp_then_rename) {
    const std::string cmd =
        "rename \"" + t.remote_dir + "/" + upload_name + "\" \"" + t.remote_dir + "/" + name + "\"";
    post.reset(curl_slist_append(nullptr, cmd.c_str()));
    if (curl_easy_setopt(c, CURLOPT_POSTQUOTE, post.get()) != CURLE_OK) {
      error = "this libcurl refuses CURLOPT_POSTQUOTE";
      return CURLE_PEER_FAILED_VERIFICATION;
    }
  }
  if (curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
      curl_easy_setopt(c, CURLOPT_READDATA, in.get()) != CURLE_OK) {
    error = "this libcurl refuses an upload option";
    return CURLE_PEER_FAILED_VERIFICATION;
  }
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_QUOTE_ERROR && t.temp_then_rename && already_there(t, source, name)) {
    log_event("push: " + t.remote_dir + "/" + name +
              " is already on the server (an earlier attempt's answer was lost)");
    return CURLE_OK;
  }
  if (rc != CURLE_OK) error = std::string(curl_easy_strerror(rc)) + ": " + errbuf;
  return rc;
}

Result<PushOutcome> push(const PushTarget& t, const Source& source,
                         const std::string& remote_name) {
  if (!valid_file_name(remote_name)) {
    return Status::error(ErrorCode::refused, "invalid remote file name");
  }
  if (t.host_key_sha256.empty()) {
    return Status::error(ErrorCode::refused, "no host key fingerprint pinned for " + t.host);
  }
  std::mt19937 rng(std::random_device{}());
  unsigned backoff = t.initial_backoff_ms;
  std::string error;
  for (unsigned n = 1; n <= t.max_attempts; ++n) {
    const CURLcode rc = attempt(t, source, remote_name, error);
    const std::string where = t.user + "@" + t.host + ":" + t.remote_dir + "/" + remote_name;
    if (rc == CURLE_OK) {
      log_event("push ok " + where + " attempt=" + std::to_string(n));
      return PushOutcome{n, t.remote_dir + "/" + remote_name};
    }
    log_event("push failed " + where + " attempt=" + std::to_string(n) + ": " + error);
    if (permanent(rc)) {
      return Status::error(ErrorCode::refused, error);
    }
    if (n < t.max_attempts) {
      // Full jitter: a random wait in [backoff/2, backoff] spreads retries from many pushes.
      std::uniform_int_distribution<unsigned> wait(backoff / 2, backoff);
      std::this_thread::sleep_for(std::chrono::milliseconds(wait(rng)));
      backoff *= 2;
    }
  }
  return Status::error(ErrorCode::network, error);
}

}  // namespace

Result<PushOutcome> push_file(const PushTarget& target, const std::string& local_path,
                              const std::string& remote_name) {
  return push(target, Source{local_path, {}}, remote_name);
}

Result<PushOutcome> push_bytes(const PushTarget& target, std::string_view bytes,
                               const std::string& remote_name) {
  return push(target, Source{{}, bytes}, remote_name);
}

}  // namespace edigate::sftp
