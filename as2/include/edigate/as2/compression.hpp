// RFC 3274 CMS CompressedData with zlib. Built and parsed here because Debian's OpenSSL has
// no zlib support (CMS_compress/CMS_uncompress fail there).
#pragma once

#include <string>
#include <string_view>

#include "edigate/as2/limits.hpp"
#include "edigate/as2/result.hpp"

namespace edigate::as2 {

// ContentInfo(id-ct-compressedData) around the zlib stream of `content`, DER.
Result<std::string> compress_cms(std::string_view content);

// Parses DER/BER CompressedData and inflates it; more than `max_bytes` of output, a broken
// stream or a structure that is not zlib CompressedData is decompression_failed.
Result<std::string> decompress_cms(std::string_view der,
                                   std::size_t max_bytes = kDefaultMaxDecompressedBytes);

}  // namespace edigate::as2
