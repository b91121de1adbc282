#include "http/server.hpp"

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "http/session.hpp"
#include "thread_name.hpp"

namespace edigate::gateway::http {

namespace detail {

std::string http_date_now() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];  // IMF-fixdate (RFC 9110 5.6.7), without the locale strftime would use
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[utc.tm_wday % 7],
                utc.tm_mday, kMonths[utc.tm_mon % 12], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return buf;
}

std::optional<std::string> peer_certificate_sha256(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  // Only a certificate that passed verification against the client CA identifies anyone.
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &length) != 1) return std::nullopt;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

bool is_100_continue(std::string_view expect) { return beast::iequals(expect, "100-continue"); }

bool only_chunked(std::string_view transfer_encoding) {
  const auto first = transfer_encoding.find_first_not_of(" \t");
  if (first == std::string_view::npos) return false;
  const auto last = transfer_encoding.find_last_not_of(" \t");
  return beast::iequals(transfer_encoding.substr(first, last - first + 1), "chunked");
}

namespace {

// Sent when a connection limit is reached on a plain listener (TLS ones just close: answering
// would cost a handshake, which is what the limit protects).
constexpr std::string_view kBusyResponse =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
    "Connection: close\r\n\r\n";

constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

const std::string kLocalhost = "127.0.0.1";

void refuse(asio::ip::tcp::socket socket, bool tls) {
  if (tls) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  auto held = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
  asio::async_write(*held, asio::buffer(kBusyResponse.data(), kBusyResponse.size()),
                    [held](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      held->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                      held->close(ignored);
                    });
}

}  // namespace

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, std::shared_ptr<ServerCore> core, ListenerConfig config)
      : ioc_(ioc),
        core_(std::move(core)),
        config_(std::move(config)),
        info_(std::make_shared<ListenerInfo>(config_.name, *core_->metrics)),
        acceptor_(asio::make_strand(ioc)),
        retry_(acceptor_.get_executor()) {}

  Result<std::uint16_t> open() {
    beast::error_code ec;
    // The configuration accepts "localhost"; it means IPv4 loopback, never a resolver lookup.
    const std::string& literal = config_.address == "localhost" ? kLocalhost : config_.address;
    auto address = asio::ip::make_address(literal, ec);
    if (ec) return Status::failure("listener " + config_.name + ": bad address " + config_.address);
    asio::ip::tcp::endpoint endpoint(address, config_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Status::failure("listener " + config_.name + ": " + ec.message());
    auto bound = acceptor_.local_endpoint(ec);
    if (ec) return Status::failure("listener " + config_.name + ": " + ec.message());
    port_ = bound.port();
    return port_;
  }

  void start() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

  const std::string& name() const { return config_.name; }
  std::uint16_t port() const { return port_; }

 private:
  void accept() {
    acceptor_.async_accept(
        asio::make_strand(ioc_),
        [self = shared_from_this()](beast::error_code ec, asio::ip::tcp::socket socket) {
          self->on_accept(ec, std::move(socket));
        });
  }

  void on_accept(beast::error_code ec, asio::ip::tcp::socket socket) {
    if (!acceptor_.is_open() || core_->stopping.load()) return;
    if (!ec) {
      admit(std::move(socket));
      return accept();
    }
    // Out of file descriptors or memory: accepting again at once would spin; pause first.
    retry_.expires_after(kAcceptRetryDelay);
    retry_.async_wait([self = shared_from_this()](beast::error_code) {
      if (self->acceptor_.is_open()) self->accept();
    });
  }

  void admit(asio::ip::tcp::socket socket) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    auto id = core_->admit(remote.address().to_string());
    const TlsContextPtr tls = this->tls();
    if (!id) {
      info_->rejected_connections->add();
      return refuse(std::move(socket), tls != nullptr);
    }
    if (tls) {
      auto& context = *tls;
      launch(std::make_shared<Session<TlsStream>>(core_, info_, *id, remote, tls,
                                                  beast::tcp_stream(std::move(socket)), context),
             *id);
    } else {
      launch(std::make_shared<Session<PlainStream>>(core_, info_, *id, remote, nullptr,
                                                    std::move(socket)),
             *id);
    }
  }

 public:
  TlsContextPtr tls() const {
    std::lock_guard lock(tls_mutex_);
    return config_.tls;
  }
  // New connections use `tls` from now on; open ones keep the context they started with.
  void set_tls(TlsContextPtr tls) {
    std::lock_guard lock(tls_mutex_);
    config_.tls = std::move(tls);
  }

 private:
  template <class S>
  void launch(std::shared_ptr<S> session, std::uint64_t id) {
    core_->attach(id, session);
    session->start();
  }

  asio::io_context& ioc_;
  std::shared_ptr<ServerCore> core_;
  ListenerConfig config_;  // its TLS context is replaced on reload, under tls_mutex_
  mutable std::mutex tls_mutex_;
  std::shared_ptr<ListenerInfo> info_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::uint16_t port_ = 0;
};

}  // namespace detail

namespace asio = boost::asio;

struct HttpServer::Impl {
  ServerOptions options;
  asio::io_context ioc;
  std::shared_ptr<detail::ServerCore> core;
  std::vector<std::shared_ptr<detail::Listener>> listeners;
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(ServerOptions options, Router router, std::shared_ptr<Metrics> metrics)
    : impl_(std::make_unique<Impl>()) {
  if (!metrics) metrics = std::make_shared<Metrics>();
  impl_->options = options;
  impl_->core = std::make_shared<detail::ServerCore>(
      options.limits, std::move(router), std::move(metrics), std::move(options.on_refused));
}

HttpServer::~HttpServer() { stop(std::chrono::milliseconds{0}); }

Result<std::uint16_t> HttpServer::add_listener(const ListenerConfig& config) {
  if (impl_->stopped) return Status::failure("the server is stopped");
  for (const auto& l : impl_->listeners) {
    if (l->name() == config.name) return Status::failure("duplicate listener " + config.name);
  }
  auto listener = std::make_shared<detail::Listener>(impl_->ioc, impl_->core, config);
  auto port = listener->open();
  if (!port.ok()) return port;
  impl_->listeners.push_back(listener);
  if (impl_->started) listener->start();
  return port;
}

Status HttpServer::replace_tls(std::string_view listener_name, TlsContextPtr tls) {
  if (!tls) return Status::failure("no TLS context given");
  for (auto& l : impl_->listeners) {
    if (l->name() != listener_name) continue;
    if (!l->tls()) return Status::failure("listener " + l->name() + " is plain HTTP");
    l->set_tls(std::move(tls));
    return Status::success();
  }
  return Status::failure("no listener " + std::string(listener_name));
}

Status HttpServer::start() {
  if (impl_->started || impl_->stopped) return Status::failure("the server was already started");
  impl_->started = true;
  impl_->work.emplace(impl_->ioc.get_executor());
  for (auto& l : impl_->listeners) l->start();
  std::size_t n = impl_->options.network_threads == 0 ? 1 : impl_->options.network_threads;
  for (std::size_t i = 0; i < n; ++i)
    impl_->threads.emplace_back([this] {
      name_this_thread("http-network");
      impl_->ioc.run();
    });
  return Status::success();
}

void HttpServer::stop(std::chrono::milliseconds deadline) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  auto& core = *impl_->core;
  core.stopping = true;
  for (auto& l : impl_->listeners) l->stop();
  if (impl_->started) {
    core.request_stop_all();
    core.wait_until_idle(std::chrono::steady_clock::now() + deadline);
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // With no thread running I/O: later Responder sends are dropped, and the sessions that were
  // waiting for a handler are freed here while the io_context still exists.
  core.shut_down();
  impl_->listeners.clear();
}

std::optional<std::uint16_t> HttpServer::port(std::string_view listener_name) const {
  for (const auto& l : impl_->listeners) {
    if (l->name() == listener_name) return l->port();
  }
  return std::nullopt;
}

std::size_t HttpServer::open_connections() const { return impl_->core->open_connections(); }

std::uint64_t HttpServer::reserved_body_bytes() const { return impl_->core->reserved_body_bytes(); }

}  // namespace edigate::gateway::http
