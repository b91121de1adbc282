#include "edigate/as2/receive.hpp"

#include <algorithm>

#include "edigate/as2/compression.hpp"
#include "signed_entity.hpp"
#include "text.hpp"

namespace edigate::as2 {
namespace {

std::string unquote(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

// Unwraps one layer at a time; remembers what it saw on the way.
class Unwrapper {
 public:
  Unwrapper(ReceiveOutcome& out, const LocalStation& local, const PartnerProfile& partner,
            const Limits& limits)
      : out_(out), local_(local), partner_(partner), limits_(limits) {}

  Result<Ok> run(MimeEntity entity) {
    for (std::size_t layer = 0; layer < limits_.mime.max_depth; ++layer) {
      const std::string type = entity.content_type();
      if (type == "application/pkcs7-mime" || type == "application/x-pkcs7-mime") {
        auto next = open_pkcs7_mime(entity);
        if (!next) return next.error();
        entity = std::move(*next);
      } else if (type == "multipart/signed") {
        auto next = check_signature(entity);
        if (!next) return next.error();
        entity = std::move(*next);
      } else {
        return take_payload(entity);
      }
    }
    return Error{ErrorCode::limit_exceeded, "too many security layers"};
  }

 private:
  Result<MimeEntity> open_pkcs7_mime(const MimeEntity& entity) {
    const std::string smime_type = lower(header_param(entity.header("Content-Type"), "smime-type"));
    auto der = entity.decoded_body();
    if (!der) return der.error();
    if (smime_type == "compressed-data") {
      // Encryption is always the outer layer when there is one: compressed data met before it
      // is a message the policy refuses anyway, and inflating it first would let anyone who
      // names the partner spend our memory and CPU on a decompression bomb.
      if (partner_.require_encrypted && !out_.was_encrypted)
        return Error{ErrorCode::insufficient_security,
                     "partner policy requires encryption: compressed data outside it is not "
                     "opened"};
      auto content = decompress_cms(*der, limits_.max_decompressed_bytes);
      if (!content) return content.error();
      out_.was_compressed = true;
      return reparse(*content, ErrorCode::decompression_failed);
    }
    if (out_.was_encrypted) return Error{ErrorCode::bad_input, "message is encrypted twice"};
    auto plain = decrypt(*der, local_.decryption_keys(), limits_.max_recipients);
    if (!plain) return plain.error();
    out_.was_encrypted = true;
    out_.authenticated_encryption = plain->authenticated;
    out_.content_cipher = plain->cipher;
    if (!partner_.accept_ciphers.empty()) {
      const auto cipher = cipher_from_openssl_name(plain->cipher);
      if (!cipher || std::find(partner_.accept_ciphers.begin(), partner_.accept_ciphers.end(),
                               *cipher) == partner_.accept_ciphers.end())
        return Error{ErrorCode::insufficient_security,
                     "content encrypted with " + plain->cipher +
                         ", which this partner's policy does not accept"};
    }
    return reparse(plain->content, ErrorCode::decryption_failed);
  }

  Result<MimeEntity> reparse(std::string_view bytes, ErrorCode on_failure) {
    auto entity = parse_mime(bytes, limits_.mime);
    if (!entity)
      return Error{
          entity.error().code == ErrorCode::limit_exceeded ? ErrorCode::limit_exceeded : on_failure,
          "unwrapped content is not a MIME entity: " + entity.error().message};
    return entity;
  }

  // Takes the signed part out of `entity` (the caller replaces it with the result).
  Result<MimeEntity> check_signature(MimeEntity& entity) {
    if (out_.was_signed) return Error{ErrorCode::bad_input, "message is signed twice"};
    auto verified = verify_signed_entity(entity, partner_.certificate);
    if (!verified) return verified.error();
    if (verified->digest == DigestAlgorithm::sha1 && !partner_.accept_sha1_signatures)
      return Error{ErrorCode::insufficient_security,
                   "SHA-1 signatures are not accepted from this partner"};
    if (!partner_.accept_digests.empty() &&
        std::find(partner_.accept_digests.begin(), partner_.accept_digests.end(),
                  verified->digest) == partner_.accept_digests.end())
      return Error{ErrorCode::insufficient_security,
                   "signed with " + std::string(digest_name(verified->digest)) +
                       ", which this partner's policy does not accept"};
    out_.was_signed = true;
    out_.signature_digest = verified->digest;
    out_.signature_had_attributes = verified->had_signed_attributes;
    out_.signer_subject = verified->signer.subject();
    const DigestAlgorithm alg =
        out_.mdn_request.signed_receipt ? out_.mdn_request.micalg : verified->digest;
    out_.mic = compute_mic(entity.parts[0].raw, alg);  // the exact received bytes
    return std::move(entity.parts[0]);
  }

  Result<Ok> take_payload(const MimeEntity& entity) {
    auto payload = entity.decoded_body();
    if (!payload) return payload.error();
    out_.payload = std::move(*payload);
    out_.payload_content_type = std::string(entity.header("Content-Type"));
    if (!out_.was_signed) {
      const bool wrapped = out_.was_encrypted || out_.was_compressed;
      out_.mic = compute_mic(wrapped ? std::string_view(entity.raw) : std::string_view(entity.body),
                             out_.mdn_request.micalg);
    }
    if (partner_.require_encrypted && !out_.was_encrypted)
      return Error{ErrorCode::insufficient_security, "partner policy requires encryption"};
    if (partner_.require_signed && !out_.was_signed)
      return Error{ErrorCode::insufficient_security, "partner policy requires a signature"};
    return Ok{};
  }

  ReceiveOutcome& out_;
  const LocalStation& local_;
  const PartnerProfile& partner_;
  const Limits& limits_;
};

// AS2 ids are 1-128 printable ASCII characters (RFC 4130 6.2).
bool valid_as2_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxAs2IdLength) return false;
  for (char c : id) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

Result<const PartnerProfile*> identify(ReceiveOutcome& out, const Headers& headers,
                                       const LocalStation& local, const PartnerLookup& partners) {
  out.as2_from = unquote(find_header(headers, "AS2-From"));
  out.as2_to = unquote(find_header(headers, "AS2-To"));
  out.message_id = std::string(trim(find_header(headers, "Message-ID")));
  if (!valid_as2_id(out.as2_from) || !valid_as2_id(out.as2_to))
    return Error{ErrorCode::bad_input,
                 "AS2-From and AS2-To must be 1-128 printable ASCII characters"};
  if (out.message_id.size() > kMaxMessageIdLength)
    return Error{ErrorCode::bad_input, "Message-ID longer than 998"};
  if (out.as2_to != local.as2_id)
    return Error{ErrorCode::unknown_partner, "AS2-To " + out.as2_to + " is not us"};
  const PartnerProfile* partner = partners ? partners(out.as2_from) : nullptr;
  if (partner == nullptr)
    return Error{ErrorCode::unknown_partner, "unknown partner " + out.as2_from};
  return partner;
}

// `partner`: when known, its profile may name the identity we sign for it with.
void attach_mdn(ReceiveOutcome& out, const LocalStation& local, const PartnerProfile* partner,
                bool sign_refusal) {
  if (!out.mdn_request.requested) return;
  MdnFields fields;
  fields.original_recipient = out.as2_to.empty() ? local.as2_id : out.as2_to;
  fields.original_message_id = out.message_id;
  if (is_positive(out.disposition)) fields.received_mic = out.mic;
  fields.status = out.disposition;
  const MdnAddressing addressing{local.as2_id, out.as2_from, make_message_id(local.as2_id)};
  const Identity& signer = partner != nullptr ? partner->signer(local) : local.identity;
  const bool sign = out.mdn_request.signed_receipt && signer.key &&
                    (sign_refusal || is_positive(out.disposition) || out.was_signed);
  auto mdn = build_mdn(fields, addressing, sign ? &signer : nullptr, out.mdn_request.micalg);
  if (mdn) out.mdn = std::move(*mdn);
}

}  // namespace

DigestAlgorithm mdn_digest(const MdnRequest& request, bool allow_sha1) {
  // "optional, sha1, sha-256": skip the importance token, take the first algorithm we support
  // and may use; SHA-1 only for a partner whose profile allows it (else the next one listed,
  // or SHA-256: the MIC says which, and senders check the MIC by the algorithm it names).
  return first_supported_micalg(request.micalg_offered, allow_sha1)
      .value_or(DigestAlgorithm::sha256);
}

MdnRequest read_mdn_request(const Headers& headers) {
  MdnRequest r;
  r.notification_to = std::string(find_header(headers, "Disposition-Notification-To"));
  r.requested = !r.notification_to.empty();
  r.async_url = std::string(trim(find_header(headers, "Receipt-Delivery-Option")));
  const std::string_view options = find_header(headers, "Disposition-Notification-Options");
  r.micalg_offered = header_param("x;" + std::string(options), "signed-receipt-micalg");
  r.signed_receipt = lower(options).find("pkcs7-signature") != std::string::npos;
  r.micalg = mdn_digest(r, false);  // until a partner's profile allows SHA-1
  return r;
}

ReceiveOutcome receive(const Headers& headers, std::string_view body, const LocalStation& local,
                       const PartnerLookup& partners, const Limits& limits) {
  ReceiveOutcome out;
  out.mdn_request = read_mdn_request(headers);
  const PartnerProfile* known = nullptr;
  auto fail = [&](const Error& e) {
    out.disposition = disposition_for(e.code);
    out.error = e.message;
    out.payload.clear();
    attach_mdn(out, local, known, limits.sign_refusals);
    return out;
  };
  if (body.size() > limits.max_message_bytes)
    return fail({ErrorCode::limit_exceeded, "message too large"});
  auto partner = identify(out, headers, local, partners);
  if (!partner) return fail(partner.error());
  known = *partner;
  out.mdn_request.micalg = mdn_digest(out.mdn_request, (*partner)->accept_sha1_signatures);
  // RFC 4130 5.3.3: every message has one. Without it a retry cannot be told from a new
  // message, and the MDN could not say which message it answers. Refused once the partner is
  // known, so that its refusal is signed as its profile says.
  if (out.message_id.empty() || out.message_id == "<>") {  // trimmed by identify()
    return fail({ErrorCode::bad_input, "the message has no Message-ID"});
  }
  auto entity = parse_mime(headers, body, limits.mime);
  if (!entity) return fail(entity.error());
  Unwrapper unwrapper(out, local, **partner, limits);
  auto done = unwrapper.run(std::move(*entity));
  if (!done) return fail(done.error());
  attach_mdn(out, local, known, limits.sign_refusals);
  return out;
}

}  // namespace edigate::as2
