// Private: one HTTP connection, plain or TLS, following Beast's session shape: every async step
// runs on the connection's strand, sets a timeout first, and each request gets a fresh parser with
// the header and body limits. Included by server.cpp only.
#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "http/server_core.hpp"
#include "http/tls.hpp"

namespace edigate::gateway::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// First read of a new request: small, it only tells "the client is talking" from "idle".
inline constexpr std::size_t kFirstReadBytes = 4096;
inline constexpr std::size_t kLingerChunkBytes = 16 * 1024;
// What the read buffer may hold beyond the header limit. The parser moves body bytes out as it
// reads them, so only a unit it must see whole stays in the buffer: the header block, a chunk
// header with its extensions, the trailer block. Without a cap, a chunk extension or trailer
// fields, which the parser's own limits do not count, could grow the buffer without end.
inline constexpr std::size_t kReadSlackBytes = 64 * 1024;

std::string http_date_now();
std::optional<std::string> peer_certificate_sha256(SSL* ssl);
bool is_100_continue(std::string_view expect);
// A Transfer-Encoding value that names chunked and nothing else (any case, spaces around it).
bool only_chunked(std::string_view transfer_encoding);

template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls` is the context a TLS stream was made with (null for plain HTTP): held here so that a
  // listener given a new certificate on reload does not pull it from under this connection.
  template <class... StreamArgs>
  Session(std::shared_ptr<ServerCore> core, std::shared_ptr<ListenerInfo> listener,
          std::uint64_t id, asio::ip::tcp::endpoint remote, TlsContextPtr tls,
          StreamArgs&&... stream_args)
      : core_(std::move(core)),
        listener_(std::move(listener)),
        id_(id),
        remote_ip_(remote.address().to_string()),
        remote_port_(remote.port()),
        tls_(std::move(tls)),
        stream_(std::forward<StreamArgs>(stream_args)...) {
    buffer_.max_size(limits().max_header_bytes + kReadSlackBytes);
  }

  void start() {
    listener_->open_connections->add(1);
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->begin(); });
  }

  void post_response(Response response) override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), r = std::move(response)]() mutable {
                 self->on_response(std::move(r));
               });
  }

  void request_stop() override {
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this()] { self->on_stop_requested(); });
  }

 private:
  enum class Phase { handshake, idle, reading, handling, writing, closing };

  const ServerLimits& limits() const { return core_->limits; }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void begin() {
    if constexpr (kTls) {
      phase_ = Phase::handshake;
      tcp().expires_after(limits().handshake_timeout);
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
    } else {
      wait_for_request();
    }
  }

  void on_handshake(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) listener_->timeouts->add();
      return finish();
    }
    if constexpr (kTls) client_cert_ = peer_certificate_sha256(stream_.native_handle());
    wait_for_request();
  }

  // Keep-alive: wait (idle timeout) for the first byte of the next request.
  void wait_for_request() {
    if (stop_requested_ || core_->stopping.load()) return close_connection(false);
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    phase_ = Phase::idle;
    tcp().expires_after(limits().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_first_bytes(ec, n);
                            });
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    buffer_.commit(n);
    if (ec || n == 0) return finish();  // idle timeout, client closed, or stop
    if (stop_requested_) return close_connection(false);
    read_header();
  }

  void read_header() {
    phase_ = Phase::reading;
    ++requests_;
    started_ = std::chrono::steady_clock::now();
    parser_.emplace();
    route_body_limit_ = 0;
    parser_->header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(limits().max_header_bytes, UINT32_MAX)));
    parser_->body_limit(limits().max_body_bytes);
    tcp().expires_after(limits().header_read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](
                                 beast::error_code ec, std::size_t n) { self->on_header(ec, n); });
  }

  void on_header(beast::error_code ec, std::size_t n) {
    listener_->bytes_received->add(static_cast<double>(n));
    if (ec) return on_read_error(ec);
    // The header block as the parser took it, whole: the limit is on that, however the
    // parser's own check counted the pieces it came in.
    if (n > limits().max_header_bytes) return on_read_error(bhttp::error::header_limit);
    // Trailer fields after a chunked body land in the same fields (Beast files one beside the
    // header of the same name): the request takes the fields as they are now, so trailer fields
    // are dropped (RFC 9110 section 6.5.1 lets a recipient discard them), not taken as headers.
    // The parser decodes chunked and nothing else: a body under any other transfer coding
    // (gzip, chunked) would reach the handler still encoded (RFC 9112 section 6.1: 501). Every
    // Transfer-Encoding field together (an empty one too) must say chunked once.
    head_fields_.clear();
    std::string te;
    bool has_te = false;
    for (const auto& field : parser_->get()) {
      head_fields_.emplace_back(std::string(field.name_string()), std::string(field.value()));
      if (field.name() != bhttp::field::transfer_encoding) continue;
      if (has_te) te += ",";
      te += head_fields_.back().second;
      has_te = true;
    }
    if (has_te && !only_chunked(te)) {
      return send_local_error(501, "unsupported transfer coding: " + te.substr(0, 100));
    }
    if (!parser_->is_done()) {
      // A route with a smaller body limit: a longer announced body is not read at all (the
      // handler answers from the headers); a chunked one is held to the route's limit.
      std::uint64_t limit = limits().max_body_bytes;
      const auto& head = parser_->get();
      const std::string_view target(head.target().data(), head.target().size());
      const auto route = core_->router.find(std::string(head.method_string()),
                                            std::string(target.substr(0, target.find('?'))));
      if (route.match == Router::Match::found && route.max_body > 0 && route.max_body < limit) {
        limit = route.max_body;
        if (const auto length = parser_->content_length(); length && *length > limit) {
          body_refused_length_ = *length;
          return dispatch_request();
        }
        parser_->body_limit(limit);
      }
      route_body_limit_ = limit;
      // Chunked bodies have no announced size: reserve the worst case.
      std::uint64_t want = parser_->content_length().value_or(limit);
      if (!core_->reserve_body_bytes(want)) {
        return send_local_error(503, "the server's memory budget for request bodies is spent");
      }
      reserved_body_ = want;
    }
    auto& req = parser_->get();
    if (req.version() >= 11 && is_100_continue(req[bhttp::field::expect]) && !parser_->is_done()) {
      tcp().expires_after(limits().write_timeout);
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(
          stream_, asio::buffer(kContinue.data(), kContinue.size()),
          [self = this->shared_from_this()](beast::error_code wec, std::size_t) {
            if (wec) return self->finish();
            self->read_body();
          });
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_body({}, 0);
    tcp().expires_after(limits().body_read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                        self->on_body(ec, n);
                      });
  }

  void on_body(beast::error_code ec, std::size_t n) {
    listener_->bytes_received->add(static_cast<double>(n));
    if (ec) return on_read_error(ec);
    tcp().expires_never();  // the handler may take its time; no I/O is pending meanwhile
    dispatch_request();
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::header_limit) {
      return send_local_error(431, "the request headers are over the limit of " +
                                       std::to_string(limits().max_header_bytes) + " bytes");
    }
    if (ec == bhttp::error::buffer_overflow) {
      return send_local_error(431, "a chunk header or the trailer fields are over the limit of " +
                                       std::to_string(limits().max_header_bytes + kReadSlackBytes) +
                                       " bytes");
    }
    if (ec == bhttp::error::body_limit) {
      const std::uint64_t limit =
          route_body_limit_ != 0 ? route_body_limit_ : limits().max_body_bytes;
      return send_local_error(
          413, "the request body is over the limit of " + std::to_string(limit) + " bytes");
    }
    if (ec == beast::error::timeout) {
      listener_->timeouts->add();
      // Started but not received in time (a slow or stalled client). The stream closed the
      // socket when the timer fired, so there is no one left to answer.
      if (phase_ == Phase::reading) {
        report_refusal(408, parser_->is_header_done()
                                ? "the request body was not received in time"
                                : "the request headers were not received in time");
      }
      return finish();
    }
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return finish();
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      // any other parse error: a malformed request
      return send_local_error(400, "malformed HTTP: " + ec.message());
    }
    finish();  // network or TLS failure
  }

  // Tells the server's observer about a request refused here, before any handler saw it.
  void report_refusal(unsigned status, std::string reason) {
    if (!core_->on_refused) return;
    Refusal r;
    r.listener = listener_->name;
    r.remote_address = remote_ip_;
    r.status = status;
    r.reason = std::move(reason);
    // The request line, when it was read (a header or body limit may be met after it).
    if (parser_ && !parser_->get().target().empty()) {
      const auto& head = parser_->get();
      r.method = std::string(head.method_string());
      r.target = std::string(head.target().substr(0, kMaxRefusalTarget));
    }
    core_->on_refused(r);
  }

  // An error the server answers itself; the rest of the request is never read.
  void send_local_error(unsigned status, std::string reason) {
    report_refusal(status, std::move(reason));
    phase_ = Phase::handling;
    keep_alive_ = false;
    auto res = Response::error(status);
    res.close = true;
    if (status == 503) res.headers.emplace_back("Retry-After", "1");
    on_response(std::move(res));
  }

  Request make_request() {
    auto msg = parser_->release();
    parser_.reset();
    version_ = msg.version();
    keep_alive_ = msg.keep_alive();
    Request r;
    r.method = std::string(msg.method_string());
    r.target = std::string(msg.target());
    auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    r.headers = std::move(head_fields_);  // as read with the header: no trailer fields
    head_fields_.clear();
    r.body = std::move(msg.body());
    r.remote_address = remote_ip_;
    r.remote_port = remote_port_;
    r.listener = listener_->name;
    r.tls = kTls;
    r.client_cert_sha256 = client_cert_;
    // An unread body stays in the stream: nothing after it can be read as a request.
    r.body_refused_length = std::exchange(body_refused_length_, 0);
    if (r.body_refused_length > 0) keep_alive_ = false;
    return r;
  }

  void dispatch_request() {
    phase_ = Phase::handling;
    Request request = make_request();
    auto found = core_->router.find(request.method, request.path);
    if (found.match == Router::Match::no_path) return on_response(Response::error(404));
    if (found.match == Router::Match::no_method) {
      auto res = Response::error(405);
      res.headers.emplace_back("Allow", found.allow);
      return on_response(std::move(res));
    }
    try {
      (*found.handler)(std::move(request), Responder(core_, id_));
    } catch (...) {
      // Handlers should not throw; if one does, its Responder (already destroyed during
      // unwinding) has queued a 500 for this connection.
    }
  }

  void on_response(Response response) {
    if (phase_ != Phase::handling) return;  // the connection is gone or already answered
    phase_ = Phase::writing;
    bool close = response.close || !keep_alive_ || stop_requested_ || core_->stopping.load() ||
                 requests_ >= limits().max_requests_per_connection;
    status_ = response.status;
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->result(response.status);
    msg->version(version_);
    for (auto& [name, value] : response.headers) msg->insert(name, value);
    msg->set(bhttp::field::date, http_date_now());
    msg->keep_alive(!close);
    msg->body() = std::move(response.body);
    msg->prepare_payload();
    response_ = msg;
    // The handler has answered: its request body no longer counts against the budget. Given
    // back before the write starts, so a client that reads this response and sends the next
    // request cannot find the budget still spent by this one.
    release_body();
    tcp().expires_after(limits().write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = this->shared_from_this(), close](
                           beast::error_code ec, std::size_t n) { self->on_write(ec, n, close); });
  }

  void on_write(beast::error_code ec, std::size_t n, bool close) {
    listener_->bytes_sent->add(static_cast<double>(n));
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    listener_->count_request(status_, took.count());
    response_.reset();
    release_body();
    if (ec) {
      if (ec == beast::error::timeout) listener_->timeouts->add();
      return finish();
    }
    if (close) return close_connection(status_ >= 400);
    wait_for_request();
  }

  void on_stop_requested() {
    stop_requested_ = true;
    if (phase_ == Phase::idle) tcp().cancel();  // no request in flight: close now
  }

  // A clean close sends TLS close_notify. After an error response there may be request bytes we
  // never read; closing then would send a reset that can destroy the response in the client's
  // receive buffer, so we half-close and discard for a short while (a "lingering close").
  void close_connection(bool after_error) {
    phase_ = Phase::closing;
    if constexpr (kTls) {
      if (!after_error) {
        tcp().expires_after(limits().linger_timeout);
        return stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->finish(); });
      }
    }
    beast::error_code ignored;
    tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    tcp().expires_after(limits().linger_timeout);
    linger();
  }

  void linger() {
    tcp().async_read_some(asio::buffer(scratch_),
                          [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->lingered_ += n;
                            if (ec || self->lingered_ >= self->limits().linger_max_bytes) {
                              return self->finish();
                            }
                            self->linger();
                          });
  }

  void release_body() {
    core_->release_body_bytes(reserved_body_);
    reserved_body_ = 0;
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    phase_ = Phase::closing;
    beast::error_code ignored;
    tcp().socket().close(ignored);
    release_body();
    listener_->open_connections->add(-1);
    core_->release(id_, remote_ip_);
  }

  std::shared_ptr<ServerCore> core_;
  std::shared_ptr<ListenerInfo> listener_;
  const std::uint64_t id_;
  const std::string remote_ip_;
  const std::uint16_t remote_port_;
  const TlsContextPtr tls_;  // declared before stream_, so it outlives it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> response_;
  std::optional<std::string> client_cert_;
  std::uint64_t body_refused_length_ = 0;  // see Request::body_refused_length
  std::uint64_t route_body_limit_ = 0;     // the body limit this request is read under
  HeaderList head_fields_;                 // the header's fields, taken at on_header
  std::array<char, kLingerChunkBytes> scratch_{};
  Phase phase_ = Phase::idle;
  std::chrono::steady_clock::time_point started_{};
  std::size_t requests_ = 0;
  std::size_t lingered_ = 0;
  std::uint64_t reserved_body_ = 0;
  unsigned version_ = 11;
  unsigned status_ = 0;
  bool keep_alive_ = true;
  bool stop_requested_ = false;
  bool finished_ = false;
};

}  // namespace edigate::gateway::http::detail
