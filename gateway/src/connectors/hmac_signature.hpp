// The request signature the HTTP connector sends with auth = hmac, so an ERP can check that a
// document comes from this gateway and was not altered or replayed later:
//
//   X-Edigate-Timestamp: <unix seconds, decimal>
//   X-Edigate-Signature: sha256=<lowercase hex of HMAC-SHA256(secret, timestamp + "." + body)>
//
// body is the exact bytes of the POSTed JSON. The ERP recomputes it with the shared secret,
// compares in constant time and rejects timestamps too far from its clock (e.g. ±5 minutes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edigate::gateway::connectors {

std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The X-Edigate-Signature header value, "sha256=<hex>".
std::string edigate_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body);

}  // namespace edigate::gateway::connectors
