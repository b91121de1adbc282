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

// Reads Disposition-Notification-To / -Options and Receipt-Delivery-Option.
MdnRequest read_mdn_request(const Headers& headers);

}  // namespace edigate::as2
