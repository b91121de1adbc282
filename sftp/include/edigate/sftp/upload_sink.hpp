// Where the SFTP server hands finished uploads. The gateway implements this with its store and
// pipeline; JournalSink (journal_sink.hpp) is the stand-alone implementation.
#pragma once

#include <cstdint>
#include <string>

#include "edigate/sftp/result.hpp"

namespace edigate::sftp {

// Temporary upload names start with this prefix; clients can neither see nor name them. One
// found in an inbox when the server is not running was left by a stop mid-upload.
inline constexpr const char* kUploadTempPrefix = ".edigate-upload-";

// A complete upload: fsync'd and renamed to `filename` inside the partner's inbox directory.
// `inbox_fd` stays valid only during the ingest() call; open the file relative to it.
struct CompletedUpload {
  std::string partner;
  std::string filename;  // the name the partner gave, kept with the message
  int inbox_fd = -1;
  std::uint64_t size = 0;
};

// A session ended (disconnect, kill, timeout) while the upload's handle was still open.
struct PartialUpload {
  std::string partner;
  std::string filename;
  std::uint64_t bytes_received = 0;
  std::string reason;
};

class UploadSink {
 public:
  virtual ~UploadSink() = default;
  // Must persist durably before returning ok: the client's CLOSE is answered only afterwards.
  virtual Status ingest(const CompletedUpload& upload) = 0;
  // Records that an upload did not complete; nothing is processed for it.
  virtual Status record_partial(const PartialUpload& upload) = 0;
};

}  // namespace edigate::sftp
