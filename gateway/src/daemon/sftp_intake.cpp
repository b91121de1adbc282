#include "daemon/sftp_intake.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/counters.hpp"
#include "daemon/jobs.hpp"
#include "store/sha256.hpp"
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
  if (upload.size > live->config->limits.body_bytes) {
    // For good (the limit may have been lowered by a reload since the server started): the
    // partner is told, rather than to send it again.
    return sftp::Status::error(sftp::ErrorCode::refused,
                               "larger than the body limit of " +
                                   std::to_string(live->config->limits.body_bytes) + " bytes");
  }
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
  counters::messages_received(core_.metrics(), upload.partner, "sftp").add();
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

static bool sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

// Moves an inbox file recover() cannot store to <jails>/.quarantine/<partner>/ (outside every
// jail), audited as sftp.quarantined_upload with where it went and why.
bool SftpIntake::quarantine(const config::GatewayConfig& config, const std::string& partner,
                            int inbox_fd, const std::string& name, const std::string& why) {
  const std::filesystem::path dir = config.sftp->jails / ".quarantine" / partner;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string kept = name + "." + std::to_string(now_ms());
  if (ec || renameat(inbox_fd, name.c_str(), AT_FDCWD, (dir / kept).c_str()) != 0) {
    std::fprintf(stderr,
                 "edigate: sftp: partner=%s %s left in the inbox: %s (cannot move it aside)\n",
                 partner.c_str(), name.c_str(), why.c_str());
    return false;
  }
  if (!sync_directory(dir) || ::fsync(inbox_fd) != 0) {  // moved, but maybe not for good
    std::fprintf(stderr,
                 "edigate: sftp: partner=%s %s moved aside, but the move may not survive a crash: "
                 "%s\n",
                 partner.c_str(), name.c_str(), std::strerror(errno));
  }
  (void)core_.store().append_audit(
      {"sftp", "sftp.quarantined_upload", "partner:" + partner,
       store::json_text(
           {{"filename", name}, {"kept_as", (dir / kept).string()}, {"reason", why}})});
  return true;
}

std::size_t SftpIntake::recover(const config::GatewayConfig& config) {
  std::size_t handled = 0;
  for (const config::PartnerProfile& p : config.partners) {
    if (!p.sftp) continue;
    const std::filesystem::path inbox = config.sftp->jails / p.id / "inbox";
    const int dir = ::open(inbox.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) continue;  // made with the accounts when missing: nothing in it
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(inbox, ec)) {
      if (entry.is_regular_file(ec) && !entry.is_symlink(ec)) {
        names.push_back(entry.path().filename().string());
      }
    }
    for (const std::string& name : names) {
      struct stat st {};
      if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
        continue;
      }
      const auto size = static_cast<std::uint64_t>(st.st_size);
      if (name.rfind(sftp::kUploadTempPrefix, 0) == 0) {
        if (unlinkat(dir, name.c_str(), 0) == 0) {
          (void)record_partial(
              {p.id, name, size, "cut off by a stop before its close (removed at start)"});
          ++handled;
        }
        continue;
      }
      sftp::CompletedUpload upload{p.id, name, dir, size};
      std::string bytes, error;
      if (!read_upload(upload, config.limits.body_bytes, bytes, error)) {
        // Left there, it would block the partner's uploads under that name at every start.
        if (quarantine(config, p.id, dir, name, error)) ++handled;
        continue;
      }
      auto stored = core_.store().find_received_file(p.id, name, store::sha256_hex(bytes));
      if (!stored.ok()) {
        std::fprintf(stderr, "edigate: sftp: partner=%s %s left in the inbox: %s\n", p.id.c_str(),
                     name.c_str(), stored.status().message.c_str());
        continue;
      }
      if (stored.value()) {  // its commit happened, its removal did not
        if (unlinkat(dir, name.c_str(), 0) == 0) ++handled;
        continue;
      }
      if (auto s = ingest(upload); !s.ok()) {
        std::fprintf(stderr, "edigate: sftp: partner=%s %s left in the inbox: %s\n", p.id.c_str(),
                     name.c_str(), s.message.c_str());
        continue;
      }
      (void)core_.store().append_audit(
          {"sftp", "sftp.recovered_upload", "partner:" + p.id,
           store::json_text({{"filename", name},
                             {"bytes", size},
                             {"reason", "complete in the inbox at start, not stored before"}})});
      ++handled;
    }
    ::close(dir);
  }
  return handled;
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
    account.temporary_suffixes = p.sftp->temporary_suffixes;
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
  // The server binds numeric addresses only; the configuration also accepts "localhost".
  c.listen_address = s.address == "localhost" ? "127.0.0.1" : s.address;
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

std::string SftpService::start(const config::GatewayConfig& config) {
  if (const std::size_t n = intake_.recover(config); n > 0) {
    std::fprintf(stderr, "edigate: sftp: %zu file(s) left in inboxes by the last stop handled\n",
                 n);
  }
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
