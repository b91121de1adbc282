#include "ber.hpp"

#include <openssl/asn1.h>

namespace edigate::as2::ber {
namespace {

constexpr int kMaxSkipDepth = 16;  // BER nesting we follow when skipping an element

bool skip_content_at(Cursor& c, const Element& e, int depth) {
  if (!e.indefinite) {
    if (e.length > c.end - c.p) return false;
    c.p += e.length;
    return true;
  }
  if (depth > kMaxSkipDepth) return false;
  while (!at_end_of_contents(c)) {
    Element child;
    if (!read_header(c, child) || !skip_content_at(c, child, depth + 1)) return false;
  }
  c.p += 2;
  return true;
}

}  // namespace

bool read_header(Cursor& c, Element& e) {
  if (c.p >= c.end) return false;
  const unsigned char* p = c.p;
  const int rc = ASN1_get_object(&p, &e.length, &e.tag, &e.cls, c.end - c.p);
  if (rc & 0x80) return false;
  e.constructed = (rc & V_ASN1_CONSTRUCTED) != 0;
  e.indefinite = (rc & 1) != 0;
  e.start = c.p;
  e.content = p;
  c.p = p;
  return true;
}

bool at_end_of_contents(const Cursor& c) { return c.end - c.p >= 2 && c.p[0] == 0 && c.p[1] == 0; }

bool skip_content(Cursor& c, const Element& e) { return skip_content_at(c, e, 0); }

bool skip_element(Cursor& c) {
  Element e;
  return read_header(c, e) && skip_content(c, e);
}

bool enter(Cursor& c, int tag, int cls) {
  Element e;
  return read_header(c, e) && e.constructed && e.tag == tag && e.cls == cls;
}

}  // namespace edigate::as2::ber
