// One SSH connection from accept to disconnect: key exchange, public-key authentication against
// the partner definitions, the "sftp" subsystem on one session channel, then the SFTP session.
#pragma once

#include <libssh/libssh.h>

#include <functional>
#include <memory>
#include <vector>

#include "edigate/sftp/server_config.hpp"
#include "edigate/sftp/upload_sink.hpp"

namespace edigate::sftp {

// Admission of an authenticated partner against max_sessions_per_partner; the returned
// release function must be called when the session ends. Returns false when over the limit.
using PartnerAdmission = std::function<bool(const std::string& partner)>;
using PartnerRelease = std::function<void(const std::string& partner)>;

struct ConnectionContext {
  const ServerConfig& config;  // limits (its partner list is the one at start; see partners)
  // The partners when this connection was accepted: a reload swaps the server's list for later
  // connections without changing it under one that is logging in.
  std::shared_ptr<const std::vector<PartnerAccount>> partners;
  UploadSink& sink;
  PartnerAdmission admit;
  PartnerRelease release;
};

// Serves the connection and frees `session`.
void serve_connection(ssh_session session, const ConnectionContext& context);

}  // namespace edigate::sftp
