#include "embedded_certs.hpp"

#include <openssl/asn1.h>

#include "ber.hpp"

namespace edigate::as2 {
namespace {

using ber::Cursor;
using ber::Element;

// DER of the signedData content type, 1.2.840.113549.1.7.2.
constexpr std::string_view kSignedDataOid = "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02";

// One enclosing element whose length has to shrink; its identifier is a single octet (checked).
struct Enclosing {
  Element element;
  unsigned char identifier = 0;
};

bool enter_single_octet(Cursor& c, int tag, int cls, Enclosing& out) {
  Element e;
  if (!ber::read_header(c, e) || !e.constructed || e.tag != tag || e.cls != cls ||
      e.content - e.start < 2)
    return false;
  out = {e, *e.start};
  // What follows must lie inside a definite element, as it would for OpenSSL's parser.
  if (!e.indefinite) c.end = e.content + e.length;
  return out.identifier == (cls == V_ASN1_UNIVERSAL ? 0x30 : 0xa0);
}

std::string der_length(std::size_t length) {
  if (length < 0x80) return std::string(1, static_cast<char>(length));
  std::string digits;
  for (; length > 0; length >>= 8) digits.insert(digits.begin(), static_cast<char>(length & 0xff));
  return static_cast<char>(0x80 | digits.size()) + digits;
}

// True when every element of the certificates field (its header just read) equals `pinned`.
bool only_pinned_copies(Cursor& c, const Element& field, std::string_view pinned) {
  const unsigned char* end = field.indefinite ? c.end : field.content + field.length;
  if (end > c.end) return false;
  Cursor inside{c.p, end};
  while (inside.p < end) {
    if (field.indefinite && ber::at_end_of_contents(inside)) {
      inside.p += 2;
      c.p = inside.p;
      return true;
    }
    const unsigned char* begin = inside.p;
    if (!ber::skip_element(inside)) return false;
    const std::string_view cert(reinterpret_cast<const char*>(begin),
                                static_cast<std::size_t>(inside.p - begin));
    if (cert != pinned) return false;
  }
  c.p = inside.p;
  return !field.indefinite;
}

}  // namespace

std::optional<std::string> without_pinned_certificates(std::string_view der,
                                                       std::string_view pinned_der) {
  Cursor c = ber::cursor_over(der);
  Enclosing levels[3];  // ContentInfo, [0] content, SignedData
  if (!enter_single_octet(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, levels[0])) return std::nullopt;
  const auto* oid_at = c.p;
  if (!ber::skip_element(c) ||
      std::string_view(reinterpret_cast<const char*>(oid_at),
                       static_cast<std::size_t>(c.p - oid_at)) != kSignedDataOid ||
      !enter_single_octet(c, 0, V_ASN1_CONTEXT_SPECIFIC, levels[1]) ||
      !enter_single_octet(c, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, levels[2]))
    return std::nullopt;
  // version, digestAlgorithms, encapContentInfo, then certificates [0] IMPLICIT if present.
  for (int i = 0; i < 3; ++i) {
    if (!ber::skip_element(c)) return std::nullopt;
  }
  const unsigned char* cut_begin = c.p;
  Element field;
  if (!ber::read_header(c, field) || field.cls != V_ASN1_CONTEXT_SPECIFIC || field.tag != 0 ||
      !field.constructed || !only_pinned_copies(c, field, pinned_der))
    return std::nullopt;
  const auto* base = reinterpret_cast<const unsigned char*>(der.data());
  const auto offset = [&](const unsigned char* p) { return static_cast<std::size_t>(p - base); };
  // Rebuild the three enclosing headers inside out: each definite length shrinks by what was cut
  // plus however much the headers inside it shrank.
  std::size_t removed = offset(c.p) - offset(cut_begin);
  std::string headers[3];
  for (int i = 2; i >= 0; --i) {
    const Element& e = levels[i].element;
    const std::size_t old_header = offset(e.content) - offset(e.start);
    if (e.indefinite) {
      headers[i] = std::string(der.substr(offset(e.start), old_header));
      continue;
    }
    const std::size_t length = static_cast<std::size_t>(e.length);
    if (removed > length) return std::nullopt;
    headers[i] = static_cast<char>(levels[i].identifier) + der_length(length - removed);
    if (headers[i].size() > old_header) return std::nullopt;  // only a non-DER input could do this
    removed += old_header - headers[i].size();
  }
  std::string out;
  out.reserve(der.size());
  out += headers[0];
  out += der.substr(offset(levels[0].element.content),
                    offset(levels[1].element.start) - offset(levels[0].element.content));
  out += headers[1];
  out += headers[2];
  out += der.substr(offset(levels[2].element.content),
                    offset(cut_begin) - offset(levels[2].element.content));
  out += der.substr(offset(c.p));
  return out;
}

}  // namespace edigate::as2
