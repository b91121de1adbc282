// Message Disposition Notifications (RFC 8098 as used by AS2, RFC 4130 section 7).
// Built exactly (CRLF, unfolded); parsed leniently.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edigate/as2/credentials.hpp"
#include "edigate/as2/limits.hpp"
#include "edigate/as2/mic.hpp"
#include "edigate/as2/mime.hpp"
#include "edigate/as2/result.hpp"

namespace edigate::as2 {

enum class DispositionStatus : unsigned char {
  processed,
  duplicate_document,     // processed/warning: duplicate-document
  authentication_failed,  // processed/error: ...
  decryption_failed,
  decompression_failed,
  integrity_check_failed,
  insufficient_message_security,
  unexpected_processing_error,
};

// The disposition after "automatic-action/MDN-sent-automatically; ", e.g.
// "processed/error: decryption-failed".
std::string_view disposition_text(DispositionStatus status);
DispositionStatus disposition_for(ErrorCode code);
// The error code a negative disposition stands for (bad_input for positive ones).
ErrorCode error_for(DispositionStatus status);
bool is_positive(DispositionStatus status);

struct MdnFields {
  std::string reporting_ua = "edigate";
  std::string original_recipient;   // the AS2-To of the original message (our id)
  std::string original_message_id;  // with its angle brackets
  std::optional<Mic> received_mic;
  DispositionStatus status = DispositionStatus::processed;
  std::string explanation;  // human-readable text part
};

struct MdnAddressing {
  std::string from;        // AS2-From of the MDN: us
  std::string to;          // AS2-To of the MDN: the partner
  std::string message_id;  // the MDN's own Message-ID, angle brackets included
};

// An AS2 message as HTTP would carry it: headers (incl. Content-Type) and body.
struct HttpMessage {
  Headers headers;
  std::string body;
};

// Unsigned when `signer` is null; otherwise multipart/signed with `digest`.
Result<HttpMessage> build_mdn(const MdnFields& fields, const MdnAddressing& addressing,
                              const Identity* signer, DigestAlgorithm digest);

struct ParsedMdn {
  std::string disposition;  // as received, after the action modes ("processed/error: ...")
  std::optional<DispositionStatus> status;  // nullopt when it is none we know
  std::string original_message_id;
  std::string final_recipient;
  std::optional<Mic> received_mic;
  bool signed_mdn = false;
  std::string explanation;
};

// Parses an MDN. If it is signed, the signature is verified against `partner` (which must be
// given); a bad signature is authentication_failed.
Result<ParsedMdn> parse_mdn(const Headers& headers, std::string_view body,
                            const Certificate* partner, const MimeLimits& limits = {});

}  // namespace edigate::as2
