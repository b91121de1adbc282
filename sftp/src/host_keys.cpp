#include "host_keys.hpp"

#include <fcntl.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log.hpp"

namespace edigate::sftp {
namespace {

constexpr int kRsaHostKeyBits = 3072;

struct KeyFile {
  const char* name;
  ssh_keytypes_e type;
  int bits;
};

constexpr KeyFile kHostKeys[] = {{"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
                                 {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, kRsaHostKeyBits}};

Status write_private_key(const std::string& path, const std::string& pem) {
  // O_EXCL: two servers starting at once must not overwrite each other's key.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error(ErrorCode::io, path + ": " + strerror(errno));
  const bool written =
      ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return Status::error(ErrorCode::io, path + ": write failed");
  return Status::success();
}

Status generate(const std::string& path, const KeyFile& spec) {
  ssh_key key = nullptr;
  if (ssh_pki_generate(spec.type, spec.bits, &key) != SSH_OK) {
    return Status::error(ErrorCode::crypto, "cannot generate host key " + path);
  }
  char* pem = nullptr;
  const int rc = ssh_pki_export_privkey_base64(key, nullptr, nullptr, nullptr, &pem);
  ssh_key_free(key);
  if (rc != SSH_OK) return Status::error(ErrorCode::crypto, "cannot export host key " + path);
  Status s = write_private_key(path, pem);
  ssh_string_free_char(pem);
  if (s.ok()) log_event("generated host key " + path);
  return s;
}

Status check_existing(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return Status::error(ErrorCode::io, path + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    return Status::error(ErrorCode::io, path + ": host key readable by others (chmod 600)");
  }
  return Status::success();
}

}  // namespace

Result<std::vector<std::string>> ensure_host_keys(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::error(ErrorCode::io, dir + ": " + strerror(errno));
  }
  std::vector<std::string> paths;
  for (const KeyFile& spec : kHostKeys) {
    const std::string path = dir + "/" + spec.name;
    struct stat st {};
    Status s = ::lstat(path.c_str(), &st) == 0 ? check_existing(path, st) : generate(path, spec);
    if (!s.ok()) return s;
    paths.push_back(path);
  }
  return paths;
}

}  // namespace edigate::sftp
