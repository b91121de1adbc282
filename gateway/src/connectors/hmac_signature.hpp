// The request signature the HTTP connector sends with auth = hmac, so an ERP can check that a
// document comes from this gateway and was not altered or replayed later:
//
//   X-Edigate-Timestamp: <unix seconds, decimal>
//   X-Edigate-Signature: sha256=<lowercase hex of HMAC-SHA256(secret, timestamp + "." + body)>
//
// (<hmac header="..." algorithm="sha384|sha512">: another header name, and "sha384=" or
// "sha512=" with that HMAC.)
// body is the exact bytes of the POSTed JSON. The ERP recomputes it with the shared secret,
// compares in constant time and rejects timestamps too far from its clock (e.g. ±5 minutes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace edigate::gateway::connectors {

// Lowercase hex of HMAC(key, message) with `algorithm` ("sha256", "sha384" or "sha512"; empty
// for anything else).
std::string hmac_hex(std::string_view algorithm, std::string_view key, std::string_view message);
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// The signature header's value, "<algorithm>=<hex>" ("sha256=<hex>" by default).
std::string edigate_signature(std::string_view secret, std::int64_t unix_seconds,
                              std::string_view body, std::string_view algorithm = "sha256");

}  // namespace edigate::gateway::connectors
