#include "store/blobs.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "store/sha256.hpp"

namespace edigate::gateway::store {

Result<PendingBlob> Blobs::prepare(std::string_view bytes) {
  if (bytes.size() > inline_limit_) {
    auto id = spool_.put(bytes);
    if (!id.ok()) return id.status();
    return PendingBlob{std::move(id.value()), bytes, true};
  }
  return PendingBlob{sha256_hex(bytes), bytes, false};
}

Status Blobs::record(const PendingBlob& blob) {
  if (blob.in_spool) return Status::success();
  return store_.put_blob(blob.id, blob.bytes);
}

Result<ReceivedMessage> Blobs::add_received(NewMessage m, std::string_view payload,
                                            std::string_view first_job) {
  auto blob = prepare(payload);
  if (!blob.ok()) return blob.status();
  m.payload_id = blob.value().id;
  m.size = payload.size();
  std::optional<ReceivedMessage> added;
  const Status s = store_.batch([&]() -> Status {
    if (Status r = record(blob.value()); !r.ok()) return r;
    auto a = store_.add_received_message(m, first_job);
    if (!a.ok()) return a.status();
    added = a.value();
    return Status::success();
  });
  if (!s.ok()) return s;
  return *added;
}

PurgeSummary Blobs::purge(std::int64_t before, std::size_t batch, std::string_view actor,
                          std::chrono::milliseconds min_pause,
                          const std::function<bool(std::chrono::milliseconds)>& pause) {
  PurgeSummary total;
  for (;;) {
    const auto started = std::chrono::steady_clock::now();
    const std::int64_t idle_since = std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count() -
                                    kSpoolPurgeGraceMs;
    auto rows = store_.purge(before, batch, actor);
    if (!rows.ok()) {
      total.status = rows.status();
      return total;
    }
    total.rows.messages += rows.value().messages;
    total.rows.documents += rows.value().documents;
    total.rows.blobs += rows.value().blobs;
    for (const std::string& id : rows.value().unreferenced) {
      auto removed = spool_.remove_idle(id, idle_since);
      if (removed.ok()) {
        total.files += removed.value() ? 1 : 0;
      } else if (total.file_errors++ == 0) {
        total.first_error = removed.status().message;
      }
    }
    if (rows.value().messages < static_cast<std::int64_t>(batch)) return total;
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (!pause(std::max(min_pause, took))) return total;
  }
}

Result<std::string> Blobs::read(std::string_view id, std::size_t limit) {
  if (!is_sha256_hex(id)) {
    return Status::error(StoreErrc::bad_input, "not a blob id: " + std::string(id));
  }
  auto inline_bytes = store_.get_blob(id, limit);
  if (!inline_bytes.ok()) return inline_bytes.status();
  if (!inline_bytes.value()) return spool_.read(id, limit);
  std::string bytes = std::move(*inline_bytes.value());
  if (sha256_hex(bytes) != id) {
    return Status::error(StoreErrc::corrupt, "blob " + std::string(id) + " does not match its id");
  }
  return bytes;
}

}  // namespace edigate::gateway::store
