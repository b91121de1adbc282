#include "content_cipher.hpp"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <memory>

namespace edigate::as2 {
namespace {

constexpr int kMaxSkipDepth = 16;  // BER nesting we follow when skipping an element

// A bounded cursor over BER.
struct Cursor {
  const unsigned char* p;
  const unsigned char* end;
};

struct Element {
  int tag = 0, cls = 0;
  bool constructed = false, indefinite = false;
  const unsigned char* content = nullptr;
  long length = 0;
};

bool read_header(Cursor& c, Element& e) {
  if (c.p >= c.end) return false;
  const unsigned char* p = c.p;
  const int rc = ASN1_get_object(&p, &e.length, &e.tag, &e.cls, c.end - c.p);
  if (rc & 0x80) return false;
  e.constructed = (rc & V_ASN1_CONSTRUCTED) != 0;
  e.indefinite = (rc & 1) != 0;
  e.content = p;
  c.p = p;
  return true;
}

bool at_end_of_contents(const Cursor& c) { return c.end - c.p >= 2 && c.p[0] == 0 && c.p[1] == 0; }

// Moves past the element whose header was just read.
bool skip_content(Cursor& c, const Element& e, int depth) {
  if (!e.indefinite) {
    if (e.length > c.end - c.p) return false;
    c.p += e.length;
    return true;
  }
  if (depth > kMaxSkipDepth) return false;
  while (!at_end_of_contents(c)) {
    Element child;
    if (!read_header(c, child) || !skip_content(c, child, depth + 1)) return false;
  }
  c.p += 2;
  return true;
}

bool skip_element(Cursor& c) {
  Element e;
  return read_header(c, e) && skip_content(c, e, 0);
}

bool enter(Cursor& c, int tag, int cls) {
  Element e;
  return read_header(c, e) && e.constructed && e.tag == tag && e.cls == cls;
}

}  // namespace

std::string content_cipher_name(std::string_view der) {
  Cursor c{reinterpret_cast<const unsigned char*>(der.data()),
           reinterpret_cast<const unsigned char*>(der.data()) + der.size()};
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
  const unsigned char* start = c.p;
  if (!read_header(c, oid) || oid.tag != V_ASN1_OBJECT || oid.length > c.end - c.p) return {};
  const unsigned char* p = start;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(
      d2i_ASN1_OBJECT(nullptr, &p, (c.p - start) + oid.length), ASN1_OBJECT_free);
  if (!obj) return {};
  const int nid = OBJ_obj2nid(obj.get());
  return nid == NID_undef ? std::string() : std::string(OBJ_nid2sn(nid));
}

}  // namespace edigate::as2
