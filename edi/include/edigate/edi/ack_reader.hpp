// Reading acknowledgements received from partners: TA1, 997, 999 and EDIFACT CONTRL.
//
//   edi::Reader reader(bytes);
//   edi::AckReport report = edi::read_acks(reader);
//   for (const edi::GroupAck& g : report.groups) reconcile(g.control_number, g.status, g.sets);
//
// The gateway uses the report to reconcile what it sent: which interchanges (ISA13 / UNB 0020),
// groups (GS06 / UNG 0048) and transaction sets (ST02 / UNH 0062) the partner accepted or
// rejected, with the error codes and positions it reported. Any input holding one or more
// acknowledgements can be read; transaction sets that are not acknowledgements are skipped.
// A malformed acknowledgement is reported in `problems` and read as far as it makes sense.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/location.hpp"
#include "edigate/edi/problem.hpp"
#include "edigate/edi/reader.hpp"

namespace edigate::edi {

enum class AckKind : unsigned char { ta1, x997, x999, contrl };

enum class AckStatus : unsigned char {
  accepted,              // A; CONTRL 7
  accepted_with_errors,  // E
  partially_accepted,    // P (groups: some sets rejected)
  rejected,              // R, M, W, X; CONTRL 4
  received,              // CONTRL 8: received, not yet checked
  unknown,               // missing or unknown code (reported as a problem)
};

const char* to_string(AckKind kind);
const char* to_string(AckStatus status);

// Where an acknowledgement came from: its kind and the interchange that carried it.
struct AckOrigin {
  AckKind kind = AckKind::x997;
  std::string interchange_control;  // ISA13 / UNB 0020 of the acknowledgement itself
  std::string sender_id;            // ISA06 / UNB S002 0004: the partner that sent it
  Location location;                // the TA1, AK1 or UCI segment
};

// CTX (999): the context of an error.
struct AckContext {
  std::string name;                    // CTX01-1 ("SITUATIONAL TRIGGER", "CLM01")
  std::string reference;               // CTX01-2
  std::string segment_id;              // CTX02
  std::uint32_t segment_position = 0;  // CTX03
};

// AK4 / IK4 / UCD: an element in error.
struct ElementError {
  std::uint32_t position = 0;       // AK401-1 / IK401-1 / UCD S011 0098
  std::uint32_t component = 0;      // AK401-2 / IK401-2 / UCD S011 0104; 0: none
  std::uint32_t repetition = 0;     // IK401-3; 0: none
  std::string reference;            // AK402 / IK402 data element reference number
  std::string code;                 // AK403 / IK403 / UCD 0085
  std::string bad_value;            // AK404 / IK404
  std::vector<AckContext> context;  // CTX after IK4
};

// AK3 / IK3 / UCS: a segment in error.
struct SegmentError {
  std::string segment_id;           // AK301 / IK301 (CONTRL does not name it)
  std::uint32_t position = 0;       // AK302 / IK302 / UCS 0096: position in the set
  std::string loop_id;              // AK303 / IK303
  std::string code;                 // AK304 / IK304 / UCS 0085; may be empty
  std::vector<AckContext> context;  // CTX after IK3
  std::vector<ElementError> elements;
};

// AK2..AK5 / IK5, or UCM with its UCS/UCD: the response to one transaction set or message.
struct SetAck {
  std::string id;                         // AK201 / UCM S009 0065
  std::string control_number;             // AK202 / UCM 0062
  std::string version;                    // AK203 (999)
  AckStatus status = AckStatus::unknown;  // AK501 / IK501 / UCM 0083
  std::vector<std::string> codes;         // AK502..AK506 / IK502.. / UCM 0085
  std::vector<SegmentError> segment_errors;
  std::vector<AckContext> context;  // CTX after AK2 (999 business unit identifier)
  Location location;
};

// AK1..AK9 (one 997/999 set), or UCF with its UCMs: the response to one group.
struct GroupAck {
  AckOrigin origin;
  std::string functional_id;              // AK101 (UCF does not carry it: empty for CONTRL)
  std::string control_number;             // AK102 / UCF 0048
  std::string version;                    // AK103 (999)
  AckStatus status = AckStatus::unknown;  // AK901 / UCF 0083
  std::vector<std::string> codes;         // AK905..AK909 / UCF 0085
  std::uint32_t sets_included = 0;        // AK902
  std::uint32_t sets_received = 0;        // AK903
  std::uint32_t sets_accepted = 0;        // AK904
  std::vector<SetAck> sets;
};

// TA1, or the UCI of a CONTRL: the response to one interchange.
struct InterchangeAck {
  AckOrigin origin;
  std::string control_number;  // TA101 / UCI 0020
  std::string date;            // TA102
  std::string time;            // TA103
  std::string sender_id;       // UCI S002 0004 (the sender of the acknowledged interchange)
  std::string receiver_id;     // UCI S003 0010
  AckStatus status = AckStatus::unknown;  // TA104 / UCI 0083
  std::string note_code;                  // TA105 ("000".."031") / UCI 0085 syntax error code
  std::vector<GroupAck> groups;           // CONTRL: UCF with their messages
  std::vector<SetAck> sets;               // CONTRL: UCM outside any UCF
};

struct AckReport {
  std::vector<InterchangeAck> interchanges;  // every TA1 and CONTRL, in input order
  std::vector<GroupAck> groups;              // every 997/999 group response, in input order
  std::vector<Problem> problems;             // reader problems and malformed acknowledgements
};

AckReport read_acks(Reader& reader);
AckReport read_acks(std::string_view bytes);

}  // namespace edigate::edi
