#include "store/blobs.hpp"

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

Result<PurgeSummary> Blobs::purge(std::int64_t before, std::size_t limit, std::string_view actor,
                                  bool dry_run) {
  const std::int64_t idle_since = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() -
                                  kSpoolPurgeGraceMs;
  auto rows = store_.purge(before, limit, actor, dry_run);
  if (!rows.ok()) return rows.status();
  PurgeSummary out;
  out.rows = std::move(rows.value());
  if (dry_run) return out;
  for (const std::string& id : out.rows.unreferenced) {
    auto removed = spool_.remove_idle(id, idle_since);
    if (removed.ok()) {
      out.files += removed.value() ? 1 : 0;
    } else if (out.file_errors++ == 0) {
      out.first_error = removed.status().message;
    }
  }
  return out;
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
