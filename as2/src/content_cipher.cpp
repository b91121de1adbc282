#include "content_cipher.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <memory>

#include "ber.hpp"

namespace edigate::as2 {

std::string content_cipher_name(std::string_view der) {
  using namespace ber;
  Cursor c = cursor_over(der);
  // ContentInfo { contentType, [0] { (Auth)EnvelopedData { version, [0] originatorInfo?,
  // recipientInfos,
  //   (Auth)EncryptedContentInfo { contentType, AlgorithmIdentifier { algorithm OID ... } } } } }
  if (!enter(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) || !skip_element(c) ||
      !enter(c, 0, V_ASN1_CONTEXT_SPECIFIC) || !enter(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) ||
      !skip_element(c))
    return {};
  Cursor peek = c;
  Element next;
  if (read_header(peek, next) && next.cls == V_ASN1_CONTEXT_SPECIFIC && next.tag == 0 &&
      !skip_element(c))
    return {};
  if (!skip_element(c) || !enter(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL) || !skip_element(c) ||
      !enter(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL))
    return {};
  Element oid;
  if (!read_header(c, oid) || oid.tag != V_ASN1_OBJECT || oid.length > c.end - c.p) return {};
  const unsigned char* p = oid.start;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(
      d2i_ASN1_OBJECT(nullptr, &p, (c.p - oid.start) + oid.length), ASN1_OBJECT_free);
  if (!obj) return {};
  const int nid = OBJ_obj2nid(obj.get());
  return nid == NID_undef ? std::string() : std::string(OBJ_nid2sn(nid));
}

}  // namespace edigate::as2
