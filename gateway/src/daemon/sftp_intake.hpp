// SFTP uploads into the pipeline: the embedded SFTP server (sftp/) hands each completed upload
// here before it answers the client's CLOSE; it goes into the spool and the store (the message,
// its process job and its audit entry in one commit) and leaves the partner's inbox. An upload
// cut off mid-way is audited and nothing is processed.
#pragma once

#include <memory>
#include <thread>

#include "daemon/core.hpp"
#include "edigate/sftp/server.hpp"
#include "edigate/sftp/upload_sink.hpp"

namespace edigate::gateway::daemon {

class SftpIntake final : public sftp::UploadSink {
 public:
  explicit SftpIntake(Core& core) : core_(core) {}
  sftp::Status ingest(const sftp::CompletedUpload& upload) override;
  sftp::Status record_partial(const sftp::PartialUpload& upload) override;
  // Before the server starts: what a stop (crash, kill) left in the partners' inboxes. An
  // upload renamed to its final name was complete (fsync'd first): stored before (the commit
  // happened, the removal did not), it is removed; else it is stored now, as its CLOSE would
  // have (audited `sftp.recovered_upload`; the partner, not told, may send it again, which the
  // interchange duplicate check sees). One that cannot be read or is over the body limit is
  // moved to <jails>/.quarantine/<partner>/ (audited sftp.quarantined_upload). A temporary file
  // of an upload cut off mid-way is removed and audited as a partial upload. Returns how many
  // files it handled.
  std::size_t recover(const config::GatewayConfig& config);

 private:
  bool quarantine(const config::GatewayConfig& config, const std::string& partner, int inbox_fd,
                  const std::string& name, const std::string& why);
  Core& core_;
};

// The SFTP server of the configuration, running on its own thread; stop() ends it.
class SftpService {
 public:
  SftpService(Core& core, const config::GatewayConfig& config);
  ~SftpService();
  // Handles what the last stop left in the inboxes (SftpIntake::recover), then binds and starts
  // accepting; an error says why (a taken port, unreadable host keys).
  std::string start(const config::GatewayConfig& config);
  std::uint16_t port() const;
  // The partner logins of a reloaded configuration, for connections accepted from now on
  // (address, port and host keys stay as started). An error says why nothing changed.
  std::string reload(const config::GatewayConfig& config);
  // Why reload() would refuse this configuration ("" when it would not), changing nothing.
  std::string check(const config::GatewayConfig& config) const;
  void stop();

 private:
  SftpIntake intake_;
  std::unique_ptr<sftp::SftpServer> server_;
  std::thread thread_;
};

}  // namespace edigate::gateway::daemon
