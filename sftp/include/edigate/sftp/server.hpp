// The embedded SFTP server: one thread per SSH session, each partner confined to its jail.
#pragma once

#include <memory>

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
