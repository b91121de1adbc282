// File-drop connector: one JSON file per document in a directory the ERP polls.
//
// <dir>/<document_id>.json appears atomically (temp file in the same directory, fsync, rename,
// fsync of the directory), so a poller never sees a partial document. With write_raw_edi the
// source interchange goes to <dir>/<document_id>.edi, renamed into place *before* the JSON: the
// JSON file is the "document complete" signal. Temp files start with a dot (".<id>.json.tmp…")
// so pollers that skip hidden files never pick them up. Re-delivering the same id replaces the
// file atomically, so delivery is idempotent.
//
// A missing <dir> (and its missing parents) is made, mode 0750, by the connector object's first
// delivery, so a new drop directory needs no step of its own. Only until one delivery has found
// or made it: a directory that disappears later (an unmounted share, say) fails deliveries, to
// be retried, rather than being made again on the wrong file system. A reload builds new
// connector objects, which make it again.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "connectors/connector.hpp"
#include "connectors/file_system.hpp"

namespace edigate::gateway::connectors {

// Document ids name files; anything longer is refused rather than truncated.
inline constexpr std::size_t kMaxDocumentIdLength = 200;

struct FileConnectorOptions {
  std::string name = "file";
  std::string directory;  // made at the first delivery when missing, if create_directory
  bool create_directory = true;
  bool write_raw_edi = false;
  mode_t file_mode = 0640;
  mode_t directory_mode = 0750;  // of the directories it makes
};

// True for a non-empty id of [A-Za-z0-9._-] not starting with '.', at most kMaxDocumentIdLength.
bool is_safe_document_id(std::string_view id);

// Thread-safe: deliver() keeps no mutable state but a counter for unique temp names, whether
// the directory has been made, and the shared directory fsync.
class FileConnector final : public Connector {
 public:
  // `fs` must outlive the connector.
  explicit FileConnector(FileConnectorOptions options, FileSystem& fs = posix_file_system());

  // Unsafe id → dead. Any I/O error (ENOSPC, EACCES, a directory that cannot be made…) → retry
  // with the error text: those are fixed by an operator, not by changing the document.
  DeliveryResult deliver(const Delivery& delivery) override;
  std::string_view name() const override { return options_.name; }
  bool wants_raw_edi() const override { return options_.write_raw_edi; }
  bool local() const override { return true; }

 private:
  // Makes the directory at the first call that finds it missing; an error text or "".
  std::string ensure_directory();

  // Writes `data` to <dir>/<final_name> atomically; returns an error text or "".
  std::string place(const std::string& final_name, std::string_view data);

  // fsyncs the directory once for every delivery that renamed into it before the fsync began:
  // concurrent deliveries share one fsync instead of queueing for one each. Returns 0 or the
  // errno of this caller's own fsync.
  int sync_directory_shared();

  FileConnectorOptions options_;
  FileSystem& fs_;
  std::atomic<bool> directory_ready_{false};  // made, or found, by an earlier delivery
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;
  bool syncing_ = false;
  std::uint64_t sync_requested_ = 0;  // tickets handed out
  std::uint64_t sync_covered_ = 0;    // every ticket up to this one is on disk
};

}  // namespace edigate::gateway::connectors
