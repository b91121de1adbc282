// Sending over real loopback HTTP: a tiny server in the test runs our receive() and answers
// with its MDN, or with scripted HTTP failures to exercise the retry rules.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <edigate/as2/receive.hpp>
#include <edigate/as2/send.hpp>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "as2_test_support.hpp"

using namespace edigate::as2;
namespace t = edigate::as2::test;

namespace {

struct HttpAnswer {
  int status = 200;
  HttpMessage message;
};

// Answers one request per connection on 127.0.0.1:<free port> until destroyed.
class LoopbackServer {
 public:
  using Handler = std::function<HttpAnswer(const Headers&, const std::string&)>;
  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    REQUIRE(::listen(fd_, 8) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/as2"; }
  std::vector<std::string> message_ids() {
    std::lock_guard lock(mutex_);
    return ids_;
  }

 private:
  void serve() {
    while (!stop_) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      handle(client);
      ::close(client);
    }
  }

  static std::string read_request(int client) {
    std::string data;
    char buf[65536];
    std::size_t need = std::string::npos;
    while (need == std::string::npos || data.size() < need) {
      const ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
      const std::size_t end = data.find("\r\n\r\n");
      if (need == std::string::npos && end != std::string::npos) {
        auto split = split_headers(data.substr(data.find("\r\n") + 2));
        const std::string length =
            split ? std::string(find_header(split->first, "Content-Length")) : "0";
        need = end + 4 + std::stoul(length.empty() ? "0" : length);
      }
    }
    return data;
  }

  void handle(int client) {
    const std::string request = read_request(client);
    auto split = split_headers(request.substr(request.find("\r\n") + 2));
    if (!split) return;
    {
      std::lock_guard lock(mutex_);
      ids_.emplace_back(find_header(split->first, "Message-ID"));
    }
    const HttpAnswer answer = handler_(split->first, split->second);
    Headers headers = answer.message.headers;
    headers.push_back({"Content-Length", std::to_string(answer.message.body.size())});
    headers.push_back({"Connection", "close"});
    const std::string response = "HTTP/1.1 " + std::to_string(answer.status) + " X\r\n" +
                                 build_entity(headers, answer.message.body);
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> ids_;
};

const std::string kPayload = "ISA*00*~\nGS*PO*A*B~\n";

struct Fixture {
  PartnerProfile them = t::partner_profile();      // as we (receiver) see the sender
  PartnerProfile us = t::as_partner_of_partner();  // as the sender sees us
  std::vector<std::chrono::milliseconds> waits;
  SendOptions options;
  Fixture() {
    options.first_backoff = std::chrono::milliseconds(100);
    options.max_attempts = 4;
    options.timeout_seconds = 10;
    options.sleep = [this](std::chrono::milliseconds d) { waits.push_back(d); };
  }
  // `mdn`: what the message asks for (by default a signed synchronous MDN).
  PackedMessage packed(const MdnRequest& mdn = {}) {
    PackRequest request;
    request.payload = kPayload;
    request.mdn = mdn;
    auto p = pack(request, t::partner_station(), us);
    REQUIRE(p.ok());
    return *p;
  }
  HttpAnswer receive_answer(const Headers& h, const std::string& body) {
    const PartnerLookup lookup = [this](std::string_view) { return &them; };
    ReceiveOutcome out = receive(h, body, t::local_station(), lookup);
    return HttpAnswer{200, out.mdn.value_or(HttpMessage{})};
  }
};

}  // namespace

TEST_CASE("send: posts to our receiver over loopback and checks the signed MDN's MIC",
          "[as2][send]") {
  Fixture f;
  LoopbackServer server(
      [&](const Headers& h, const std::string& b) { return f.receive_answer(h, b); });
  f.options.url = server.url();
  const PackedMessage message = f.packed();
  const SendOutcome out = send(message, f.us, f.options);
  INFO(out.error);
  CHECK(out.status == SendStatus::delivered);
  CHECK(out.attempts == 1);
  CHECK(out.http_status == 200);
  REQUIRE(out.mdn);
  CHECK(out.mdn->signed_mdn);
  CHECK(out.mdn->original_message_id == message.message_id);
}

TEST_CASE("send: retries 503 with the same Message-ID and growing backoff", "[as2][send]") {
  Fixture f;
  std::atomic<int> calls{0};
  LoopbackServer server([&](const Headers& h, const std::string& b) {
    if (++calls < 3) return HttpAnswer{503, {}};
    return f.receive_answer(h, b);
  });
  f.options.url = server.url();
  const PackedMessage message = f.packed();
  const SendOutcome out = send(message, f.us, f.options);
  CHECK(out.status == SendStatus::delivered);
  CHECK(out.attempts == 3);
  const auto ids = server.message_ids();
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] == message.message_id);
  CHECK(ids[1] == message.message_id);
  CHECK(ids[2] == message.message_id);
  REQUIRE(f.waits.size() == 2);
  CHECK(f.waits[0] <= std::chrono::milliseconds(100));
  CHECK(f.waits[0] >= std::chrono::milliseconds(75));
  CHECK(f.waits[1] >= std::chrono::milliseconds(150));
  CHECK(f.waits[1] <= std::chrono::milliseconds(200));
}

TEST_CASE("send: no retry on 400/401/403/404", "[as2][send]") {
  for (int status : {400, 401, 403, 404}) {
    Fixture f;
    LoopbackServer server([&](const Headers&, const std::string&) {
      return HttpAnswer{status, {}};
    });
    f.options.url = server.url();
    const SendOutcome out = send(f.packed(), f.us, f.options);
    CHECK(out.status == SendStatus::rejected);
    CHECK(out.attempts == 1);
    CHECK(out.http_status == status);
  }
}

TEST_CASE("send: no retry on a signed negative MDN, MIC mismatch rejected", "[as2][send]") {
  Fixture f;
  f.them.certificate =
      t::identity("stranger").certificate;  // receiver answers authentication-failed
  LoopbackServer server(
      [&](const Headers& h, const std::string& b) { return f.receive_answer(h, b); });
  f.options.url = server.url();
  const SendOutcome out = send(f.packed(), f.us, f.options);
  CHECK(out.status == SendStatus::rejected);
  CHECK(out.attempts == 1);
  REQUIRE(out.mdn);
  CHECK(out.mdn->status == DispositionStatus::authentication_failed);

  Fixture g;
  LoopbackServer server2(
      [&](const Headers& h, const std::string& b) { return g.receive_answer(h, b); });
  g.options.url = server2.url();
  PackedMessage message = g.packed();
  message.expected_mic = compute_mic("something else", DigestAlgorithm::sha256);
  const SendOutcome mismatch = send(message, g.us, g.options);
  CHECK(mismatch.status == SendStatus::rejected);
  CHECK(mismatch.error.find("MIC mismatch") != std::string::npos);
}

TEST_CASE("send: connection refused is retried until max attempts", "[as2][send]") {
  Fixture f;
  {
    LoopbackServer server([](const Headers&, const std::string&) { return HttpAnswer{}; });
    f.options.url = server.url();
  }  // closed: the port now refuses connections
  f.options.max_attempts = 3;
  const SendOutcome out = send(f.packed(), f.us, f.options);
  CHECK(out.status == SendStatus::gave_up);
  CHECK(out.attempts == 3);
  CHECK(out.http_status == 0);
  CHECK(f.waits.size() == 2);
}

TEST_CASE("send: async MDN requested (or none), any 2xx without a body is accepted",
          "[as2][send]") {
  Fixture f;
  LoopbackServer server([](const Headers&, const std::string&) { return HttpAnswer{202, {}}; });
  f.options.url = server.url();
  MdnRequest async;
  async.async_url = "http://127.0.0.1:9/mdn";  // where it would go later; never posted here
  SendOutcome out = send(f.packed(async), f.us, f.options);
  CHECK(out.status == SendStatus::delivered);
  CHECK(out.http_status == 202);
  CHECK(out.attempts == 1);
  CHECK_FALSE(out.mdn);
  MdnRequest none;
  none.requested = false;
  out = send(f.packed(none), f.us, f.options);
  CHECK(out.status == SendStatus::delivered);
  CHECK(out.attempts == 1);
  // A 2xx with a body that is no MDN (the server's note): taken, the MDN comes later.
  LoopbackServer chatty([](const Headers&, const std::string&) {
    return HttpAnswer{200, {{{"Content-Type", "text/plain"}}, "Message received"}};
  });
  f.options.url = chatty.url();
  out = send(f.packed(async), f.us, f.options);
  CHECK(out.status == SendStatus::delivered);
  CHECK_FALSE(out.mdn);
  CHECK_FALSE(out.mdn_http);
  // Where a sync MDN was asked for, the same answer is an MDN that is not accepted.
  out = send(f.packed(), f.us, f.options);
  CHECK(out.status == SendStatus::rejected);
  CHECK(out.mdn_http);
  CHECK_THAT(out.error, Catch::Contains("MDN not accepted"));
  // A report that fails its checks is refused even where the MDN was to come later: it is an
  // MDN, not a note.
  LoopbackServer broken([](const Headers&, const std::string&) {
    return HttpAnswer{
        200,
        {{{"Content-Type", "multipart/report; report-type=disposition-notification; boundary=b"}},
         "--b\r\nnot a report\r\n--b--\r\n"}};
  });
  f.options.url = broken.url();
  out = send(f.packed(async), f.us, f.options);
  CHECK(out.status == SendStatus::rejected);
  CHECK(out.mdn_http);
  CHECK_THAT(out.error, Catch::Contains("MDN not accepted"));
}

TEST_CASE("send: a sync MDN requested, a 2xx without one is sent again, then given up",
          "[as2][send]") {
  Fixture f;
  std::atomic<int> posts{0};
  LoopbackServer server([&](const Headers&, const std::string&) {
    ++posts;
    return HttpAnswer{200, {}};
  });
  f.options.url = server.url();
  f.options.max_attempts = 3;
  const SendOutcome out = send(f.packed(), f.us, f.options);
  CHECK(out.status == SendStatus::gave_up);
  CHECK(out.attempts == 3);
  CHECK(posts == 3);
  CHECK(out.http_status == 200);
  CHECK_FALSE(out.mdn);
  CHECK_THAT(out.error, Catch::Contains("not the synchronous MDN the message asked for"));
}

TEST_CASE("send: async MDN is posted later, retried, and matches the sent message", "[as2][send]") {
  Fixture f;
  PackRequest request;
  request.payload = kPayload;
  std::atomic<int> calls{0};
  std::mutex mutex;
  HttpMessage posted_mdn;
  LoopbackServer partner_mdn_endpoint([&](const Headers& h, const std::string& b) {
    if (++calls == 1) return HttpAnswer{500, {}};  // first try fails, the retry succeeds
    std::lock_guard lock(mutex);
    posted_mdn = HttpMessage{h, b};
    return HttpAnswer{204, {}};
  });
  request.mdn.async_url = partner_mdn_endpoint.url();
  auto packed = pack(request, t::partner_station(), f.us);
  REQUIRE(packed.ok());
  // Our receiver answers the POST at once; the MDN goes to the async URL afterwards.
  const PartnerLookup lookup = [&](std::string_view) { return &f.them; };
  const ReceiveOutcome received =
      receive(packed->http.headers, packed->http.body, t::local_station(), lookup);
  REQUIRE(received.mdn);
  REQUIRE(received.mdn_request.async_url == partner_mdn_endpoint.url());
  f.options.url = received.mdn_request.async_url;
  const SendOutcome out = send_async_mdn(*received.mdn, f.options);
  CHECK(out.status == SendStatus::delivered);
  CHECK(out.attempts == 2);
  CHECK(out.http_status == 204);
  std::lock_guard lock(mutex);
  auto mdn = parse_mdn(posted_mdn.headers, posted_mdn.body, &t::identity("edigate").certificate);
  REQUIRE(mdn.ok());
  CHECK(match_mdn(*mdn, *packed).ok());
  PackedMessage other = *packed;
  other.message_id = "<other@x>";
  CHECK_FALSE(match_mdn(*mdn, other).ok());
  other = *packed;
  other.expected_mic = compute_mic("x", DigestAlgorithm::sha256);
  CHECK(match_mdn(*mdn, other).error().code == ErrorCode::integrity_check_failed);
}
