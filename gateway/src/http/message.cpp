#include "http/message.hpp"

#include <atomic>
#include <boost/beast/http/status.hpp>

namespace edigate::gateway::http {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (iequals(field, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Response Response::text(unsigned status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

Response Response::error(unsigned status) {
  auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
  return text(status, std::to_string(status) + " " + std::string(reason) + "\n");
}

struct Responder::State {
  std::shared_ptr<ResponseSink> sink;
  std::uint64_t connection_id = 0;
  std::atomic<bool> done{false};

  ~State() {
    if (!done.exchange(true)) sink->deliver(connection_id, Response::error(500));
  }
};

Responder::Responder(std::shared_ptr<ResponseSink> sink, std::uint64_t connection_id)
    : state_(std::make_shared<State>()) {
  state_->sink = std::move(sink);
  state_->connection_id = connection_id;
}

void Responder::send(Response response) const {
  if (state_->done.exchange(true)) return;
  state_->sink->deliver(state_->connection_id, std::move(response));
}

bool Responder::sent() const { return state_->done.load(); }

}  // namespace edigate::gateway::http
