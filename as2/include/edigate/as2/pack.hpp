// Builds an outbound AS2 message (sign, compress, encrypt per partner profile).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "edigate/as2/mdn.hpp"
#include "edigate/as2/partner.hpp"

namespace edigate::as2 {

struct MdnRequest {
  bool requested = true;
  bool signed_receipt = true;
  DigestAlgorithm micalg = DigestAlgorithm::sha256;
  std::string async_url;  // empty: synchronous MDN
  std::string notification_to = "edigate";
  std::string micalg_offered;  // inbound: the sender's signed-receipt-micalg list, as received
};

struct PackRequest {
  std::string_view payload;
  std::string content_type = "application/edi-x12";
  std::string message_id;  // empty: generated; a retry passes the original one
  std::string subject = "AS2 message";
  MdnRequest mdn;
};

struct PackedMessage {
  HttpMessage http;
  std::string message_id;
  Mic expected_mic;  // what the partner's MDN must return in Received-Content-MIC
};

Result<PackedMessage> pack(const PackRequest& request, const LocalStation& local,
                           const PartnerProfile& partner);

// "<random@as2-from>": a fresh Message-ID.
std::string make_message_id(std::string_view as2_from);

}  // namespace edigate::as2
