// The SFTP protocol for one authenticated partner on one channel: packets are framed and decoded
// by sftp_wire (max_packet_bytes checked before a body is kept), requests are dispatched through
// a const table, each path is checked against the jail, and every handle is cleaned up on exit.
#pragma once

#define WITH_SERVER
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include "edigate/sftp/limits.hpp"
#include "edigate/sftp/server_config.hpp"
#include "edigate/sftp/upload_sink.hpp"
#include "handle_table.hpp"
#include "jail.hpp"
#include "sftp_wire.hpp"

namespace edigate::sftp {

// Where a session's replies go: the SSH channel in the server, a checking buffer in the fuzz
// target. A write must not call back into the session (feed() would move the buffer the
// request being answered points into).
class ReplyChannel {
 public:
  virtual ~ReplyChannel() = default;
  // Writes the whole packet; false, with why, when it cannot.
  virtual bool write(const std::string& packet, std::string& error) = 0;
};

class SftpSession {
 public:
  using Request = wire::Request;

  SftpSession(ReplyChannel& replies, const PartnerAccount& partner, const ServerLimits& limits,
              UploadSink& sink, const Jail& jail);
  ~SftpSession();
  SftpSession(const SftpSession&) = delete;
  SftpSession& operator=(const SftpSession&) = delete;

  // Takes bytes as they come off the channel and serves every whole request in them. False once
  // the session has ended (the client broke the protocol, or a reply could not be sent).
  bool feed(const char* data, std::size_t size);
  // Ends the session, logged once (with `logged`, or the reason): uploads still open or held
  // are abandoned, recorded as partial with the reason.
  void end(const std::string& reason, const std::string& logged = {});
  bool ended() const { return ended_; }

  // Request handlers (public for the dispatch table only).
  void on_realpath(const Request& msg);
  void on_stat(const Request& msg);
  void on_fstat(const Request& msg);
  void on_open(const Request& msg);
  void on_read(const Request& msg);
  void on_write(const Request& msg);
  void on_close(const Request& msg);
  void on_opendir(const Request& msg);
  void on_readdir(const Request& msg);
  void on_remove(const Request& msg);
  void on_setstat(const Request& msg);
  void on_fsetstat(const Request& msg);
  void on_rename(const Request& msg);
  void on_unsupported(const Request& msg);

 private:
  // False when the session must end (the reason is in end_reason_).
  bool handle(const wire::Frame& frame);
  // Marks the upload of a WRITE refused unread as failed; false when none can be told.
  bool write_refused(const Request& msg);
  void dispatch(const Request& msg);
  void send(const std::string& packet);
  void reply_status(const Request& msg, std::uint32_t status, std::string_view message);
  // Open handles and held uploads together against max_open_handles.
  bool out_of_handles() const;
  bool checked_path(const Request& msg, JailPath& out) { return checked_path(msg, msg.path, out); }
  bool checked_path(const Request& msg, const std::string& raw, JailPath& out);
  void open_download(const Request& msg, const JailPath& path);
  void open_upload(const Request& msg, const JailPath& path);
  void reply_handle(const Request& msg, OpenHandle handle);
  // Hands a written upload on, and answers the client either way.
  enum class Finished { done, failed, name_taken };
  Finished finish_upload(const Request& msg, OpenHandle& upload);
  void hold_upload(const Request& msg, OpenHandle upload);
  std::vector<OpenHandle>::iterator held(const std::string& name);
  // Whether a SETSTAT or FSETSTAT asks only for what is acknowledged (refused otherwise).
  bool settable(const Request& msg);
  void attributes_not_kept(const Request& msg, const std::string& name);
  void refuse(const Request& msg, std::uint32_t status, const std::string& why);
  void reply_errno(const Request& msg, int err, const std::string& what);
  void abandon(OpenHandle& handle, const std::string& reason);

  ReplyChannel& replies_;
  const PartnerAccount& partner_;
  const ServerLimits& limits_;
  UploadSink& sink_;
  const Jail& jail_;
  wire::Framer framer_;
  HandleTable handles_;
  // Uploads closed under a temporary name (partner_.temporary_suffixes): still under their hidden
  // name and open, handed on at their RENAME, abandoned if the session ends first.
  std::vector<OpenHandle> held_;
  std::deque<std::string> finished_;  // the names of this session's latest uploads handed on
  bool initialized_ = false;          // INIT answered
  bool ended_ = false;
  std::string end_reason_ = "client disconnected";
};

// Serves an SFTP session on an SSH channel (the "sftp" subsystem) until the client leaves, goes
// idle past idle_seconds, or the session ends.
void serve_sftp_channel(ssh_session session, ssh_channel channel, const PartnerAccount& partner,
                        const ServerLimits& limits, UploadSink& sink, const Jail& jail);

}  // namespace edigate::sftp
