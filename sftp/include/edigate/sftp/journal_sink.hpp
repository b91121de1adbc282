// An UploadSink that appends one line per event to a journal file and fsyncs it before
// returning: the durable record used until the gateway's store takes over.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "edigate/sftp/server_config.hpp"
#include "edigate/sftp/upload_sink.hpp"

namespace edigate::sftp {

class JournalSink : public UploadSink {
 public:
  explicit JournalSink(std::string path);
  ~JournalSink() override;
  JournalSink(const JournalSink&) = delete;
  JournalSink& operator=(const JournalSink&) = delete;

  Status open();
  // Run once the journal is open and before the server accepts connections: what a stop left in
  // the partners' inboxes. An upload under its temporary name (cut off before its close) is
  // removed and journaled as partial. A file under its own name with no `ingested` line for the
  // same partner, name and size written since the file last changed (renamed into place, the
  // stop came before its line) is journaled now, as ingested with `recovered=1`: it was
  // complete, fsync'd before the rename. Returns how many files were handled; each is logged,
  // and so is one that could not be (and a journal that cannot be read back).
  std::size_t recover(const std::vector<PartnerAccount>& partners);
  Status ingest(const CompletedUpload& upload) override;
  Status record_partial(const PartialUpload& upload) override;

 private:
  Status append(const std::string& line);

  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace edigate::sftp
