// libFuzzer target: HTTP requests through the daemon's own handlers, handed over as the server
// hands them: the partner listener's routes (AS2 intake, the upload API and its status pages,
// async MDN receipt) and the admin API (message search, show, raw, reprocess, resend; outbound
// documents, rendered and stored; what we sent; partners; health; metrics). The input's first byte
// picks the listener (even: partner, odd: admin); the rest is a raw HTTP/1.1 request, parsed by
// Beast with the server's limits for this target (16 KiB of headers, 64 KiB of body); one Beast
// refuses is what the server would answer 400 itself. Handlers run on a worker pool against a real
// store (SQLite and spool in a temporary directory, replaced every kInputsPerStore inputs so it
// does not grow without end) and a configuration of one partner: AS2 id FUZZ-PARTNER (neither
// signature nor encryption required, so plain bodies reach the store and its jobs; unsigned MDNs
// taken), upload token "fuzz-upload-token", admin token "fuzz-admin-token" (every scope) and
// "fuzz-erp-token" (scope outbound only). No job runner runs:
// what is queued stays queued.
//
// Each request must be answered (a handler that forgets is answered 500 by its Responder), in
// time (a hang is libFuzzer's -timeout), without a sanitizer report.
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "daemon/core.hpp"
#include "daemon/handlers.hpp"
#include "edigate/as2/credentials.hpp"
#include "http/router.hpp"
#include "http/worker_pool.hpp"
#include "store/sha256.hpp"
#include "store/spool.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace gw = edigate::gateway;
namespace as2 = edigate::as2;

constexpr int kInputsPerStore = 2000;
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = 64 * 1024;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string pem(const as2::Identity& id, bool key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (key) {
    PEM_write_bio_PrivateKey(bio, id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_X509(bio, id.certificate.get());
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// The configuration directory, written once per process and removed at its exit.
struct TempDir {
  fs::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

fs::path write_configuration() {
  std::string templ = (fs::temp_directory_path() / "edigate-fuzz-http-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) std::abort();
  const fs::path dir = templ;
  fs::create_directories(dir / "partners");
  fs::create_directories(dir / "erp");
  fs::create_directories(dir / "var");
  const as2::Identity ours = as2::make_self_signed_identity("fuzz gateway", 2048, 30).value();
  const as2::Identity theirs = as2::make_self_signed_identity("fuzz partner", 2048, 30).value();
  write_file(dir / "our.key", pem(ours, true));
  fs::permissions(dir / "our.key", fs::perms::owner_read | fs::perms::owner_write);
  write_file(dir / "our.pem", pem(ours, false));
  write_file(dir / "partner.pem", pem(theirs, false));
  write_file(dir / "edigate.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<edigate xmlns="urn:edigate:config:1">
  <listeners><http address="127.0.0.1" port="18080" serve="as2 upload mdn"/></listeners>
  <admin address="127.0.0.1" port="19090">
    <token name="fuzz" sha256=")" + gw::store::sha256_hex("fuzz-admin-token") +
                                      R"("/>
    <token name="erp" scopes="outbound" sha256=")" +
                                      gw::store::sha256_hex("fuzz-erp-token") + R"("/>
  </admin>
  <store database="var/edigate.db" spool="var/spool"/>
  <limits body-bytes="65536"/>
  <partners dir="partners"/>
  <mappings standard=")" EDIGATE_STANDARD_MAPS R"("/>
  <as2 our-id="FUZZ-GATEWAY" key="our.key" cert="our.pem"/>
  <connectors><file name="files" dir="erp"/></connectors>
</edigate>
)");
  write_file(dir / "partners/fuzz.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<partner xmlns="urn:edigate:partner:1" id="fuzz" name="Fuzz partner">
  <as2 id="FUZZ-PARTNER" cert="../partner.pem" url="http://127.0.0.1:9/as2">
    <policy require-signed="false" require-encrypted="false"/>
    <mdn signed="false"/>
  </as2>
  <x12 qualifier="ZZ" id="FUZZPARTNER"/>
  <upload><token sha256=")" + gw::store::sha256_hex("fuzz-upload-token") +
                                            R"("/></upload>
  <mapping dir=")" EDIGATE_STANDARD_MAPS R"(/../partners/retailer"/>
  <acks type="auto" send="none"/>
  <route document="purchase_order" connector="files"/>
</partner>
)");
  return dir;
}

// Takes the response a handler sends, from whichever thread it sends it.
class Capture : public gw::http::ResponseSink {
 public:
  void deliver(std::uint64_t, gw::http::Response response) override {
    std::lock_guard lock(mu_);
    response_ = std::move(response);
    cv_.notify_all();
  }
  gw::http::Response wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return response_.has_value(); });
    gw::http::Response r = std::move(*response_);
    response_.reset();
    return r;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<gw::http::Response> response_;
};

// A store, the daemon's core on it and both routers; rebuilt every kInputsPerStore inputs.
struct Daemon {
  std::shared_ptr<const gw::config::GatewayConfig> config;
  std::unique_ptr<gw::daemon::Core> core;
  std::unique_ptr<gw::http::WorkerPool> pool;
  std::unique_ptr<gw::http::Router> partner;
  std::unique_ptr<gw::http::Router> admin;

  explicit Daemon(std::shared_ptr<const gw::config::GatewayConfig> c) : config(std::move(c)) {
    std::error_code ec;
    fs::remove_all(config->store.database.parent_path(), ec);
    fs::create_directories(config->store.database.parent_path());
    auto store = gw::store::open_sqlite_store(config->store.database.string());
    if (!store.ok()) std::abort();
    auto spool = std::make_unique<gw::store::Spool>(config->store.spool.string());
    if (!spool->open().ok()) std::abort();
    core = std::make_unique<gw::daemon::Core>(std::move(store.value()), std::move(spool),
                                              std::make_shared<gw::http::Metrics>());
    if (!core->apply(config).empty()) std::abort();
    pool = std::make_unique<gw::http::WorkerPool>(1, 16);
    auto served = std::make_shared<gw::daemon::ServedEndpoints>();
    served->set({{"http-0", config->listeners.front().serves}});
    partner = std::make_unique<gw::http::Router>(gw::daemon::partner_router(*core, *pool, served));
    admin = std::make_unique<gw::http::Router>(gw::daemon::admin_router(*core, *pool));
  }
  ~Daemon() { pool->stop(); }  // before the core the queued work uses
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
};

std::shared_ptr<const gw::config::GatewayConfig> load() {
  static TempDir temp;  // destroyed after the daemon, which is made after it
  temp.path = write_configuration();
  const fs::path& dir = temp.path;
  gw::config::LoadResult loaded = gw::config::load_config(dir / "edigate.xml");
  if (!loaded.ok()) {
    for (const auto& issue : loaded.issues) std::fprintf(stderr, "%s\n", issue.to_string().c_str());
    std::abort();
  }
  return loaded.config;
}

// The request as the server's session makes it (http/session.hpp, make_request).
std::optional<gw::http::Request> parse(std::string_view bytes, bool admin) {
  beast::http::request_parser<beast::http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  beast::error_code ec;
  while (!parser.is_done() && !bytes.empty()) {
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec || used == 0) break;
    bytes.remove_prefix(used);
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);  // a body that runs to the end of the input
    if (ec || !parser.is_done()) return std::nullopt;
  }
  auto msg = parser.release();
  gw::http::Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  const std::size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  for (const auto& field : msg) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = std::move(msg.body());
  r.remote_address = "127.0.0.1";
  r.remote_port = 40000;
  r.listener = admin ? "admin" : "http-0";
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto config = load();
  static std::unique_ptr<Daemon> daemon;
  static int inputs = 0;
  if (size < 1) return 0;
  if (!daemon || ++inputs % kInputsPerStore == 0) {
    daemon.reset();
    daemon = std::make_unique<Daemon>(config);
  }
  const bool admin = (data[0] & 1) != 0;
  auto request = parse(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), admin);
  if (!request) return 0;
  const gw::http::Router& router = admin ? *daemon->admin : *daemon->partner;
  const auto found = router.find(request->method, request->path);
  if (found.match != gw::http::Router::Match::found) return 0;
  auto capture = std::make_shared<Capture>();
  (*found.handler)(std::move(*request), gw::http::Responder(capture, 1));
  const gw::http::Response response = capture->wait();
  if (response.status < 100 || response.status > 599) std::abort();
  // To see what the seeds reach: EDIGATE_FUZZ_VERBOSE=1 fuzz_replay_gateway_http corpus/...
  static const bool verbose = std::getenv("EDIGATE_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::fprintf(stderr, "%s %.*s -> %u %.120s\n", admin ? "admin" : "partner",
                 static_cast<int>(std::min<std::size_t>(size - 1, 60)),
                 reinterpret_cast<const char*>(data) + 1, response.status, response.body.c_str());
  }
  return 0;
}
