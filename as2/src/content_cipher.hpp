// The content-encryption algorithm named inside (Auth)EnvelopedData. OpenSSL 3.0 has no getter
// for it, so this walks the DER/BER (definite or indefinite lengths) just far enough to read it.
#pragma once

#include <string>
#include <string_view>

namespace edigate::as2 {

// OpenSSL's short name ("AES-256-CBC", "id-aes128-GCM", "DES-EDE3-CBC"), or "" if not found.
std::string content_cipher_name(std::string_view der);

}  // namespace edigate::as2
