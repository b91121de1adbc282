// Asynchronous MDNs for AS2 messages we sent: POST /mdn on a listener that serves `mdn`, the
// URL our edigate.xml gives as <as2 mdn-url> and every async request carries as
// Receipt-Delivery-Option.
//
// A path of its own rather than the AS2 intake recognising multipart/report: the URL is ours to
// choose, an operator can expose MDN receipt on a listener that does not take AS2 messages (or
// the reverse), and the intake's rules (a message is stored and processed, duplicates get their
// stored MDN) are not an MDN's.
//
// What it answers:
//   200  the MDN was stored and its sent message settled (mdn-ok, or mdn-failed with the
//        disposition when it is negative or its MIC is not ours); also for an MDN already
//        recorded, which is not recorded again
//   400  not an MDN (no message/disposition-notification part, malformed MIME)
//   403  AS2-From is no partner of ours, AS2-To is not our AS2 id, the signature is not that
//        partner's certificate, or
//        it is unsigned when their profile asks for signed MDNs
//   404  its Original-Message-ID is none we sent to that partner
//   413  larger than kMaxAsyncMdnBytes
// Every refusal is audited (as2.mdn_refused, as2.mdn_unknown). Runs on the worker pool: it
// verifies signatures and touches the store.
#pragma once

#include <cstddef>

#include "daemon/core.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

namespace edigate::gateway::daemon {

// An MDN is a few kilobytes; this bounds what we parse, verify and keep.
inline constexpr std::size_t kMaxAsyncMdnBytes = 1024 * 1024;

void mdn_receipt(Core& core, http::Request& request, http::Responder& responder);

}  // namespace edigate::gateway::daemon
