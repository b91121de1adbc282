// Sending a packed AS2 message over HTTP(S) with libcurl, reading a synchronous MDN, and the
// retry rules: a retry reuses the Message-ID (the same PackedMessage) with exponential backoff
// and jitter; no retry on 400/401/403/404 or on a signed negative MDN.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "edigate/as2/mdn.hpp"
#include "edigate/as2/pack.hpp"
#include "edigate/as2/partner.hpp"

namespace edigate::as2 {

inline constexpr std::size_t kDefaultMaxResponseBytes = 1024 * 1024;  // an MDN is small

struct SendOptions {
  std::string url;
  int max_attempts = 5;
  std::chrono::milliseconds first_backoff{2000};
  std::chrono::milliseconds max_backoff{5 * 60 * 1000};
  long timeout_seconds = 120;
  std::size_t max_response_bytes = kDefaultMaxResponseBytes;
  std::string ca_file;  // empty: system trust store
  // A client certificate for partners whose HTTPS endpoint asks for one (PEM files).
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_key_passphrase;  // for an encrypted client_key_file
  // Injected so tests (and the gateway's scheduler) control waiting.
  std::function<void(std::chrono::milliseconds)> sleep;
};

enum class SendStatus : unsigned char {
  delivered,  // 2xx and (sync) a positive MDN whose MIC matches, or (async) accepted
  rejected,   // final: 400/401/403/404, a signed negative MDN, a MIC mismatch, a bad MDN
  gave_up,    // retryable failures until max_attempts
};

struct SendOutcome {
  SendStatus status = SendStatus::gave_up;
  int attempts = 0;
  long http_status = 0;  // of the last attempt; 0 when no HTTP answer
  std::optional<ParsedMdn> mdn;
  // The synchronous MDN exactly as it came (last attempt), also when it did not verify: kept
  // as the partner's receipt (non-repudiation) or as evidence of what went wrong.
  std::optional<HttpMessage> mdn_http;
  std::string error;  // why it was not delivered (last attempt)
};

// Posts `message` to options.url. A synchronous MDN is verified with partner.certificate and its
// Received-Content-MIC compared with message.expected_mic.
SendOutcome send(const PackedMessage& message, const PartnerProfile& partner,
                 const SendOptions& options);

// Posts an MDN to the sender's Receipt-Delivery-Option URL (async MDN) with the same retry
// rules; any 2xx is success.
SendOutcome send_async_mdn(const HttpMessage& mdn, const SendOptions& options);

// Checks an MDN that arrived later (async) or separately against what we sent: the
// Original-Message-ID, a positive disposition and the Received-Content-MIC.
Result<Ok> match_mdn(const ParsedMdn& mdn, const PackedMessage& sent);

// The wait before attempt `attempt` (2, 3, ...): first_backoff * 2^(attempt-2), capped, with
// up to 25% random jitter subtracted so that many senders do not retry in step.
std::chrono::milliseconds backoff_delay(const SendOptions& options, int attempt);

}  // namespace edigate::as2
