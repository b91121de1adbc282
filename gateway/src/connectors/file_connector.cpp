#include "connectors/file_connector.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

namespace edigate::gateway::connectors {
namespace {

bool is_safe_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string errno_text(const char* step, const std::string& path, int err) {
  return std::string(step) + " " + path + ": " + std::strerror(err);
}

DeliveryResult retry_with(std::string error) {
  DeliveryResult r;
  r.outcome = DeliveryResult::retry;
  r.error = std::move(error);
  return r;
}

// For temp file names: one counter for the process, not per connector object, since a reload
// makes new connector objects while the old ones may still be writing the same documents.
std::atomic<std::uint64_t> g_temp_counter{0};

}  // namespace

bool is_safe_document_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxDocumentIdLength || id.front() == '.') return false;
  for (const char c : id)
    if (!is_safe_id_char(c)) return false;
  return true;
}

FileConnector::FileConnector(FileConnectorOptions options, FileSystem& fs)
    : options_(std::move(options)), fs_(fs) {}

std::string FileConnector::ensure_directory() {
  if (directory_ready_.load(std::memory_order_acquire)) return {};
  const std::string& dir = options_.directory;
  if (!options_.create_directory) {
    // Opening it is the check (and its fsync harmless): missing, the share it is on may not be
    // mounted, and a directory made here would hide what is written under the mount point.
    const int err = fs_.sync_directory(dir);
    if (err == ENOENT) {
      return "directory " + dir + " is missing (create-dir=\"false\": make it, or mount the " +
             "file system it is on)";
    }
    if (err != 0) return errno_text("open directory", dir, err);
    directory_ready_.store(true, std::memory_order_release);
    return {};
  }
  // Concurrent first deliveries may all get here: making a directory that exists is a no-op.
  std::string at;
  if (const int err = fs_.make_directories(dir, options_.directory_mode, at); err != 0) {
    if (at.empty() || at == dir) return errno_text("create directory", dir, err);
    return "create directory " + dir + ": at " + at + ": " + std::strerror(err);
  }
  directory_ready_.store(true, std::memory_order_release);
  return {};
}

std::string FileConnector::place(const std::string& final_name, std::string_view data) {
  const std::string& dir = options_.directory;
  // Unique per process and call, so concurrent deliveries of the same id never share a temp file.
  const std::string temp = dir + "/." + final_name + ".tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(g_temp_counter.fetch_add(1));
  const std::string target = dir + "/" + final_name;
  if (const int err = fs_.write_synced(temp, data, options_.file_mode); err != 0) {
    // Created exclusively: a name already there is not ours to remove (a process before this
    // one with the same pid left it).
    if (err != EEXIST) fs_.remove(temp);
    return errno_text("write", temp, err);
  }
  if (const int err = fs_.rename(temp, target); err != 0) {
    fs_.remove(temp);
    return errno_text("rename to", target, err);
  }
  return {};
}

int FileConnector::sync_directory_shared() {
  std::unique_lock lock(sync_mu_);
  const std::uint64_t ticket = ++sync_requested_;
  while (sync_covered_ < ticket) {
    if (syncing_) {
      sync_cv_.wait(lock);
      continue;
    }
    // Every rename counted so far happened before this fsync starts, so it covers them all.
    syncing_ = true;
    const std::uint64_t covers = sync_requested_;
    lock.unlock();
    const int err = fs_.sync_directory(options_.directory);
    lock.lock();
    syncing_ = false;
    sync_cv_.notify_all();
    // A failure is this caller's; the others it would have covered try their own fsync, as
    // they would have without sharing.
    if (err != 0) return err;
    sync_covered_ = std::max(sync_covered_, covers);
  }
  return 0;
}

DeliveryResult FileConnector::deliver(const Delivery& delivery) {
  if (!is_safe_document_id(delivery.document_id)) {
    DeliveryResult r;
    r.outcome = DeliveryResult::dead;
    r.error = "document id is not a safe file name ([A-Za-z0-9._-], not starting with '.')";
    return r;
  }
  if (std::string e = ensure_directory(); !e.empty()) return retry_with(std::move(e));
  if (options_.write_raw_edi && !delivery.raw_edi.empty()) {
    if (std::string e = place(delivery.document_id + ".edi", delivery.raw_edi); !e.empty())
      return retry_with(std::move(e));
  }
  if (std::string e = place(delivery.document_id + ".json", delivery.json); !e.empty())
    return retry_with(std::move(e));
  // Until the directory entry is on disk, a crash could lose the rename we are about to report.
  if (const int err = sync_directory_shared(); err != 0)
    return retry_with(errno_text("fsync directory", options_.directory, err));
  DeliveryResult r;
  r.outcome = DeliveryResult::delivered;
  return r;
}

}  // namespace edigate::gateway::connectors
