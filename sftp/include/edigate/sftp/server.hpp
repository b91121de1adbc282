// The embedded SFTP server: one thread per SSH session, each partner confined to its jail.
#pragma once

#include <memory>
#include <vector>

#include "edigate/sftp/result.hpp"
#include "edigate/sftp/server_config.hpp"
#include "edigate/sftp/upload_sink.hpp"

namespace edigate::sftp {

class ServerState;

class SftpServer {
 public:
  // `sink` must outlive the server.
  SftpServer(ServerConfig config, UploadSink& sink);
  ~SftpServer();
  SftpServer(const SftpServer&) = delete;
  SftpServer& operator=(const SftpServer&) = delete;

  // Creates missing host keys, checks the jails and binds the listening socket.
  Status start();
  // Replaces the partner list (keys, passwords, jails) for connections accepted from now on;
  // sessions already open keep theirs. Refused, with nothing changed, when a jail lacks its
  // inbox/outbox or a partner needs legacy algorithms the running server does not offer.
  Status set_partners(std::vector<PartnerAccount> partners);
  // What set_partners would refuse, without changing anything (a reload checks every part of
  // a new configuration before it applies any).
  Status check_partners(const std::vector<PartnerAccount>& partners) const;
  // The bound port (useful when the configuration asked for port 0).
  std::uint16_t port() const;
  // Accepts sessions until stop() is called; returns after all sessions ended.
  Status run();
  // Safe from another thread or a signal-driven watcher thread.
  void stop();

 private:
  std::unique_ptr<ServerState> state_;
};

}  // namespace edigate::sftp
