// The SSH algorithm sets: modern by default, legacy only for partners that opt in.
#pragma once

#include <libssh/libssh.h>

#include <string>

namespace edigate::sftp {

struct AlgorithmSet {
  const char* kex;
  const char* ciphers;
  const char* macs;
  const char* host_keys;
  const char* pubkeys;
};

// curve25519 kex; ChaCha20-Poly1305 and AES-GCM only; Ed25519 and RSA-SHA2. libssh 0.10.6 adds
// the strict-kex marker (Terrapin, CVE-2023-48795) to the kex list by itself.
const AlgorithmSet& modern_algorithms();
// The modern set plus NIST ECDH / DH group 14-16, AES-CTR and SHA-2 MACs (encrypt-and-MAC).
const AlgorithmSet& legacy_algorithms();

// Whether the algorithms negotiated on `session` are all in the modern set.
bool negotiated_modern(ssh_session session, std::string& description);

}  // namespace edigate::sftp
