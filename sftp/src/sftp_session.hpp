// The SFTP protocol for one authenticated partner on one channel: requests are dispatched through
// a const table, each path is checked against the jail, and every handle is cleaned up on exit.
#pragma once

#define WITH_SERVER
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "edigate/sftp/limits.hpp"
#include "edigate/sftp/server_config.hpp"
#include "edigate/sftp/upload_sink.hpp"
#include "handle_table.hpp"
#include "jail.hpp"

namespace edigate::sftp {

class SftpSession {
 public:
  SftpSession(ssh_session session, ssh_channel channel, const PartnerAccount& partner,
              const ServerLimits& limits, UploadSink& sink, const Jail& jail);
  ~SftpSession();
  SftpSession(const SftpSession&) = delete;
  SftpSession& operator=(const SftpSession&) = delete;

  // Serves requests until the client leaves, goes idle past the limit, or breaks the protocol.
  void run();

  // Request handlers (public for the dispatch table only).
  void on_realpath(sftp_client_message msg);
  void on_stat(sftp_client_message msg);
  void on_fstat(sftp_client_message msg);
  void on_open(sftp_client_message msg);
  void on_read(sftp_client_message msg);
  void on_write(sftp_client_message msg);
  void on_close(sftp_client_message msg);
  void on_opendir(sftp_client_message msg);
  void on_readdir(sftp_client_message msg);
  void on_remove(sftp_client_message msg);
  void on_unsupported(sftp_client_message msg);

 private:
  bool wait_for_request();
  void dispatch(sftp_client_message msg);
  bool checked_path(sftp_client_message msg, JailPath& out);
  void open_download(sftp_client_message msg, const JailPath& path);
  void open_upload(sftp_client_message msg, const JailPath& path);
  void reply_handle(sftp_client_message msg, OpenHandle handle);
  void finish_upload(sftp_client_message msg, OpenHandle& upload);
  void refuse(sftp_client_message msg, std::uint32_t status, const std::string& why);
  void reply_errno(sftp_client_message msg, int err, const std::string& what);
  void abandon(OpenHandle& handle, const std::string& reason);

  ssh_session session_;
  ssh_channel channel_;
  sftp_session sftp_ = nullptr;
  const PartnerAccount& partner_;
  const ServerLimits& limits_;
  UploadSink& sink_;
  const Jail& jail_;
  HandleTable handles_;
  std::string end_reason_ = "client disconnected";
};

}  // namespace edigate::sftp
