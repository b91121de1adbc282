#include "edigate/as2/mdn.hpp"
#include "signed_entity.hpp"
#include "text.hpp"

namespace edigate::as2 {
namespace {

// Strips an optional "rfc822;" address type (some products omit it).
std::string address_value(std::string_view v) {
  const std::size_t semi = v.find(';');
  return std::string(trim(semi == std::string_view::npos ? v : v.substr(semi + 1)));
}

// The disposition after "action-mode/sending-mode;" — lenient about spacing and case.
std::string disposition_value(std::string_view v) {
  const std::size_t semi = v.find(';');
  return std::string(trim(semi == std::string_view::npos ? v : v.substr(semi + 1)));
}

Result<ParsedMdn> read_notification(const MimeEntity& notification) {
  auto body = notification.decoded_body();
  if (!body) return body.error();
  // The notification body is a header block of its own; tolerate a missing final blank line.
  auto fields = split_headers(*body + "\r\n\r\n");
  if (!fields) return fields.error();
  const Headers& h = fields->first;
  ParsedMdn mdn;
  mdn.disposition = disposition_value(find_header(h, "Disposition"));
  if (mdn.disposition.empty()) return Error{ErrorCode::bad_input, "MDN has no Disposition field"};
  mdn.status = parse_disposition(mdn.disposition);
  mdn.original_message_id = std::string(find_header(h, "Original-Message-ID"));
  mdn.final_recipient = address_value(find_header(h, "Final-Recipient"));
  const std::string_view mic = find_header(h, "Received-Content-MIC");
  if (!mic.empty()) mdn.received_mic = parse_mic(mic);
  return mdn;
}

const MimeEntity* find_part(const MimeEntity& entity, std::string_view type) {
  if (entity.content_type() == type) return &entity;
  for (const MimeEntity& part : entity.parts) {
    if (const MimeEntity* found = find_part(part, type)) return found;
  }
  return nullptr;
}

}  // namespace

Result<ParsedMdn> parse_mdn(const Headers& headers, std::string_view body,
                            const Certificate* partner, const MimeLimits& limits) {
  auto entity = parse_mime(headers, body, limits);
  if (!entity) return entity.error();
  bool signed_mdn = false;
  if (entity->content_type() == "multipart/signed") {
    if (partner == nullptr)
      return Error{ErrorCode::authentication_failed, "signed MDN but no partner certificate"};
    auto verified = verify_signed_entity(*entity, *partner);
    if (!verified) return verified.error();
    signed_mdn = true;
  }
  const MimeEntity* notification = find_part(*entity, "message/disposition-notification");
  if (notification == nullptr)
    return Error{ErrorCode::bad_input, "no message/disposition-notification part"};
  auto mdn = read_notification(*notification);
  if (!mdn) return mdn.error();
  mdn->signed_mdn = signed_mdn;
  // The text is for people: an encoding we cannot undo leaves it as received, not an error.
  if (const MimeEntity* text = find_part(*entity, "text/plain")) {
    auto decoded = text->decoded_body();
    mdn->explanation = decoded ? std::move(*decoded) : text->body;
  }
  return mdn;
}

}  // namespace edigate::as2
