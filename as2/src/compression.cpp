#include "edigate/as2/compression.hpp"

#include <openssl/objects.h>
#include <zlib.h>

#include "ossl.hpp"

namespace edigate::as2 {
namespace {

// DER tag-length prefix for a value of `size` bytes.
std::string der_header(unsigned char tag, std::size_t size) {
  std::string out(1, static_cast<char>(tag));
  if (size < 0x80) {
    out.push_back(static_cast<char>(size));
    return out;
  }
  std::string len;
  for (std::size_t n = size; n > 0; n >>= 8) len.insert(len.begin(), static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(0x80 | len.size()));
  return out + len;
}

std::string der(unsigned char tag, std::string_view value) {
  return der_header(tag, value.size()) + std::string(value);
}

// Encoded OIDs (tag 06 included).
constexpr std::string_view kOidCompressedData{
    "\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x09", 13};
constexpr std::string_view kOidZlib{"\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x03\x08", 13};
constexpr std::string_view kOidData{"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", 11};

Result<std::string> zlib_deflate(std::string_view content) {
  uLongf size = compressBound(static_cast<uLong>(content.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                reinterpret_cast<const Bytef*>(content.data()), static_cast<uLong>(content.size()),
                Z_DEFAULT_COMPRESSION) != Z_OK)
    return Error{ErrorCode::crypto_error, "zlib compression failed"};
  out.resize(size);
  return out;
}

Result<std::string> zlib_inflate(std::string_view stream, std::size_t max_bytes) {
  const Error broken{ErrorCode::decompression_failed, "broken zlib stream"};
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return broken;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.data()));
  z.avail_in = static_cast<uInt>(stream.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof chunk;
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof chunk - z.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&z);
      return Error{ErrorCode::decompression_failed, "decompressed size exceeds the limit of " +
                                                        std::to_string(max_bytes) + " bytes"};
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return broken;
  return out;
}

}  // namespace

Result<std::string> compress_cms(std::string_view content) {
  auto stream = zlib_deflate(content);
  if (!stream) return stream.error();
  const std::string algorithm = der(0x30, kOidZlib);  // parameters absent (RFC 3274)
  const std::string encap = der(0x30, std::string(kOidData) + der(0xa0, der(0x04, *stream)));
  const std::string compressed =
      der(0x30, der(0x02, std::string_view("\x00", 1)) + algorithm + encap);
  return der(0x30, std::string(kOidCompressedData) + der(0xa0, compressed));
}

Result<std::string> decompress_cms(std::string_view bytes, std::size_t max_bytes) {
  Bio in = memory_bio(bytes);
  Cms cms(d2i_CMS_bio(in.get(), nullptr));  // OpenSSL's ASN.1 parser reads DER and BER
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_id_smime_ct_compressedData) {
    ERR_clear_error();
    return Error{ErrorCode::decompression_failed, "not CMS CompressedData"};
  }
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  if (content == nullptr || *content == nullptr)
    return Error{ErrorCode::decompression_failed, "CompressedData without content"};
  const std::string_view stream(reinterpret_cast<const char*>(ASN1_STRING_get0_data(*content)),
                                static_cast<std::size_t>(ASN1_STRING_length(*content)));
  return zlib_inflate(stream, max_bytes);
}

}  // namespace edigate::as2
