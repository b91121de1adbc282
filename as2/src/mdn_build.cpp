#include "edigate/as2/mdn.hpp"
#include "signed_entity.hpp"

namespace edigate::as2 {
namespace {

std::string notification_fields(const MdnFields& f) {
  std::string out;
  out += "Reporting-UA: " + f.reporting_ua + "\r\n";
  out += "Original-Recipient: rfc822; " + f.original_recipient + "\r\n";
  out += "Final-Recipient: rfc822; " + f.original_recipient + "\r\n";
  out += "Original-Message-ID: " + f.original_message_id + "\r\n";
  if (f.received_mic) out += "Received-Content-MIC: " + f.received_mic->to_string() + "\r\n";
  out += "Disposition: automatic-action/MDN-sent-automatically; " +
         std::string(disposition_text(f.status)) + "\r\n";
  return out;
}

std::string default_explanation(const MdnFields& f) {
  if (!f.explanation.empty()) return f.explanation;
  if (is_positive(f.status))
    return "The message " + f.original_message_id + " was received and processed.";
  return "The message " + f.original_message_id +
         " could not be processed: " + std::string(disposition_text(f.status)) + ".";
}

// The multipart/report entity (headers + body), exact bytes.
std::string report_entity(const MdnFields& fields) {
  const std::string boundary = make_boundary();
  const std::string text = build_entity(
      {{"Content-Type", "text/plain; charset=us-ascii"}, {"Content-Transfer-Encoding", "7bit"}},
      default_explanation(fields) + "\r\n");
  const std::string notification = build_entity(
      {{"Content-Type", "message/disposition-notification"}, {"Content-Transfer-Encoding", "7bit"}},
      notification_fields(fields));
  return build_entity(
      {{"Content-Type",
        "multipart/report; report-type=disposition-notification; boundary=\"" + boundary + "\""}},
      build_multipart_body({text, notification}, boundary));
}

}  // namespace

Result<HttpMessage> build_mdn(const MdnFields& fields, const MdnAddressing& addressing,
                              const Identity* signer, DigestAlgorithm digest) {
  const std::string report = report_entity(fields);
  HttpMessage out;
  if (signer != nullptr) {
    SignOptions options;
    options.digest = digest;
    options.allow_sha1 = true;  // the partner asked for this micalg; answering in kind is allowed
    auto signed_entity = build_signed_entity(report, *signer, options);
    if (!signed_entity) return signed_entity.error();
    out = std::move(*signed_entity);
  } else {
    auto split = split_headers(report);
    if (!split) return split.error();
    out.headers = std::move(split->first);
    out.body = std::move(split->second);
  }
  out.headers.insert(out.headers.begin(), {{"AS2-Version", "1.2"},
                                           {"AS2-From", addressing.from},
                                           {"AS2-To", addressing.to},
                                           {"Message-ID", addressing.message_id},
                                           {"MIME-Version", "1.0"}});
  return out;
}

}  // namespace edigate::as2
