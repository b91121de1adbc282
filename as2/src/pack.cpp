#include "edigate/as2/pack.hpp"

#include <openssl/rand.h>

#include "edigate/as2/compression.hpp"
#include "signed_entity.hpp"

namespace edigate::as2 {
namespace {

Result<std::string> compressed_entity(std::string_view entity) {
  auto der = compress_cms(entity);
  if (!der) return der.error();
  return build_entity(
      {{"Content-Type", "application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z"},
       {"Content-Transfer-Encoding", "binary"},
       {"Content-Disposition", "attachment; filename=smime.p7z"}},
      *der);
}

Result<std::string> encrypted_entity(std::string_view entity, const PartnerProfile& partner) {
  auto der = encrypt(entity, partner.certificate, partner.encrypt);
  if (!der) return der.error();
  return build_entity(
      {{"Content-Type", "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m"},
       {"Content-Transfer-Encoding", "binary"},
       {"Content-Disposition", "attachment; filename=smime.p7m"}},
      *der);
}

std::string mdn_options(const MdnRequest& mdn) {
  return "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, " +
         std::string(digest_name(mdn.micalg));
}

void add_as2_headers(Headers& h, const PackRequest& request, const LocalStation& local,
                     const PartnerProfile& partner, const std::string& message_id) {
  Headers as2{{"AS2-Version", "1.2"},     {"AS2-From", local.as2_id}, {"AS2-To", partner.as2_id},
              {"Message-ID", message_id}, {"MIME-Version", "1.0"},    {"Subject", request.subject}};
  if (request.mdn.requested) {
    as2.push_back({"Disposition-Notification-To", request.mdn.notification_to});
    if (request.mdn.signed_receipt)
      as2.push_back({"Disposition-Notification-Options", mdn_options(request.mdn)});
    if (!request.mdn.async_url.empty())
      as2.push_back({"Receipt-Delivery-Option", request.mdn.async_url});
  }
  h.insert(h.begin(), as2.begin(), as2.end());
}

// As2 ids with spaces are quoted in AS2-From/AS2-To (RFC 4130 section 6.2).
std::string quoted_id(const std::string& id) {
  return id.find(' ') == std::string::npos ? id : "\"" + id + "\"";
}

}  // namespace

std::string make_message_id(std::string_view as2_from) {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) return "<edigate@" + std::string(as2_from) + ">";
  static constexpr char hex[] = "0123456789abcdef";
  std::string id = "<";
  for (unsigned char b : random) {
    id.push_back(hex[b >> 4]);
    id.push_back(hex[b & 15]);
  }
  std::string host;
  for (char c : as2_from) host.push_back(c == ' ' || c == '<' || c == '>' ? '_' : c);
  return id + "@" + host + ">";
}

Result<PackedMessage> pack(const PackRequest& request, const LocalStation& local,
                           const PartnerProfile& partner) {
  std::string entity = build_entity(
      {{"Content-Type", request.content_type}, {"Content-Transfer-Encoding", "binary"}},
      request.payload);
  // Unsigned: MIC over the content alone, or over the entity when it is encrypted/compressed.
  const bool wrapped = partner.encrypt_outbound || partner.compression != Compression::none;
  Mic mic = compute_mic(wrapped ? std::string_view(entity) : request.payload, request.mdn.micalg);
  const bool compress_first =
      partner.compression == Compression::before_signing ||
      (partner.compression == Compression::after_signing && !partner.sign_outbound);
  if (compress_first) {
    auto c = compressed_entity(entity);
    if (!c) return c.error();
    entity = std::move(*c);
  }
  if (partner.sign_outbound) {
    mic = compute_mic(entity, request.mdn.micalg);  // over the exact bytes we sign
    auto s = build_signed_entity(entity, partner.signer(local), partner.sign);
    if (!s) return s.error();
    entity = build_entity(s->headers, s->body);
  }
  if (partner.sign_outbound && partner.compression == Compression::after_signing) {
    auto c = compressed_entity(entity);
    if (!c) return c.error();
    entity = std::move(*c);
  }
  if (partner.encrypt_outbound) {
    auto e = encrypted_entity(entity, partner);
    if (!e) return e.error();
    entity = std::move(*e);
  }
  auto split = split_headers(entity);
  if (!split) return split.error();
  PackedMessage out;
  out.message_id = request.message_id.empty() ? make_message_id(local.as2_id) : request.message_id;
  out.http.headers = std::move(split->first);
  out.http.body = std::move(split->second);
  add_as2_headers(out.http.headers, request, local, partner, out.message_id);
  for (Header& h : out.http.headers) {
    if (h.name == "AS2-From" || h.name == "AS2-To") h.value = quoted_id(h.value);
  }
  out.expected_mic = std::move(mic);
  return out;
}

}  // namespace edigate::as2
