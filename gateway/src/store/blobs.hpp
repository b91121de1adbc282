// Where the bytes named by rows live. Anything larger than the inline limit is a
// content-addressed spool file; smaller byte strings (payloads as partners send them, AS2
// requests as received, MDNs, acknowledgements, canonical JSON) are rows of the database's
// blobs table. Both are named by SHA-256 hex, so a row never says which, and read() finds
// either.
//
// Why: each spool file costs a create, an fsync, a rename and a directory fsync, and ext4
// spends its time allocating inodes; a small blob in the database rides on the commit that
// records the row naming it. (docs/benchmarks.md, gateway section, has the figures.)
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "store/spool.hpp"
#include "store/store.hpp"

namespace edigate::gateway::store {

inline constexpr std::size_t kDefaultInlineBlobBytes = 64U * 1024U;

// A blob named but not yet recorded: large bytes are in the spool already; small ones go into
// the database with record(). `bytes` views the caller's buffer, which must outlive it.
struct PendingBlob {
  std::string id;
  std::string_view bytes;
  bool in_spool = false;
};

// Purges with the spool files they freed.
struct PurgeSummary {
  PurgeResult rows;        // counts only: `unreferenced` is left empty
  std::int64_t files = 0;  // spool files removed
  std::int64_t file_errors = 0;
  std::string first_error;  // of those errors, for the log (the files stay: harmless)
  Status status;            // the error that ended the run early, if one did
};

// A spool file a put() used less than this long ago is not removed by a purge: the row that
// will name it may not be committed yet.
inline constexpr std::int64_t kSpoolPurgeGraceMs = 60LL * 60 * 1000;

class Blobs {
 public:
  Blobs(Store& store, Spool& spool, std::size_t inline_limit = kDefaultInlineBlobBytes)
      : store_(store), spool_(spool), inline_limit_(inline_limit) {}

  // Outside any batch (it may write a file): names the bytes, and stores them in the spool
  // when they are larger than the inline limit.
  Result<PendingBlob> prepare(std::string_view bytes);
  // Inside the batch that writes the row naming the blob: one commit makes both durable.
  Status record(const PendingBlob& blob);

  // A message received: its payload (prepared here) and, in one commit, the payload if small,
  // the message row and its first job. Returns once that commit is durable.
  Result<ReceivedMessage> add_received(NewMessage m, std::string_view payload,
                                       std::string_view first_job);

  // Everything due with that cutoff, in batches: Store::purge (at most `batch` messages, one
  // transaction each), then the spool files of the byte strings each left unnamed, until a
  // batch takes fewer than `batch`. After each batch `pause(d)` is called with d as long as the
  // batch took and at least `min_pause`, so that writers queued behind a batch get the store
  // (at most half of its time goes to a backlog); it returns false to stop early. The totals,
  // with the error that ended the run if one did.
  PurgeSummary purge(std::int64_t before, std::size_t batch, std::string_view actor,
                     std::chrono::milliseconds min_pause,
                     const std::function<bool(std::chrono::milliseconds)>& pause);

  // The bytes of `id`, from the database or the spool, checked against the id.
  Result<std::string> read(std::string_view id, std::size_t limit = kDefaultSpoolReadLimit);

 private:
  Store& store_;
  Spool& spool_;
  std::size_t inline_limit_;
};

}  // namespace edigate::gateway::store
