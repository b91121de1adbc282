// libFuzzer target: the HTTP server's connection handling (http/session.hpp) over real loopback
// sockets. One HttpServer runs for the whole process with a plain listener, small limits and short
// timeouts, and a router whose handlers answer in every way a handler may: at once, later from
// another thread, twice, never (the Responder answers 500), by throwing, and a route with its own
// small body limit. Each input is bytes written by up to three client connections:
//
//   byte 0         FF: keep the connections open after writing (the server's timeouts end
//                  them; slow, so only this value); else the client half-closes them; its low
//                  7 bits + 1: the size of each write (1..128)
//   then the data, with two escapes: FF FE pauses 2 ms (the server reads what came so far),
//   FF FD k switches to connection k % 3 (opened on first use); FF FF is one FF byte.
//
// What must hold for any input, or the process aborts (libFuzzer reports it): every byte the
// server sends is a sequence of well-formed HTTP/1.1 responses (read back with Beast's parser),
// every connection is closed by the server once the client has stopped (within a deadline set
// well above the server's timeouts), and afterwards the server holds no connection and no part
// of its request-body budget. EDIGATE_FUZZ_VERBOSE=1 prints what each connection received.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "http/worker_pool.hpp"

namespace {

namespace http = edigate::gateway::http;
namespace beast = boost::beast;
using namespace std::chrono_literals;

constexpr std::size_t kConnections = 3;
constexpr auto kPause = 2ms;
// Far above every server timeout below: a connection the server has not closed by then is stuck.
constexpr auto kCloseDeadline = 5s;

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_http_session: invariant broken: %s\n", what);
  std::abort();
}

http::ServerLimits small_limits() {
  http::ServerLimits l;
  l.max_header_bytes = 1024;
  l.max_body_bytes = 4096;
  l.max_total_body_bytes = 6000;  // two announced bodies of 4 KiB cannot both be held: 503
  l.idle_timeout = 150ms;
  l.header_read_timeout = 150ms;
  l.body_read_timeout = 150ms;
  l.write_timeout = 500ms;
  l.linger_timeout = 50ms;
  l.linger_max_bytes = 8192;
  l.max_connections = 16;
  l.max_connections_per_ip = 8;
  l.max_requests_per_connection = 5;
  return l;
}

http::Router routes(http::WorkerPool& pool) {
  http::Router r;
  // At once, on the network thread; echoes the body's size.
  r.add("POST", "/echo", [](http::Request req, http::Responder res) {
    res.send(http::Response::text(200, std::to_string(req.body.size())));
  });
  r.add("GET", "/echo",
        [](http::Request, http::Responder res) { res.send(http::Response::text(200, "ok")); });
  // Later, from a pool thread (as the daemon's handlers answer).
  r.add("POST", "/later", http::run_on_workers(pool, [](const http::Request& req) {
          std::this_thread::sleep_for(1ms);
          return http::Response::text(202, std::to_string(req.body.size()));
        }));
  // Twice: the second answer must be dropped.
  r.add("GET", "/twice", [](http::Request, http::Responder res) {
    res.send(http::Response::text(200, "first"));
    res.send(http::Response::text(500, "second"));
  });
  // Never: the Responder's last copy answers 500.
  r.add("GET", "/never", [](http::Request, http::Responder) {});
  // Throws after keeping its Responder elsewhere for a moment.
  r.add("GET", "/throw",
        [](http::Request, http::Responder) { throw std::runtime_error("handler failure"); });
  // Closes after answering.
  r.add("GET", "/close", [](http::Request, http::Responder res) {
    auto answer = http::Response::text(200, "bye");
    answer.close = true;
    res.send(std::move(answer));
  });
  // Its own body limit (64 bytes): a longer announced body reaches it unread.
  r.add(
      "POST", "/small",
      [](http::Request req, http::Responder res) {
        if (req.body_refused_length > 0) return res.send(http::Response::error(413));
        res.send(http::Response::text(200, std::to_string(req.body.size())));
      },
      64);
  r.add_prefix("GET", "/p/", [](http::Request req, http::Responder res) {
    res.send(http::Response::text(200, req.path));
  });
  return r;
}

struct Fixture {
  http::WorkerPool pool{2, 8};
  std::unique_ptr<http::HttpServer> server;
  std::uint16_t port = 0;

  Fixture() {
    http::ServerOptions options;
    options.network_threads = 2;
    options.limits = small_limits();
    server = std::make_unique<http::HttpServer>(options, routes(pool), nullptr);
    http::ListenerConfig listener;
    listener.name = "fuzz";
    listener.address = "127.0.0.1";
    auto bound = server->add_listener(listener);
    check(bound.ok(), "the listener binds");
    port = bound.value();
    check(server->start().ok(), "the server starts");
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture();  // never destroyed: libFuzzer exits without unwinding
  return *f;
}

// A blocking connect that a signal interrupts (libFuzzer's -timeout alarm, every second) goes
// on in the background and fails with EINTR: wait for it, then read how it ended.
int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  check(fd >= 0, "a client socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int error = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
  if (error == EINTR) {
    pollfd p{fd, POLLOUT, 0};
    while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
    }
    socklen_t len = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
  }
  if (error != 0) {
    std::fprintf(stderr, "fuzz_http_session: connect: %s\n", std::strerror(error));
    check(false, "connect");
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

struct Client {
  int fd = -1;
  bool writable = true;  // false once the server closed or reset the connection
  std::string received;
  bool closed = false;  // the server's end of the stream was read
  bool reset = false;   // ... or the connection was reset (unread bytes may be lost)
};

// Reads what is there without waiting.
void drain(Client& c) {
  std::array<char, 16384> buf;
  while (!c.closed) {
    ssize_t n = ::recv(c.fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      c.received.append(buf.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) c.closed = true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
      c.closed = c.reset = true;
    return;
  }
}

void send_all(Client& c, std::string_view data) {
  while (c.writable && !data.empty()) {
    ssize_t n = ::send(c.fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      drain(c);  // read answers as they come, as a client would
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      drain(c);  // the server may be waiting for us to read its answer
      pollfd p{c.fd, POLLOUT, 0};
      ::poll(&p, 1, 50);
      continue;
    }
    c.writable = false;  // reset or closed by the server: what is left is not sent
  }
}

// Waits until the server has closed every connection, reading all it sends.
void read_until_closed(std::vector<Client>& clients) {
  const auto deadline = std::chrono::steady_clock::now() + kCloseDeadline;
  for (;;) {
    std::vector<pollfd> waiting;
    for (auto& c : clients) {
      drain(c);
      if (!c.closed) waiting.push_back({c.fd, POLLIN, 0});
    }
    if (waiting.empty()) return;
    check(std::chrono::steady_clock::now() < deadline,
          "the server closes a connection after the client stopped");
    ::poll(waiting.data(), waiting.size(), 50);
  }
}

// Everything the server wrote must read as whole HTTP/1.1 responses. The last one may be cut
// short only when the connection was reset: a client that goes on sending after an error answer
// (more than the server's lingering close takes) is reset, and the kernel may then drop what
// it had received and not yet been read.
void check_responses(std::string_view bytes, bool reset) {
  while (!bytes.empty()) {
    beast::http::response_parser<beast::http::string_body> parser;
    parser.eager(true);
    parser.skip(false);
    beast::error_code ec;
    std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    while (!ec && !parser.is_done() && used < bytes.size()) {
      bytes.remove_prefix(used);
      used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    }
    check(!ec || ec == beast::http::error::need_more, "the server's bytes parse as HTTP");
    if (!parser.is_done() && reset) return;
    check(parser.is_done(), "every response the server started is complete");
    bytes.remove_prefix(used);
    const auto& res = parser.get();
    check(res.version() == 11 || res.version() == 10, "the response has an HTTP version");
    const unsigned status = res.result_int();
    check(status >= 100 && status <= 599, "the response has a status code");
    check(status != 500 || res.body().find("second") == std::string::npos,
          "a second answer to one request is dropped");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Fixture& f = fixture();
  const bool keep_open = data[0] == 0xff;
  const std::size_t write_size = (data[0] & 0x7fu) + 1u;
  std::vector<Client> clients(kConnections);
  std::size_t current = 0;
  std::string pending;  // bytes for `current`, written in pieces of write_size

  auto flush = [&] {
    Client& c = clients[current];
    if (c.fd < 0) c.fd = connect_to(f.port);
    for (std::size_t at = 0; at < pending.size(); at += write_size) {
      send_all(c, std::string_view(pending).substr(at, write_size));
    }
    pending.clear();
  };

  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] != 0xff || i + 1 >= size) {
      pending.push_back(static_cast<char>(data[i]));
      continue;
    }
    const std::uint8_t op = data[++i];
    if (op == 0xfe) {
      flush();
      std::this_thread::sleep_for(kPause);
    } else if (op == 0xfd && i + 1 < size) {
      flush();
      current = data[++i] % kConnections;
    } else {
      pending.push_back(static_cast<char>(0xff));
      if (op != 0xff) pending.push_back(static_cast<char>(op));
    }
  }
  flush();

  std::vector<Client> opened;
  for (auto& c : clients) {
    if (c.fd < 0) continue;
    if (!keep_open) ::shutdown(c.fd, SHUT_WR);
    opened.push_back(std::move(c));
  }
  read_until_closed(opened);
  static const bool verbose = std::getenv("EDIGATE_FUZZ_VERBOSE") != nullptr;
  for (auto& c : opened) {
    ::close(c.fd);
    if (verbose)
      std::fprintf(stderr, "--- %s\n%s\n", c.reset ? "reset" : "closed", c.received.c_str());
    check_responses(c.received, c.reset);
  }

  // The server's side of each connection is released right after it closes; allow for the
  // network threads to get there.
  const auto deadline = std::chrono::steady_clock::now() + kCloseDeadline;
  while (f.server->open_connections() != 0 || f.server->reserved_body_bytes() != 0) {
    check(std::chrono::steady_clock::now() < deadline,
          "the server forgets a closed connection and gives back its body budget");
    std::this_thread::sleep_for(1ms);
  }
  return 0;
}
