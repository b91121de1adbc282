#include "http/server.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "http/worker_pool.hpp"
#include "raw_client.hpp"

using namespace edigate::gateway::http;
using namespace std::chrono_literals;
using test::get;
using test::post;
using test::RawConnection;

namespace {

// Short limits so the timeout tests take well under a second each.
ServerLimits test_limits() {
  ServerLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_body_bytes = 1024;
  limits.idle_timeout = 1500ms;
  limits.header_read_timeout = 400ms;
  limits.body_read_timeout = 400ms;
  limits.write_timeout = 1000ms;
  limits.linger_timeout = 300ms;
  return limits;
}

Handler echo() {
  return [](Request req, Responder res) {
    auto r = Response::text(200, req.body);
    r.headers.emplace_back("X-Listener", req.listener);
    r.headers.emplace_back("X-Path", req.path);
    r.headers.emplace_back("X-Query", req.query);
    r.headers.emplace_back("X-Remote", req.remote_address);
    r.headers.emplace_back("X-Custom", std::string(req.header("x-custom").value_or("none")));
    res.send(std::move(r));
  };
}

struct TestServer {
  std::shared_ptr<Metrics> metrics = std::make_shared<Metrics>();
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;

  TestServer(Router router, ServerLimits limits = test_limits()) {
    server = std::make_unique<HttpServer>(ServerOptions{2, limits, {}}, std::move(router), metrics);
    auto bound = server->add_listener({"test", "127.0.0.1", 0, nullptr});
    REQUIRE(bound.ok());
    port = bound.value();
    REQUIRE(server->port("test") == port);
    REQUIRE(server->start().ok());
  }
};

Router echo_router() {
  Router router;
  router.add("POST", "/echo", echo());
  router.add("GET", "/echo", echo());
  router.add_prefix("GET", "/files/", echo());
  return router;
}

}  // namespace

TEST_CASE("server: routes, request fields, 404 and 405, Date and Content-Length", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  REQUIRE(c.connected());

  REQUIRE(c.send(post("/echo?a=1", "hello")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "hello");
  CHECK(r->headers["x-listener"] == "test");
  CHECK(r->headers["x-path"] == "/echo");
  CHECK(r->headers["x-query"] == "a=1");
  CHECK(r->headers["x-remote"] == "127.0.0.1");
  CHECK(r->headers["content-length"] == "5");
  CHECK(r->has("date"));

  REQUIRE(c.send(get("/files/a/b.txt", "X-Custom: yes\r\n")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->headers["x-custom"] == "yes");

  REQUIRE(c.send(get("/nothing")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(r->has("content-length"));
  CHECK(r->has("date"));

  REQUIRE(c.send("DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->headers["allow"] == "GET, POST");
}

TEST_CASE("server: keep-alive serves several requests, Connection: close is honoured", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(c.send(post("/echo", "n" + std::to_string(i))));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->body == "n" + std::to_string(i));
    CHECK(r->headers.count("connection") == 0);  // HTTP/1.1 default keep-alive
  }
  REQUIRE(c.send(get("/echo", "Connection: close\r\n")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->headers["connection"] == "close");
  CHECK(c.closed_by_peer());
}

TEST_CASE("server: pipelined requests are answered in order", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  REQUIRE(c.send(post("/echo", "first") + post("/echo", "second")));
  auto a = c.read_response();
  auto b = c.read_response();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->body == "first");
  CHECK(b->body == "second");
}

TEST_CASE("server: max requests per connection closes after the last one", "[http]") {
  auto limits = test_limits();
  limits.max_requests_per_connection = 2;
  TestServer ts(echo_router(), limits);
  RawConnection c(ts.port);
  REQUIRE(c.send(get("/echo")));
  REQUIRE(c.read_response());
  REQUIRE(c.send(get("/echo")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->headers["connection"] == "close");
  CHECK(c.closed_by_peer());
}

TEST_CASE("server: an oversized header gets 431 and the connection closes", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  REQUIRE(c.send(get("/echo", "X-Big: " + std::string(4000, 'a') + "\r\n")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  CHECK(c.closed_by_peer());
}

TEST_CASE("server: many small fields over the header limit in all get 431", "[http]") {
  // Each field is far below the limit; together they are over it (daemon_test sends the same
  // to the daemon, where Beast's own count let 24 KB of them through a 16 KiB limit).
  ServerLimits limits = test_limits();
  limits.max_header_bytes = 16384;
  TestServer ts(echo_router(), limits);
  RawConnection c(ts.port);
  std::string fields;
  while (fields.size() < 24000) fields += "X-A: b\r\n";  // one name again and again
  REQUIRE(c.send(get("/echo", fields)));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 431);
  // The same fields a few at a time, as a slow client sends them: the limit is on the whole.
  RawConnection slow(ts.port);
  const std::string request = get("/echo", fields);
  bool sent = true;
  for (std::size_t at = 0; at < request.size() && sent; at += 64) {
    sent = slow.send(request.substr(at, 64));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto slow_answer = slow.read_response();
  REQUIRE(slow_answer);
  CHECK(slow_answer->status == 431);
}

TEST_CASE("server: an oversized body gets 413 before the body is sent", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  // Announce 10 MB but send none of it: the answer must not wait for the body.
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(c.closed_by_peer());

  SECTION("a chunked body that grows past the limit gets 413 too") {
    RawConnection chunked(ts.port);
    std::string chunk(800, 'x');
    REQUIRE(
        chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "320\r\n" +
                     chunk + "\r\n320\r\n" + chunk + "\r\n"));
    auto rc = chunked.read_response();
    REQUIRE(rc);
    CHECK(rc->status == 413);
  }
}

TEST_CASE("server: Expect: 100-continue gets an interim response, then the answer", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port);
  REQUIRE(c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = c.read_response();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  REQUIRE(c.send("body"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "body");
}

TEST_CASE("server: malformed requests get 400", "[http]") {
  TestServer ts(echo_router());
  for (std::string bad : {"GET /echo\r\n\r\n", "GET /echo HTTP/1.1\r\nNo colon here\r\n\r\n",
                          "POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    RawConnection c(ts.port);
    REQUIRE(c.send(bad));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(c.closed_by_peer());
  }
}

TEST_CASE("server: a slowloris client is cut off by the header timeout", "[http]") {
  TestServer ts(echo_router());
  RawConnection c(ts.port, 3000);
  auto start = std::chrono::steady_clock::now();
  std::string request = get("/echo", "X-Slow: " + std::string(100, 's') + "\r\n");
  bool cut = false;
  for (char ch : request) {  // one byte every 50 ms: the whole header would take ~6 s
    if (!c.send(std::string_view(&ch, 1))) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
    if (std::chrono::steady_clock::now() - start > 1500ms) break;
  }
  CHECK((cut || c.closed_by_peer()));
  CHECK(std::chrono::steady_clock::now() - start < 2500ms);
  CHECK(ts.metrics->render_prometheus().find("edigate_http_timeouts_total{listener=\"test\"} 1") !=
        std::string::npos);
}

TEST_CASE("server: an idle keep-alive connection is closed after the idle timeout", "[http]") {
  auto limits = test_limits();
  limits.idle_timeout = 300ms;
  TestServer ts(echo_router(), limits);
  RawConnection c(ts.port, 3000);
  REQUIRE(c.send(get("/echo")));
  REQUIRE(c.read_response());
  auto start = std::chrono::steady_clock::now();
  CHECK(c.closed_by_peer());
  CHECK(std::chrono::steady_clock::now() - start < 2000ms);
}

TEST_CASE("server: connections per client IP are limited", "[http]") {
  auto limits = test_limits();
  limits.max_connections_per_ip = 2;
  TestServer ts(echo_router(), limits);
  RawConnection a(ts.port), b(ts.port);
  for (auto* c : {&a, &b}) {  // both admitted and kept open
    REQUIRE(c->send(get("/echo")));
    REQUIRE(c->read_response());
  }
  RawConnection third(ts.port);
  auto r = third.read_response();  // the server speaks first: 503, then closes
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(third.closed_by_peer());

  // A freed slot is usable again.
  REQUIRE(a.send(get("/echo", "Connection: close\r\n")));
  REQUIRE(a.read_response());
  REQUIRE(a.closed_by_peer());
  std::this_thread::sleep_for(500ms);  // the server lingers up to linger_timeout before freeing
  RawConnection again(ts.port);
  REQUIRE(again.send(get("/echo")));
  auto ok = again.read_response();
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("server: a worker answers later while other requests are served", "[http]") {
  WorkerPool pool(2, 8);
  Router router = echo_router();
  router.add("GET", "/slow", run_on_workers(pool, [](const Request&) {
               std::this_thread::sleep_for(600ms);
               return Response::text(200, "slow done");
             }));
  TestServer ts(std::move(router));

  RawConnection slow(ts.port), fast(ts.port);
  auto start = std::chrono::steady_clock::now();
  REQUIRE(slow.send(get("/slow")));
  for (int i = 0; i < 5; ++i) {
    REQUIRE(fast.send(post("/echo", "quick")));
    auto r = fast.read_response();
    REQUIRE(r);
    CHECK(r->body == "quick");
  }
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  auto late = slow.read_response();
  REQUIRE(late);
  CHECK(late->body == "slow done");
  CHECK(std::chrono::steady_clock::now() - start >= 600ms);
  pool.stop();
}

TEST_CASE("server: a full worker queue answers 503 with Retry-After", "[http]") {
  WorkerPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> busy{false};
  Router router;
  router.add("GET", "/block",
             run_on_workers(
                 pool,
                 [&](const Request&) {
                   busy = true;
                   released.wait();
                   return Response::text(200, "done");
                 },
                 7));
  TestServer ts(std::move(router));

  RawConnection running(ts.port), queued(ts.port), refused(ts.port);
  REQUIRE(running.send(get("/block")));
  while (!busy) std::this_thread::sleep_for(5ms);
  REQUIRE(queued.send(get("/block")));
  while (pool.queued() == 0) std::this_thread::sleep_for(5ms);
  REQUIRE(refused.send(get("/block")));
  auto r = refused.read_response();
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(r->headers["retry-after"] == "7");

  release.set_value();
  auto a = running.read_response();
  auto b = queued.read_response();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->status == 200);
  CHECK(b->status == 200);
  pool.stop();
}

TEST_CASE("server: a handler that drops its Responder produces 500", "[http]") {
  Router router;
  router.add("GET", "/forget", [](Request, Responder) {});
  router.add("GET", "/twice", [](Request, Responder res) {
    res.send(Response::text(200, "one"));
    res.send(Response::text(200, "two"));  // ignored
  });
  TestServer ts(std::move(router));
  RawConnection c(ts.port);
  REQUIRE(c.send(get("/forget")));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 500);
  REQUIRE(c.send(get("/twice")));
  r = c.read_response();
  REQUIRE(r);
  CHECK(r->body == "one");
}

TEST_CASE("server: graceful stop finishes requests in flight and refuses new ones", "[http]") {
  WorkerPool pool(1, 4);
  Router router = echo_router();
  router.add("GET", "/slow", run_on_workers(pool, [](const Request&) {
               std::this_thread::sleep_for(400ms);
               return Response::text(200, "finished");
             }));
  TestServer ts(std::move(router));

  RawConnection idle(ts.port), busy(ts.port);
  REQUIRE(idle.send(get("/echo")));
  REQUIRE(idle.read_response());
  REQUIRE(busy.send(get("/slow")));
  std::this_thread::sleep_for(100ms);

  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { ts.server->stop(3s); });
  auto r = busy.read_response();
  REQUIRE(r);
  CHECK(r->body == "finished");
  CHECK(r->headers["connection"] == "close");
  CHECK(idle.closed_by_peer());
  stopper.join();
  CHECK(std::chrono::steady_clock::now() - start < 2s);  // did not wait for the deadline
  CHECK(ts.server->open_connections() == 0);

  RawConnection late(ts.port, 500);
  CHECK((!late.connected() || late.closed_by_peer()));
  pool.stop();
}

TEST_CASE("server: metrics count requests, connections and bytes", "[http]") {
  TestServer ts(echo_router());
  {
    RawConnection c(ts.port);
    REQUIRE(c.send(post("/echo", "abc")));
    REQUIRE(c.read_response());
    REQUIRE(c.send(get("/missing")));
    REQUIRE(c.read_response());
    std::string text = ts.metrics->render_prometheus();
    CHECK(text.find("edigate_http_open_connections{listener=\"test\"} 1\n") != std::string::npos);
  }
  std::this_thread::sleep_for(200ms);
  std::string text = ts.metrics->render_prometheus();
  CHECK(text.find("edigate_http_requests_total{code=\"2xx\",listener=\"test\"} 1\n") ==
        std::string::npos);  // labels keep the order they were given
  CHECK(text.find("edigate_http_requests_total{listener=\"test\",code=\"2xx\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("edigate_http_requests_total{listener=\"test\",code=\"4xx\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("edigate_http_open_connections{listener=\"test\"} 0\n") != std::string::npos);
  CHECK(text.find("edigate_http_request_duration_seconds_count{listener=\"test\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("edigate_http_received_bytes_total{listener=\"test\"} 0\n") == std::string::npos);
  CHECK(text.find("edigate_http_sent_bytes_total{listener=\"test\"} 0\n") == std::string::npos);
}

TEST_CASE("server: bodies held by all connections share one memory budget", "[http]") {
  WorkerPool pool(1, 4);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto limits = test_limits();
  limits.max_total_body_bytes = 1000;
  Router router;
  router.add("POST", "/hold", run_on_workers(pool, [released](const Request& r) {
               released.wait();
               return Response::text(200, std::to_string(r.body.size()));
             }));
  TestServer ts(std::move(router), limits);

  RawConnection holder(ts.port), second(ts.port);
  REQUIRE(holder.send(post("/hold", std::string(800, 'a'))));
  std::this_thread::sleep_for(100ms);
  REQUIRE(second.send(post("/hold", std::string(800, 'b'))));
  auto refused = second.read_response();
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(refused->has("retry-after"));

  release.set_value();
  auto held = holder.read_response();
  REQUIRE(held);
  CHECK(held->body == "800");
  RawConnection third(ts.port);  // the budget was given back with the response
  REQUIRE(third.send(post("/hold", std::string(800, 'c'))));
  auto ok = third.read_response();
  REQUIRE(ok);
  CHECK(ok->status == 200);
  pool.stop();
}

TEST_CASE("server: chunk extensions and trailer fields are held to a limit", "[http]") {
  TestServer ts(echo_router());
  // The read buffer holds the header limit (2048 here) plus 64 KiB at most.
  SECTION("a chunk extension longer than that gets 431, not a buffer that grows") {
    RawConnection c(ts.port);
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5;x=" +
                   std::string(100 * 1024, 'y')));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
    CHECK(c.closed_by_peer());
  }
  SECTION("so do trailer fields longer than that") {
    RawConnection c(ts.port);
    std::string trailers;
    while (trailers.size() < 100 * 1024) trailers += "X-T: y\r\n";
    REQUIRE(
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nabcde\r\n0\r\n" +
               trailers + "\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 431);
  }
  SECTION("short trailer fields are dropped, not taken as headers") {
    RawConnection c(ts.port);
    REQUIRE(
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nabcde\r\n0\r\nX-Custom: from-the-trailer\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == "abcde");
    CHECK(r->headers["x-custom"] == "none");
  }
  SECTION("also one named as a header: the header's value is the one seen") {
    RawConnection c(ts.port);
    REQUIRE(
        c.send("POST /echo HTTP/1.1\r\nHost: t\r\nX-Custom: from-the-header\r\n"
               "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n"
               "X-Custom: from-the-trailer\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->headers["x-custom"] == "from-the-header");
  }
}

TEST_CASE("server: a transfer coding other than chunked gets 501", "[http]") {
  TestServer ts(echo_router());
  for (std::string coding : {"gzip, chunked", "deflate,chunked", "chunked, chunked", ""}) {
    RawConnection c(ts.port);
    REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding +
                   "\r\n\r\n5\r\nabcde\r\n0\r\n\r\n"));
    auto r = c.read_response();
    REQUIRE(r);
    CHECK(r->status == 501);
    CHECK(c.closed_by_peer());
  }
  RawConnection c(ts.port);
  REQUIRE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding:  Chunked \r\n\r\n"
             "5\r\nabcde\r\n0\r\n\r\n"));
  auto r = c.read_response();
  REQUIRE(r);
  CHECK(r->status == 200);
}
