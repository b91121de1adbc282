// A partner's acknowledgements of what we sent them, reconciled with our outbound documents.
//
//   edi::AckReport report = edi::read_acks(payload);          // a message from the partner
//   store::Status s = reconcile_acks(store, "acme", report, message_id);   // in its transaction
#pragma once

#include <cstdint>
#include <string>

#include "edigate/edi/ack_reader.hpp"
#include "store/store.hpp"

namespace edigate::gateway::daemon {

// The outbound documents to `partner` that `report` (read from message `by`) answers for get its
// verdict: the answer to their own set (AK2/AK5, IK5, UCM), or their group's or interchange's
// when it covers every set (997/999 AK9 A or R; CONTRL UCI 7 or 4; a TA1 that rejects the
// interchange; a TA1 that accepts it says nothing of the sets). Statuses: accepted,
// accepted_with_errors, rejected (store::document_status), with the answer and its codes as the
// document's error text. Each message touched is audited as outbound.acknowledged, and becomes
// rejected when any of its documents is, accepted when all are accepted. Call it inside the
// transaction that records the message `by` came in: run again, it writes the same.
store::Status reconcile_acks(store::Store& st, const std::string& partner,
                             const edi::AckReport& report, std::int64_t by);

}  // namespace edigate::gateway::daemon
