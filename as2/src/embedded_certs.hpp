// Receivers pin the partner's certificate and ignore certificates embedded in a SignedData
// (CMS_NOINTERN), yet d2i_CMS still parses every embedded certificate, and in OpenSSL 3.0 decoding
// its public key builds a provider decoder chain: the largest fixed cost of a 2048-bit receive.
// Partners almost always embed exactly the certificate we pinned, so those copies can be cut from
// the DER before parsing without changing what the parse or the verification can produce.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace edigate::as2 {

// `der` (a ContentInfo holding SignedData, DER or BER) without its `certificates` field, when
// every certificate in it is byte-identical to `pinned_der`. nullopt when there is no such field,
// any other certificate is present, or the structure is not what this walk expects: the caller
// then parses `der` unchanged.
std::optional<std::string> without_pinned_certificates(std::string_view der,
                                                       std::string_view pinned_der);

}  // namespace edigate::as2
