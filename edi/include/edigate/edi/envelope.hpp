// What the reader learned from envelope headers (ISA/GS/ST, UNB/UNG/UNH).
#pragma once

#include <cstdint>
#include <string>

#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/location.hpp"

namespace edigate::edi {

struct InterchangeHeader {
  Standard standard = Standard::x12;
  Delimiters delimiters;
  std::string sender_qualifier;     // ISA05 / UNB S002 0007
  std::string sender_id;            // ISA06 (trimmed) / UNB S002 0004
  std::string receiver_qualifier;   // ISA07 / UNB S003 0007
  std::string receiver_id;          // ISA08 (trimmed) / UNB S003 0010
  std::string date;                 // ISA09 YYMMDD / UNB S004 0017
  std::string time;                 // ISA10 HHMM / UNB S004 0019
  std::string control_number;       // ISA13 / UNB 0020
  std::string version;              // ISA12 ("00401") / UNB S001 0002 syntax version ("3", "4")
  std::string syntax_id;            // EDIFACT UNB S001 0001 ("UNOA"); empty for X12
  bool ack_requested = false;       // ISA14 = 1 / UNB 0031 = 1
  bool test = false;                // ISA15 = T / UNB 0035 = 1
  bool has_service_string = false;  // EDIFACT: UNA present
  Location location;
};

struct GroupHeader {
  std::string functional_id;   // GS01 ("PO", "SH") / UNG 0038 message group id
  std::string sender_id;       // GS02 / UNG S006
  std::string receiver_id;     // GS03 / UNG S007
  std::string date;            // GS04 CCYYMMDD / UNG S004
  std::string time;            // GS05
  std::string control_number;  // GS06 / UNG 0048
  std::string agency;          // GS07 ("X") / UNG 0051
  std::string version;         // GS08 ("004010", "005010X222A1") / UNG S008
  Location location;
};

struct TransactionHeader {
  std::string id;              // ST01 ("850") / UNH S009 0065 ("ORDERS")
  std::string control_number;  // ST02 / UNH 0062
  // X12: ST03 if present, otherwise the group's GS08; EDIFACT: 0052 + 0054 ("D96A").
  std::string version;
  std::size_t release_at = 0;  // EDIFACT: where 0054 starts in `version` (the length of 0052)
  std::string implementation;  // X12 ST03 implementation convention reference, as written
  std::string agency;          // EDIFACT 0051 ("UN")
  std::string association;     // EDIFACT 0057 ("EAN008")
  Location location;
};

}  // namespace edigate::edi
