// multipart/signed entities (RFC 1847/5751) shared by messages and MDNs.
#pragma once

#include <string>
#include <string_view>

#include "edigate/as2/cms.hpp"
#include "edigate/as2/credentials.hpp"
#include "edigate/as2/mdn.hpp"
#include "edigate/as2/mime.hpp"

namespace edigate::as2 {

// The headers and body of a multipart/signed entity over the exact bytes of `content_entity`.
Result<HttpMessage> build_signed_entity(std::string_view content_entity, const Identity& signer,
                                        const SignOptions& options);

// Checks a parsed multipart/signed entity against `partner`; verifies over parts[0].raw.
Result<VerifiedSignature> verify_signed_entity(const MimeEntity& entity,
                                               const Certificate& partner);

std::optional<DispositionStatus> parse_disposition(std::string_view text);

}  // namespace edigate::as2
