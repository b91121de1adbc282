// Load generator for gateway_bench.sh: posts prepared AS2 messages (the files `edigate as2
// pack` writes: HTTP headers, a blank line, the body) to the daemon over loopback and prints
// messages/s, latency and its own CPU time. Written in C++ with blocking sockets, one thread
// per sender, because the senders share the two cores with the daemon under test: a Python
// sender cost ~0.8 ms of CPU per message, a third of the machine.
//
//   as2_load burst:N URL FILE...    N senders post every file as fast as they go
//   as2_load rate:R:S URL FILE...   R messages/s offered for S seconds, one thread per message
//
// A message counts as processed when the reply is 200 and its MDN says "processed" without
// "error" (the disposition of a good message); anything else counts as "other".
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;
  std::string port;
  std::string path;
};

std::optional<Target> parse_url(std::string_view url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) return std::nullopt;
  url.remove_prefix(scheme.size());
  const std::size_t slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  const std::size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return Target{std::string(authority.substr(0, colon)), std::string(authority.substr(colon + 1)),
                slash == std::string_view::npos ? "/" : std::string(url.substr(slash))};
}

// The request as sent: the file's headers (minus any Content-Length) and its body.
std::optional<std::string> load_request(const std::string& file, const Target& target) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t split = raw.find("\r\n\r\n");
  if (split == std::string::npos) return std::nullopt;
  const std::string body = raw.substr(split + 4);
  std::ostringstream req;
  req << "POST " << target.path << " HTTP/1.1\r\nHost: " << target.host << ':' << target.port
      << "\r\nConnection: close\r\nContent-Length: " << body.size() << "\r\n";
  std::istringstream headers(raw.substr(0, split));
  for (std::string line; std::getline(headers, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.find(": ") == std::string::npos) continue;
    std::string name = line.substr(0, line.find(':'));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "content-length" || name == "host" || name == "connection") continue;
    req << line << "\r\n";
  }
  req << "\r\n" << body;
  return req.str();
}

int connect_to(const Target& target) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd >= 0) {
    const int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

// One request on a new connection; true when the reply is a 200 whose body reports the
// message processed. The server closes the connection after the reply (Connection: close).
bool post(const Target& target, const std::string& request) {
  const int fd = connect_to(target);
  if (fd < 0) return false;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const bool ok_status = reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200");
  const std::size_t body = reply.find("\r\n\r\n");
  if (!ok_status || body == std::string::npos) return false;
  const std::string_view text = std::string_view(reply).substr(body);
  return text.find("processed") != std::string_view::npos &&
         text.find("error") == std::string_view::npos;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Tally {
  std::mutex m;
  std::vector<double> latency_ms;
  int ok = 0;
  int other = 0;

  void record(Clock::time_point start, bool processed) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::lock_guard lock(m);
    latency_ms.push_back(ms);
    ++(processed ? ok : other);
  }
};

int usage() {
  std::fprintf(stderr, "usage: as2_load burst:N|rate:R:S http://HOST:PORT/PATH FILE...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return usage();
  const std::string mode = argv[1];
  const auto target = parse_url(argv[2]);
  if (!target) return usage();
  std::vector<std::string> requests;
  for (int i = 3; i < argc; ++i) {
    auto request = load_request(argv[i], *target);
    if (!request) {
      std::fprintf(stderr, "as2_load: cannot read %s as headers + body\n", argv[i]);
      return 2;
    }
    requests.push_back(std::move(*request));
  }

  Tally tally;
  const double cpu_before = cpu_seconds();
  const Clock::time_point start = Clock::now();
  if (mode.starts_with("burst:")) {
    const int senders = std::max(1, std::atoi(mode.c_str() + 6));
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> threads;
    for (int s = 0; s < senders; ++s) {
      threads.emplace_back([&] {
        for (std::size_t i = next++; i < requests.size(); i = next++) {
          const Clock::time_point t = Clock::now();
          tally.record(t, post(*target, requests[i]));
        }
      });
    }
    for (std::thread& t : threads) t.join();
  } else if (mode.starts_with("rate:")) {
    double rate = 0;
    double seconds = 0;
    if (std::sscanf(mode.c_str(), "rate:%lf:%lf", &rate, &seconds) != 2 || rate <= 0) {
      return usage();
    }
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / rate));
      if (due - start > std::chrono::duration<double>(seconds)) break;
      std::this_thread::sleep_until(due);
      threads.emplace_back([&, i, due] { tally.record(due, post(*target, requests[i])); });
    }
    for (std::thread& t : threads) t.join();
  } else {
    return usage();
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;

  std::sort(tally.latency_ms.begin(), tally.latency_ms.end());
  const auto quantile = [&](double q) {
    if (tally.latency_ms.empty()) return 0.0;
    const auto at = static_cast<std::size_t>(q * static_cast<double>(tally.latency_ms.size()));
    return tally.latency_ms[std::min(tally.latency_ms.size() - 1, at)];
  };
  std::printf(
      "%s: %d MDNs processed, %d other, %.2f s, %.1f messages/s, latency p50 %.1f ms p99 %.1f "
      "ms; sender CPU %.2f s (on the same cores)\n",
      mode.c_str(), tally.ok, tally.other, took, tally.ok / took, quantile(0.5), quantile(0.99),
      cpu);
  return tally.other == 0 ? 0 : 1;
}
