// The CPU step of the pipeline: a received EDI payload in, per transaction set the canonical
// document (or why there is none) and the acknowledgements out. Pure: no store, no network;
// the job that runs it persists what it returns.
//
//   ProcessOptions options;  options.ack_type = edi::AckType::automatic;  options.numbers = &cn;
//   ProcessResult r = process_edi(payload, partner_maps, options);
//   for (const ProcessedSet& s : r.sets) if (s.accepted) route(s.document_type, s.json);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/ack.hpp"
#include "edigate/edi/mapping.hpp"

namespace edigate::gateway {

struct ProcessedSet {
  std::size_t index = 0;        // 0-based, in file order
  std::size_t interchange = 0;  // its interchange: an index into ProcessResult::interchanges
  std::string document_type;    // canonical type ("purchase_order"); empty when no map
  edi::Standard standard = edi::Standard::x12;
  std::string transaction;  // "850", "ORDERS"
  std::string version;      // "004010", "D96A"
  std::string sender_qualifier, sender_id;
  std::string interchange_control, group_control, set_control;
  bool accepted = false;  // no errors: validated and, with a map, mapped
  // Why the set is not taken although it has no error of its own: the acknowledgement rejects
  // its whole group or interchange ("its group 101 is rejected: ..."); empty otherwise.
  std::string envelope_rejected;
  std::string json;  // the canonical document when accepted and mapped
  std::vector<edi::Problem> problems;
};

struct ProcessedInterchange {
  edi::Standard standard = edi::Standard::x12;
  std::string sender_qualifier, sender_id, receiver_qualifier, receiver_id;
  std::string control_number;
  bool test = false;
};

struct ProcessOptions {
  bool send_acks = true;
  edi::AckType ack_type = edi::AckType::automatic;
  std::string ack_date, ack_time;  // CCYYMMDD, HHMM (UTC); empty: now
  // With numbers, process_edi builds the acknowledgements; without, the caller builds them
  // later with build_process_acks (the daemon does, inside the transaction that records them,
  // so the numbers it takes commit with the acknowledgements).
  edi::ControlNumberAllocator* numbers = nullptr;
  std::string received_at;  // envelope.received_at of the documents
  std::string message_id;   // envelope.message_id
  std::string partner_id;   // envelope.partner (the gateway's partner id)
  edi::Limits limits;
};

struct ProcessResult {
  std::vector<ProcessedSet> sets;
  std::vector<ProcessedInterchange> interchanges;
  std::vector<edi::Problem> problems;  // outside any set (envelopes, unreadable bytes)
  std::vector<edi::BuiltAck> acks;     // one per interchange acknowledged (options.numbers)
  std::vector<edi::ReceivedInterchange> to_acknowledge;  // what acks are built from (send_acks)
  std::uint64_t errors = 0;                              // every error, sets included
  bool readable() const { return !interchanges.empty(); }
};

// Who may send a partner's interchanges, and to whom: X12 ISA05/ISA06 and ISA07/ISA08, EDIFACT
// UNB 0004/0007 and 0010/0007. An empty id is not checked; an empty qualifier neither.
struct ExpectedParties {
  struct Party {
    std::string qualifier, id;
  };
  Party x12_sender, x12_receiver, edifact_sender, edifact_receiver;
};

// Why an interchange with this envelope is not the partner's to send, or not addressed to us
// ("interchange sender ZZ:OTHER is not this partner's (08:6111470100)"); empty when it is.
std::string party_mismatch(edi::Standard standard, const ProcessedInterchange& interchange,
                           const ExpectedParties& expected);
// The same for an envelope as the acknowledgement collector keeps it.
std::string party_mismatch(const edi::InterchangeHeader& header, const ExpectedParties& expected);

// The errors of an interchange read back with process_edi (one we rendered, as the partner's
// translator will read it): the envelopes' as they are, a set's as "set 1 (ORDERS): ...".
std::vector<std::string> readback_errors(const ProcessResult& result);

ProcessResult process_edi(std::string_view payload, const edi::mapping::Partner& partner,
                          const ProcessOptions& options);

// The acknowledgements of a processed payload (empty when options.send_acks is off or nothing
// was readable), numbered from `numbers`.
std::vector<edi::BuiltAck> build_process_acks(const ProcessResult& result,
                                              const ProcessOptions& options,
                                              edi::ControlNumberAllocator& numbers);

}  // namespace edigate::gateway
