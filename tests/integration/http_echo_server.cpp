// A tiny server for http_server_test.sh: an echo route and /metrics on one HTTP and one HTTPS
// listener (optional client certificates), built from the gateway's HTTP library.
// Usage: http_echo_server CERT_PEM KEY_PEM CLIENT_CA_PEM PORT_FILE
// Writes "HTTP_PORT HTTPS_PORT" to PORT_FILE once listening; stops on SIGTERM or SIGINT.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "http/server.hpp"
#include "http/worker_pool.hpp"

namespace http = edigate::gateway::http;

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

http::Response echo(const http::Request& req) {
  auto res = http::Response::text(200, req.body);
  res.headers.emplace_back("X-Listener", req.listener);
  res.headers.emplace_back("X-Client-Cert-SHA256", req.client_cert_sha256.value_or("none"));
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: http_echo_server CERT KEY CLIENT_CA PORT_FILE\n";
    return 2;
  }
  // Block the stop signals before any thread starts, so only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto tls = http::make_server_tls_context(read_file(argv[1]), read_file(argv[2]),
                                           read_file(argv[3]), false);
  if (!tls.ok()) {
    std::cerr << "tls: " << tls.error() << "\n";
    return 1;
  }
  auto metrics = std::make_shared<http::Metrics>();
  http::WorkerPool pool(2, 16);
  http::Router router;
  router.add("POST", "/echo", http::run_on_workers(pool, echo));  // answered from a worker
  router.add("GET", "/echo", [](http::Request req, http::Responder res) { res.send(echo(req)); });
  router.add("GET", "/metrics", [metrics](http::Request, http::Responder res) {
    res.send(http::Response::text(200, metrics->render_prometheus(),
                                  "text/plain; version=0.0.4; charset=utf-8"));
  });

  http::ServerOptions options;
  options.limits.max_body_bytes = 1024 * 1024;
  options.limits.max_header_bytes = 8 * 1024;
  // Short enough for the test to see a stalled request refused (408) in a second or two.
  options.limits.header_read_timeout = std::chrono::milliseconds(1500);
  options.limits.body_read_timeout = std::chrono::milliseconds(1500);
  // Every request the server refuses itself, one line each on stderr, for the test to read.
  options.on_refused = [](const http::Refusal& r) {
    std::cerr << "refused " << r.listener << " " << r.status << " " << r.remote_address << " ["
              << r.method << " " << r.target << "] " << r.reason << std::endl;
  };
  http::HttpServer server(options, std::move(router), metrics);
  auto plain = server.add_listener({"plain", "127.0.0.1", 0, nullptr});
  auto secure = server.add_listener({"secure", "127.0.0.1", 0, tls.value()});
  if (!plain.ok() || !secure.ok()) {
    std::cerr << "listen: " << plain.error() << secure.error() << "\n";
    return 1;
  }
  if (auto started = server.start(); !started.ok()) {
    std::cerr << "start: " << started.error << "\n";
    return 1;
  }
  {
    std::ofstream ports(std::string(argv[4]) + ".tmp");
    ports << plain.value() << " " << secure.value() << "\n";
  }
  std::rename((std::string(argv[4]) + ".tmp").c_str(), argv[4]);  // readers never see half

  int received = 0;
  sigwait(&stop_signals, &received);
  server.stop();
  pool.stop();
  return 0;
}
