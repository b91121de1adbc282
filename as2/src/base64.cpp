#include "edigate/as2/base64.hpp"

#include <openssl/evp.h>

namespace edigate::as2 {

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string base64_mime(std::string_view bytes) {
  constexpr std::size_t kLine = 64;
  const std::string flat = base64_encode(bytes);
  std::string out;
  out.reserve(flat.size() + (flat.size() / kLine + 1) * 2);
  for (std::size_t i = 0; i < flat.size(); i += kLine) {
    out.append(flat, i, kLine);
    out.append("\r\n");
  }
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n' && c != ' ' && c != '\t') clean.push_back(c);
  }
  if (clean.size() % 4 != 0)
    return Error{ErrorCode::bad_input, "base64 length not a multiple of 4"};
  std::string out(clean.size() / 4 * 3 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return Error{ErrorCode::bad_input, "invalid base64"};
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  if (!clean.empty() && clean.back() == '=') --size;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

}  // namespace edigate::as2
