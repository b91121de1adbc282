// The transport-free AS2 receiver: HTTP headers and body in; payload, what it was and the MDN
// out. It never throws and always produces a disposition.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "edigate/as2/limits.hpp"
#include "edigate/as2/mdn.hpp"
#include "edigate/as2/pack.hpp"
#include "edigate/as2/partner.hpp"

namespace edigate::as2 {

// Returns the profile for an AS2-From, or nullptr for an unknown partner.
using PartnerLookup = std::function<const PartnerProfile*(std::string_view as2_from)>;

struct ReceiveOutcome {
  std::string as2_from, as2_to, message_id;
  std::string payload;
  std::string payload_content_type;
  bool was_signed = false, was_encrypted = false, was_compressed = false,
       authenticated_encryption = false;
  std::string content_cipher;  // e.g. AES-256-CBC, id-aes128-GCM, DES-EDE3-CBC
  std::optional<DigestAlgorithm> signature_digest;
  bool signature_had_attributes = false;
  std::string signer_subject;
  std::optional<Mic> mic;
  DispositionStatus disposition = DispositionStatus::processed;
  std::string error;               // empty when processed
  MdnRequest mdn_request;          // what the sender asked for (requested=false: none)
  std::optional<HttpMessage> mdn;  // the MDN to return (sync) or post to mdn_request.async_url
};

ReceiveOutcome receive(const Headers& headers, std::string_view body, const LocalStation& local,
                       const PartnerLookup& partners, const Limits& limits = {});

// Reads Disposition-Notification-To / -Options and Receipt-Delivery-Option. Its micalg is the
// MDN digest for a sender whose profile does not allow SHA-1 (see mdn_digest).
MdnRequest read_mdn_request(const Headers& headers);

// The digest of the MDN we sign (and of the MIC it returns): the first algorithm of the
// sender's signed-receipt-micalg that we support, skipping SHA-1 unless allow_sha1; SHA-256
// when none is left.
DigestAlgorithm mdn_digest(const MdnRequest& request, bool allow_sha1);

}  // namespace edigate::as2
