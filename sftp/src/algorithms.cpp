#include "algorithms.hpp"

#include <cstring>
#include <string_view>

namespace edigate::sftp {
namespace {

constexpr AlgorithmSet kModern = {
    "curve25519-sha256,curve25519-sha256@libssh.org",
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com",
    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256",
    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384",
};

constexpr AlgorithmSet kLegacy = {
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "diffie-hellman-group16-sha512,diffie-hellman-group14-sha256",
    "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,"
    "aes192-ctr,aes128-ctr",
    "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha2-512",
    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256",
    "ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384",
};

bool listed(const char* list, const char* name) {
  if (name == nullptr) return false;
  const std::string_view all(list), wanted(name);
  std::size_t start = 0;
  while (start <= all.size()) {
    const std::size_t end = std::min(all.find(',', start), all.size());
    if (all.substr(start, end - start) == wanted) return true;
    start = end + 1;
  }
  return false;
}

// With an AEAD cipher libssh reports the MAC as "aead-..." or the cipher's own name.
bool mac_ok(const char* cipher, const char* mac) {
  if (mac == nullptr) return false;
  if (std::strstr(cipher, "gcm") != nullptr || std::strstr(cipher, "chacha20") != nullptr) {
    return true;
  }
  return listed(kModern.macs, mac);
}

}  // namespace

const AlgorithmSet& modern_algorithms() { return kModern; }
const AlgorithmSet& legacy_algorithms() { return kLegacy; }

bool negotiated_modern(ssh_session session, std::string& description) {
  const char* kex = ssh_get_kex_algo(session);
  const char* cin = ssh_get_cipher_in(session);
  const char* cout = ssh_get_cipher_out(session);
  const char* hin = ssh_get_hmac_in(session);
  const char* hout = ssh_get_hmac_out(session);
  auto s = [](const char* p) { return std::string(p != nullptr ? p : "?"); };
  description =
      "kex=" + s(kex) + " cipher=" + s(cin) + "/" + s(cout) + " mac=" + s(hin) + "/" + s(hout);
  return listed(kModern.kex, kex) && listed(kModern.ciphers, cin) &&
         listed(kModern.ciphers, cout) && mac_ok(cin, hin) && mac_ok(cout, hout);
}

}  // namespace edigate::sftp
