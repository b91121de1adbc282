#include "signed_entity.hpp"

#include "edigate/as2/base64.hpp"
#include "text.hpp"

namespace edigate::as2 {

Result<HttpMessage> build_signed_entity(std::string_view content_entity, const Identity& signer,
                                        const SignOptions& options) {
  auto signature = sign_detached(content_entity, signer, options);
  if (!signature) return signature.error();
  // The signature in base64, as S/MIME tools write and read it (`openssl cms -verify -inform
  // SMIME`, and partners' translators that expect it): RFC 4130 allows binary, but base64 is
  // what every implementation takes. It is outside what the MIC covers.
  const std::string sig_part =
      build_entity({{"Content-Type", "application/pkcs7-signature; name=smime.p7s"},
                    {"Content-Transfer-Encoding", "base64"},
                    {"Content-Disposition", "attachment; filename=smime.p7s"}},
                   base64_mime(*signature));
  const std::string boundary = make_boundary();
  HttpMessage out;
  out.headers.push_back(
      {"Content-Type", "multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=" +
                           std::string(digest_name(options.digest)) + "; boundary=\"" + boundary +
                           "\""});
  out.body = build_multipart_body({std::string(content_entity), sig_part}, boundary);
  return out;
}

Result<VerifiedSignature> verify_signed_entity(const MimeEntity& entity,
                                               const Certificate& partner) {
  if (entity.parts.size() != 2)
    return Error{ErrorCode::authentication_failed, "multipart/signed must have two parts"};
  const std::string sig_type = entity.parts[1].content_type();
  if (sig_type != "application/pkcs7-signature" && sig_type != "application/x-pkcs7-signature")
    return Error{ErrorCode::authentication_failed,
                 "second part of multipart/signed is " + sig_type};
  auto signature = entity.parts[1].decoded_body();
  if (!signature) return Error{ErrorCode::authentication_failed, signature.error().message};
  return verify_detached(*signature, entity.parts[0].raw, partner);
}

}  // namespace edigate::as2
