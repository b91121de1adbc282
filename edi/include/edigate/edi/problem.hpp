// Problems found while reading and validating EDI. Errors are values: every problem has a code,
// a severity, a message and a location, and the reader keeps going after reporting one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edigate/edi/location.hpp"

namespace edigate::edi {

enum class Severity : unsigned char { warning, error };

// Which envelope level a problem belongs to; acknowledgements report it at that level.
enum class Scope : unsigned char { input, interchange, group, transaction, segment, element };

// One code per distinct problem. problem.cpp maps each to its standard acknowledgement codes
// (TA1 note code, 997/999 AK3/AK4/AK5/AK9 and IK3/IK4/IK5 codes, CONTRL syntax error 0085).
enum class ProblemCode : std::uint16_t {
  // Input and envelope syntax
  unrecognized_data,            // bytes outside any interchange that are not ISA/UNA/UNB
  isa_nonstandard,              // warning: ISA not 106 bytes (short fields, padding, wrapping)
  isa_invalid,                  // ISA cannot be read (truncated, too few elements)
  invalid_segment_terminator,   // TA1 004
  invalid_element_separator,    // TA1 026
  invalid_component_separator,  // TA1 027
  invalid_repetition_separator,
  invalid_una,
  unb_invalid,
  segment_too_long,          // limit
  element_too_long_limit,    // limit
  too_many_elements_limit,   // limit
  too_many_segments_in_set,  // limit
  nesting_too_deep,          // limit
  release_at_end,            // EDIFACT release character with nothing after it
  // Interchange header/trailer
  invalid_auth_qualifier,          // 010
  invalid_auth_info,               // 011
  invalid_security_qualifier,      // 012
  invalid_security_info,           // 013
  invalid_sender_qualifier,        // 005
  invalid_sender_id,               // 006
  invalid_receiver_qualifier,      // 007
  invalid_receiver_id,             // 008
  invalid_interchange_date,        // 014
  invalid_interchange_time,        // 015
  invalid_standards_id,            // 016
  invalid_interchange_version,     // 017
  invalid_interchange_control,     // 018
  invalid_ack_requested,           // 019
  invalid_test_indicator,          // 020
  invalid_group_count_value,       // 021
  interchange_control_mismatch,    // 001
  interchange_count_mismatch,      // IEA01 / UNZ 0036 does not match
  interchange_trailer_missing,     // 023
  interchange_trailer_unexpected,  // IEA/UNZ with no open interchange
  invalid_interchange_content,     // 024: e.g. a GS that cannot be read
  segment_outside_set,             // data segment outside ST/SE or UNH/UNT
  mixed_groups_and_messages,       // EDIFACT 30
  // Functional group
  group_header_invalid,   // GS/UNG field error
  group_trailer_missing,  // AK905 3
  group_trailer_unexpected,
  group_control_mismatch,     // AK905 4
  group_count_mismatch,       // AK905 5
  group_control_invalid,      // AK905 6
  group_version_unsupported,  // AK905 2
  group_control_duplicate,    // AK905 19
  // Transaction set / message
  set_not_supported,    // AK502 1
  set_trailer_missing,  // AK502 2
  set_trailer_unexpected,
  set_control_mismatch,        // AK502 3
  set_segment_count_mismatch,  // AK502 4
  set_id_invalid,              // AK502 6
  set_control_invalid,         // AK502 7
  set_control_duplicate,       // AK502 23
  set_group_mismatch,          // ST01 not valid for GS01 (AK502 6 / 999 I6)
  // Segment (schema)
  segment_unrecognized,       // AK304 1
  segment_unexpected,         // AK304 2
  segment_mandatory_missing,  // AK304 3
  loop_over_max,              // AK304 4
  segment_over_max,           // AK304 5
  segment_not_in_set,         // AK304 6
  segment_out_of_sequence,    // AK304 7
  hierarchy_parent_unknown,   // HL02 / CPS 7166 points to no earlier level
  hierarchy_id_duplicate,     // HL01 / CPS 7164 used twice
  hierarchy_level_misplaced,  // HL02: a level without a parent, or under one it cannot be under
  // Element (schema)
  element_mandatory_missing,     // AK403 1
  element_conditional_missing,   // AK403 2
  element_too_many,              // AK403 3
  element_too_short,             // AK403 4
  element_too_long,              // AK403 5
  element_invalid_character,     // AK403 6
  element_invalid_code,          // AK403 7
  element_invalid_date,          // AK403 8
  element_invalid_time,          // AK403 9
  element_too_many_repetitions,  // AK403 12
  element_too_many_components,   // AK403 13
  element_invalid_decimal,       // CONTRL 19
  // Duplicates across interchanges (the gateway's store reports these)
  interchange_control_duplicate,  // TA1 025, CONTRL 26
  // Business rules the mapper checks (warnings: the set is syntactically acceptable)
  hierarchy_level_unmapped,  // an HL/CPS level the map has no place for: its data is left out
  totals_mismatch,           // e.g. 210 L305 is not the sum of the L1 charges
};

// Number of ProblemCode values (they run from 0 to kProblemCodeCount - 1).
inline constexpr std::size_t kProblemCodeCount =
    static_cast<std::size_t>(ProblemCode::totals_mismatch) + 1;

struct Problem {
  Problem() = default;
  Problem(ProblemCode c, Severity s, const Location& l, std::string m)
      : code(c), severity(s), location(l), message(std::move(m)) {}

  ProblemCode code{};
  Severity severity = Severity::error;
  Location location;
  std::string message;  // says what is wrong in words an integration engineer uses
  // Detail for acknowledgements (AK3/AK4, IK3/IK4, UCS/UCD), filled when known:
  std::string segment_id;   // the segment concerned (the missing one for a missing segment)
  std::string loop_id;      // the schema loop the segment belongs to
  std::string element_ref;  // data element reference number or name
  std::string value;        // the offending value (an invalid code, a bad date)

  bool is_error() const { return severity == Severity::error; }
};

Scope scope_of(ProblemCode code);
const char* to_string(Scope scope);
std::string_view name_of(ProblemCode code);  // stable snake_case identifier (JSON, logs)

// Standard acknowledgement codes for a problem; empty when the standard has none for it.
struct AckCodes {
  std::string_view ta1;     // TA105 interchange note code, "001".."027"
  std::string_view ak9;     // AK905.. functional group syntax error code
  std::string_view ak5;     // AK502.. transaction set syntax error code (997)
  std::string_view ik5;     // IK502.. (999)
  std::string_view ak3;     // AK304 segment syntax error code (997)
  std::string_view ik3;     // IK304 (999)
  std::string_view ak4;     // AK403 data element syntax error code (997)
  std::string_view ik4;     // IK403 (999)
  std::string_view contrl;  // EDIFACT syntax error code (0085)
};

const AckCodes& ack_codes(ProblemCode code);

// "error at line 3, segment 12 (4 in set), element 2: BEG02 'XX' is not a valid code"
std::string to_string(const Problem& problem);

}  // namespace edigate::edi
