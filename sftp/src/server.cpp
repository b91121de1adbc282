#include "edigate/sftp/server.hpp"

#define WITH_SERVER
#include <arpa/inet.h>
#include <fcntl.h>
#include <libssh/server.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "algorithms.hpp"
#include "connection.hpp"
#include "host_keys.hpp"
#include "log.hpp"

namespace edigate::sftp {

class ServerState {
 public:
  ServerState(ServerConfig c, UploadSink& s)
      : config(std::move(c)),
        sink(s),
        partners(std::make_shared<const std::vector<PartnerAccount>>(config.partners)) {}
  ~ServerState() {
    if (bind != nullptr) ssh_bind_free(bind);
    if (listen_fd >= 0) ::close(listen_fd);
    if (wake[0] >= 0) ::close(wake[0]);
    if (wake[1] >= 0) ::close(wake[1]);
  }

  ServerConfig config;
  UploadSink& sink;
  // The partner list new connections see, replaced whole by set_partners() (under mutex).
  std::shared_ptr<const std::vector<PartnerAccount>> partners;
  bool legacy_offered = false;  // the bind offers the legacy algorithm set
  ssh_bind bind = nullptr;
  int listen_fd = -1;
  int wake[2] = {-1, -1};
  std::uint16_t port = 0;

  std::mutex mutex;
  std::condition_variable all_done;
  // The accepted sockets of the sessions running, shut down on stop(). Each stays open (libssh
  // is given a duplicate) until its session thread has left it, so its number cannot be
  // handed to another connection while it is listed here.
  std::set<int> session_fds;
  std::map<std::string, std::uint32_t> per_partner;
  bool stopping = false;
};

namespace {

bool set_option(ssh_bind bind, ssh_bind_options_e option, const void* value) {
  return ssh_bind_options_set(bind, option, value) == SSH_OK;
}

Status configure_bind(ServerState& s, const std::vector<std::string>& host_keys) {
  s.bind = ssh_bind_new();
  if (s.bind == nullptr) return Status::error(ErrorCode::network, "ssh_bind_new failed");
  bool legacy = false;
  for (const PartnerAccount& p : s.config.partners) legacy = legacy || p.legacy_algorithms;
  s.legacy_offered = legacy;
  const AlgorithmSet& algos = legacy ? legacy_algorithms() : modern_algorithms();
  bool process_config = false;  // never read /etc/libssh: our settings are the whole policy
  bool ok = set_option(s.bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config);
  for (const std::string& key : host_keys) {
    ok = ok && set_option(s.bind, SSH_BIND_OPTIONS_HOSTKEY, key.c_str());
  }
  ok = ok && set_option(s.bind, SSH_BIND_OPTIONS_KEY_EXCHANGE, algos.kex) &&
       set_option(s.bind, SSH_BIND_OPTIONS_CIPHERS_C_S, algos.ciphers) &&
       set_option(s.bind, SSH_BIND_OPTIONS_CIPHERS_S_C, algos.ciphers) &&
       set_option(s.bind, SSH_BIND_OPTIONS_HMAC_C_S, algos.macs) &&
       set_option(s.bind, SSH_BIND_OPTIONS_HMAC_S_C, algos.macs) &&
       set_option(s.bind, SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS, algos.host_keys) &&
       set_option(s.bind, SSH_BIND_OPTIONS_PUBKEY_ACCEPTED_KEY_TYPES, algos.pubkeys);
  if (!ok) {
    return Status::error(ErrorCode::crypto,
                         std::string("SSH server options: ") + ssh_get_error(s.bind));
  }
  return Status::success();
}

// "[::1]:22" for IPv6 addresses, "127.0.0.1:22" for IPv4, as log lines and clients write them.
std::string host_port(const std::string& address, std::uint16_t port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Status listen_socket(ServerState& s) {
  // A numeric address only (IPv4 or IPv6): a host name would make the bound address depend on
  // the resolver at start time.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(s.config.port);
  if (::getaddrinfo(s.config.listen_address.c_str(), service.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return Status::error(
        ErrorCode::bad_config,
        "listen address must be a numeric IPv4 or IPv6 address: " + s.config.listen_address);
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> info(found, &::freeaddrinfo);
  s.listen_fd = ::socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (info->ai_family == AF_INET6) {
    // "::" means every address, IPv4 included, whatever net.ipv6.bindv6only says; a specific
    // IPv6 address only ever sees IPv6.
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(info->ai_addr);
    const int v6only = IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr) ? 0 : 1;
    ::setsockopt(s.listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  }
  if (s.listen_fd < 0 || ::bind(s.listen_fd, info->ai_addr, info->ai_addrlen) != 0 ||
      ::listen(s.listen_fd, 64) != 0) {
    return Status::error(ErrorCode::network, "cannot listen on " +
                                                 host_port(s.config.listen_address, s.config.port) +
                                                 ": " + std::strerror(errno));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&bound), &len);
  const in_port_t port = bound.ss_family == AF_INET6
                             ? reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port
                             : reinterpret_cast<const sockaddr_in*>(&bound)->sin_port;
  s.port = ntohs(port);
  return Status::success();
}

Status check_jails(const std::vector<PartnerAccount>& partners) {
  for (const PartnerAccount& p : partners) {
    for (const char* area : {"/inbox", "/outbox"}) {
      const std::string dir = p.jail_dir + area;
      if (::access(dir.c_str(), F_OK) != 0) {
        return Status::error(ErrorCode::bad_config, "partner " + p.id + ": missing " + dir);
      }
    }
  }
  return Status::success();
}

void session_thread(ServerState& s, ssh_session session, int fd) {
  std::shared_ptr<const std::vector<PartnerAccount>> partners;
  {
    std::lock_guard lock(s.mutex);
    partners = s.partners;
  }
  ConnectionContext ctx{s.config, std::move(partners), s.sink,
                        [&s](const std::string& id) {
                          std::lock_guard lock(s.mutex);
                          std::uint32_t& n = s.per_partner[id];
                          if (n >= s.config.limits.max_sessions_per_partner) return false;
                          ++n;
                          return true;
                        },
                        [&s](const std::string& id) {
                          std::lock_guard lock(s.mutex);
                          --s.per_partner[id];
                        }};
  serve_connection(session, ctx);  // closes libssh's duplicate of fd through ssh_free
  std::lock_guard lock(s.mutex);
  s.session_fds.erase(fd);
  ::close(fd);
  s.all_done.notify_all();
}

// Forgets and closes an accepted socket whose session never started.
void drop_connection(ServerState& s, int fd) {
  std::lock_guard lock(s.mutex);
  s.session_fds.erase(fd);
  ::close(fd);
  s.all_done.notify_all();
}

void admit_connection(ServerState& s, int fd) {
  {
    std::lock_guard lock(s.mutex);
    if (s.session_fds.size() >= s.config.limits.max_sessions_total) {
      log_event("connection refused: max_sessions_total reached");
      ::close(fd);
      return;
    }
    s.session_fds.insert(fd);
  }
  // libssh owns (and closes, in ssh_free) a duplicate; fd itself stays ours until the session
  // is over.
  const int lib_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (lib_fd < 0) {
    log_event(std::string("accept failed: ") + std::strerror(errno));
    return drop_connection(s, fd);
  }
  ssh_session session = ssh_new();
  if (session == nullptr || ssh_bind_accept_fd(s.bind, session, lib_fd) != SSH_OK) {
    log_event(std::string("accept failed: ") + ssh_get_error(s.bind));
    // Taken by the session (it closes it when freed) or not at all: closed once either way.
    const bool taken = session != nullptr && ssh_get_fd(session) == lib_fd;
    if (session != nullptr) ssh_free(session);
    if (!taken) ::close(lib_fd);
    return drop_connection(s, fd);
  }
  std::thread(session_thread, std::ref(s), session, fd).detach();
}

}  // namespace

SftpServer::SftpServer(ServerConfig config, UploadSink& sink)
    : state_(std::make_unique<ServerState>(std::move(config), sink)) {}

SftpServer::~SftpServer() {
  stop();
  std::unique_lock lock(state_->mutex);
  state_->all_done.wait(lock, [this] { return state_->session_fds.empty(); });
}

Status SftpServer::start() {
  ssh_init();
  if (Status s = check_jails(state_->config.partners); !s.ok()) return s;
  Result<std::vector<std::string>> keys = ensure_host_keys(state_->config.host_key_dir);
  if (!keys.ok()) return keys.status();
  if (Status s = configure_bind(*state_, keys.value()); !s.ok()) return s;
  if (::pipe2(state_->wake, O_CLOEXEC) != 0) {
    return Status::error(ErrorCode::io, "pipe: " + std::string(std::strerror(errno)));
  }
  if (Status s = listen_socket(*state_); !s.ok()) return s;
  log_event("listening on " + host_port(state_->config.listen_address, state_->port));
  if (!state_->config.ready_file.empty()) {
    std::ofstream(state_->config.ready_file) << state_->port << "\n";
  }
  return Status::success();
}

std::uint16_t SftpServer::port() const { return state_->port; }

Status SftpServer::set_partners(std::vector<PartnerAccount> partners) {
  if (Status s = check_partners(partners); !s.ok()) return s;
  auto next = std::make_shared<const std::vector<PartnerAccount>>(std::move(partners));
  std::lock_guard lock(state_->mutex);
  state_->partners = std::move(next);
  return Status::success();
}

Status SftpServer::check_partners(const std::vector<PartnerAccount>& partners) const {
  if (Status s = check_jails(partners); !s.ok()) return s;
  for (const PartnerAccount& p : partners) {
    // The algorithm set is fixed when the server binds.
    if (p.legacy_algorithms && !state_->legacy_offered) {
      return Status::error(ErrorCode::bad_config,
                           "partner " + p.id +
                               " needs the legacy algorithm set, which the running server does "
                               "not offer: restart to add it");
    }
  }
  return Status::success();
}

Status SftpServer::run() {
  ServerState& s = *state_;
  while (true) {
    pollfd fds[2] = {{s.listen_fd, POLLIN, 0}, {s.wake[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return Status::error(ErrorCode::network, std::string("poll: ") + std::strerror(errno));
    }
    if ((fds[1].revents & POLLIN) != 0) break;
    if ((fds[0].revents & POLLIN) != 0) {
      const int fd = ::accept4(s.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      // SFTP replies are small packets; Nagle's algorithm would hold them behind the ACK of
      // the previous one and stall the client's request pipeline.
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      admit_connection(s, fd);
    }
  }
  std::unique_lock lock(s.mutex);
  for (const int fd : s.session_fds) ::shutdown(fd, SHUT_RDWR);
  s.all_done.wait(lock, [&s] { return s.session_fds.empty(); });
  log_event("stopped");
  return Status::success();
}

void SftpServer::stop() {
  std::lock_guard lock(state_->mutex);
  if (state_->stopping || state_->wake[1] < 0) return;
  state_->stopping = true;
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = ::write(state_->wake[1], &byte, 1);
}

}  // namespace edigate::sftp
