#include "daemon/sftp_intake.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/jobs.hpp"
#include "store/store_json.hpp"
#include "thread_name.hpp"

namespace edigate::gateway::daemon {
namespace {

// Reads the uploaded file relative to the inbox the server gave us (never by a path string).
bool read_upload(const sftp::CompletedUpload& upload, std::uint64_t limit, std::string& out,
                 std::string& error) {
  const int fd =
      openat(upload.inbox_fd, upload.filename.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open the upload";
    return false;
  }
  if (upload.size > limit) {
    close(fd);
    error = "upload larger than the body limit";
    return false;
  }
  out.resize(upload.size);
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = read(fd, out.data() + done, out.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  if (done != out.size()) {
    error = "short read of the upload";
    return false;
  }
  return true;
}

}  // namespace

sftp::Status SftpIntake::ingest(const sftp::CompletedUpload& upload) {
  const auto live = core_.live();
  std::string bytes, error;
  if (!read_upload(upload, live->config->limits.body_bytes, bytes, error)) {
    return sftp::Status::error(sftp::ErrorCode::sink_failed, error);
  }
  store::NewMessage m;
  m.transport = "sftp";
  m.partner = upload.partner;
  m.filename = upload.filename;
  auto added = core_.blobs().add_received(std::move(m), bytes, kProcessJob);
  if (!added.ok()) {
    return sftp::Status::error(sftp::ErrorCode::sink_failed, added.status().message);
  }
  // Committed: the inbox copy has served its purpose (the store keeps the bytes). Left behind,
  // it would make the partner's next upload under that name fail: say so.
  if (unlinkat(upload.inbox_fd, upload.filename.c_str(), 0) != 0) {
    std::fprintf(stderr,
                 "edigate: sftp: partner=%s stored %s but cannot remove it from the inbox: %s\n",
                 upload.partner.c_str(), upload.filename.c_str(), std::strerror(errno));
  }
  core_.metrics()
      .counter("edigate_messages_received_total", "Messages received",
               {{"partner", upload.partner}, {"transport", "sftp"}})
      .add();
  core_.wake();
  return sftp::Status::success();
}

sftp::Status SftpIntake::record_partial(const sftp::PartialUpload& upload) {
  const nlohmann::json details = {
      {"filename", upload.filename}, {"bytes", upload.bytes_received}, {"reason", upload.reason}};
  auto audited = core_.store().append_audit(
      {"sftp", "sftp.partial_upload", "partner:" + upload.partner, store::json_text(details)});
  if (!audited.ok()) {
    return sftp::Status::error(sftp::ErrorCode::sink_failed, audited.status().message);
  }
  return sftp::Status::success();
}

namespace {

// The SFTP logins of a configuration; each partner's jail folders are made here (the server
// checks that they exist).
std::vector<sftp::PartnerAccount> sftp_accounts(const config::GatewayConfig& config) {
  const config::SftpServer& s = *config.sftp;
  std::vector<sftp::PartnerAccount> accounts;
  for (const config::PartnerProfile& p : config.partners) {
    if (!p.sftp) continue;
    sftp::PartnerAccount account;
    account.id = p.id;
    account.authorized_keys = p.sftp->keys;
    account.jail_dir = (s.jails / p.id).string();
    account.legacy_algorithms = p.sftp->legacy_algorithms;
    account.password = p.sftp->password;
    std::error_code ec;
    std::filesystem::create_directories(s.jails / p.id / "inbox", ec);
    std::filesystem::create_directories(s.jails / p.id / "outbox", ec);
    accounts.push_back(std::move(account));
  }
  return accounts;
}

}  // namespace

SftpService::SftpService(Core& core, const config::GatewayConfig& config) : intake_(core) {
  const config::SftpServer& s = *config.sftp;
  sftp::ServerConfig c;
  c.listen_address = s.address;
  c.port = s.port;
  c.host_key_dir = s.host_keys.string();
  c.limits = s.limits;
  c.limits.max_upload_bytes = config.limits.body_bytes;
  c.partners = sftp_accounts(config);
  server_ = std::make_unique<sftp::SftpServer>(std::move(c), intake_);
}

std::string SftpService::reload(const config::GatewayConfig& config) {
  if (!config.sftp) return {};
  auto s = server_->set_partners(sftp_accounts(config));
  return s.ok() ? std::string() : s.message;
}

std::string SftpService::check(const config::GatewayConfig& config) const {
  if (!config.sftp) return {};
  auto s = server_->check_partners(sftp_accounts(config));
  return s.ok() ? std::string() : s.message;
}

SftpService::~SftpService() { stop(); }

std::string SftpService::start() {
  if (auto s = server_->start(); !s.ok()) return s.message;
  thread_ = std::thread([this] {
    name_this_thread("sftp-server");
    // It returns when stopped, or on an error that ends SFTP intake: that one is said.
    if (auto s = server_->run(); !s.ok()) {
      std::fprintf(stderr, "edigate: SFTP intake stopped: %s\n", s.message.c_str());
    }
  });
  return {};
}

std::uint16_t SftpService::port() const { return server_->port(); }

void SftpService::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace edigate::gateway::daemon
