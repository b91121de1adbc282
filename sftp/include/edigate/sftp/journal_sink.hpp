// An UploadSink that appends one line per event to a journal file and fsyncs it before
// returning: the durable record used until the gateway's store takes over.
#pragma once

#include <mutex>
#include <string>

#include "edigate/sftp/upload_sink.hpp"

namespace edigate::sftp {

class JournalSink : public UploadSink {
 public:
  explicit JournalSink(std::string path);
  ~JournalSink() override;
  JournalSink(const JournalSink&) = delete;
  JournalSink& operator=(const JournalSink&) = delete;

  Status open();
  Status ingest(const CompletedUpload& upload) override;
  Status record_partial(const PartialUpload& upload) override;

 private:
  Status append(const std::string& line);

  std::string path_;
  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace edigate::sftp
