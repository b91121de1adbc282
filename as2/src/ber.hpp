// A bounded cursor over DER/BER for the few places that read CMS structure OpenSSL 3.0 does not
// expose. Never reads outside [p, end); indefinite lengths are followed to a fixed depth.
#pragma once

#include <string_view>

namespace edigate::as2::ber {

struct Cursor {
  const unsigned char* p;
  const unsigned char* end;
};

inline Cursor cursor_over(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  return {p, p + bytes.size()};
}

struct Element {
  int tag = 0, cls = 0;
  bool constructed = false, indefinite = false;
  const unsigned char* start = nullptr;    // first identifier octet
  const unsigned char* content = nullptr;  // first content octet
  long length = 0;                         // 0 when indefinite
};

// Reads one identifier + length and leaves the cursor at the content.
bool read_header(Cursor& c, Element& e);

// True at an end-of-contents marker (00 00).
bool at_end_of_contents(const Cursor& c);

// Moves past the content of the element whose header was just read (and its end-of-contents
// marker when the length is indefinite).
bool skip_content(Cursor& c, const Element& e);

// Reads and skips one whole element.
bool skip_element(Cursor& c);

// Reads the header of a constructed element with this tag and class; the cursor is then at its
// content.
bool enter(Cursor& c, int tag, int cls);

}  // namespace edigate::as2::ber
