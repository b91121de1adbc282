// Acknowledgements of received EDI: TA1, 997 (004010), 999 (005010) and EDIFACT CONTRL.
//
//   edi::AckCollector collector;             // a ValidationListener
//   edi::Validator().run(reader, collector);
//   auto acks = edi::build_acks(collector.interchanges(), options, allocator);
//
// One acknowledgement interchange is built per received interchange, addressed back to its
// sender, with control numbers from the allocator. Every transaction set is reported (not only
// the first error), with the standard codes for each problem (see ack_codes() in problem.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edigate/edi/control_numbers.hpp"
#include "edigate/edi/validator.hpp"

namespace edigate::edi {

enum class AckType : unsigned char {
  automatic,  // X12: 999 for groups of version 005010 and later, 997 before; EDIFACT: CONTRL.
              // X12 also gets a TA1 when ISA14 asks for one or the interchange has errors.
  ta1,
  x997,
  x999,
  contrl,
};

const char* to_string(AckType type);

// What was received, as the acknowledgement needs it (kept small: one record per set).
struct ReceivedSet {
  TransactionHeader header;
  std::vector<Problem> problems;  // errors only
  bool supported = false;
};

struct ReceivedGroup {
  GroupHeader header;
  std::vector<Problem> problems;  // group-level errors
  std::vector<ReceivedSet> sets;
  std::uint64_t declared_sets = 0;  // GE01 / UNE 0060; 0 when the trailer was missing
  bool implied = false;             // EDIFACT messages outside UNG
};

struct ReceivedInterchange {
  InterchangeHeader header;
  std::vector<Problem> problems;  // interchange-level problems (warnings included)
  std::vector<ReceivedGroup> groups;
};

// Collects validation results for building acknowledgements.
class AckCollector final : public ValidationListener {
 public:
  void on_interchange_start(const InterchangeHeader& header) override;
  void on_group_start(const GroupHeader& header) override;
  void on_set_end(const SetResult& set) override;
  void on_group_end(const GroupResult& group) override;
  void on_interchange_end(const InterchangeResult& result) override;
  const std::vector<ReceivedInterchange>& interchanges() const { return done_; }

 private:
  ReceivedInterchange current_;
  std::vector<ReceivedInterchange> done_;
};

struct AckOptions {
  AckType type = AckType::automatic;
  // Timestamp written in the envelopes, UTC: CCYYMMDD and HHMM.
  std::string date;
  std::string time;
  // Report accepted sets too (AK2/AK5 or UCM with action 7), not only the rejected ones.
  bool report_accepted = true;
  // Usage indicator of the ack interchange (ISA15 / UNB 0035); empty: copy the received one.
  std::string usage;
};

struct BuiltAck {
  AckType type = AckType::automatic;  // what was built: ta1 (alone), x997, x999 or contrl
  std::string bytes;                  // the whole acknowledgement interchange
  std::string error;                  // why it could not be written (bytes then empty)
  std::string control_number;         // its ISA13 / UNB 0020
  std::string partner;                // the received interchange's sender id (the addressee)
};

// Whether the acknowledgement rejects a whole group (997/999 AK9 R for a group-level error;
// CONTRL UCF action 4) or a whole interchange (TA1 R; CONTRL UCI action 4): the sets inside
// are then not taken, whatever their own AK5/UCM says, and a receiver that delivers them would
// disagree with it.
bool group_rejected(const ReceivedGroup& group, Standard standard = Standard::x12);
bool interchange_rejected(const ReceivedInterchange& received);
// Whether build_acks with `type` writes the rejection of the whole interchange to its sender
// (a TA1 R, a CONTRL UCI 4): the interchange is rejected, the type answers its standard at
// that level, and it is answered at all (one of acknowledgements only gets a TA1 at most).
bool interchange_rejection_sent(const ReceivedInterchange& received, AckType type);

// Whether a received interchange holds acknowledgements and nothing else: X12 groups that are
// all FA (997, 999) or no group at all (a TA1, or nothing), or EDIFACT messages that are all
// CONTRL. Acknowledgements are not
// acknowledged (X12: no 997/999 for an FA group; ISO 9735: no CONTRL for a CONTRL), so
// build_acks builds none for such an interchange unless a TA1 is asked for (ISA14 = 1, or an
// explicit TA1) or its envelope has errors a TA1 reports.
bool only_acknowledgements(const ReceivedInterchange& received);

// Builds one acknowledgement per received interchange (of the standard the type is for), but
// none for an interchange of acknowledgements (above), and no 997/999 for an FA group or UCM
// for a CONTRL inside a mixed one. Each
// ack is read back before it is returned; one that would not read cleanly (the received
// envelope lacks a sender id, say) comes back with `error` set and no bytes.
std::vector<BuiltAck> build_acks(const std::vector<ReceivedInterchange>& received,
                                 const AckOptions& options, ControlNumberAllocator& numbers);

}  // namespace edigate::edi
