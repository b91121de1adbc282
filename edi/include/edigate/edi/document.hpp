// A generic document tree of X12 and EDIFACT interchanges: plain values, owned, comparable.
//
//   edi::Reader reader(bytes);
//   edi::Document doc = edi::read_document(reader);   // the tree plus every problem found
//   auto written = edi::write_interchange(doc.interchanges[0], {});   // writer.hpp
//
// The tree holds unescaped text only; delimiters and release characters belong to the writer.
// Envelope trailers (SE/GE/IEA, UNT/UNE/UNZ) are not kept: the writer computes them. The tree
// is normalized the way the standards write data: trailing empty elements, repetitions and
// components are dropped, so parse -> write -> parse gives an equal tree.
//
// The whole input is held in memory: use the Reader directly for inputs of unbounded size.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/problem.hpp"
#include "edigate/edi/reader.hpp"

namespace edigate::edi {

bool operator==(const Delimiters& a, const Delimiters& b);

// One segment: a tag and its elements. Each element is a list of repetitions (empty: the
// element is empty), each repetition a list of components (one for a simple element).
struct SegmentData {
  using Components = std::vector<std::string>;
  using Element = std::vector<Components>;

  std::string tag;
  std::vector<Element> elements;

  SegmentData() = default;
  explicit SegmentData(std::string segment_tag) : tag(std::move(segment_tag)) {}
  // A segment of simple elements: SegmentData("AK1", {"PO", "101"}).
  SegmentData(std::string segment_tag, std::initializer_list<std::string> simple_elements);

  // Appends a simple element (one repetition, one component); an empty value is an empty
  // element. Returns *this so calls chain: seg.add("A").add("B").
  SegmentData& add(std::string value);
  // Appends a composite element (one repetition of several components).
  SegmentData& add_composite(std::vector<std::string> components);
  // Text at 1-based positions; empty when absent.
  const std::string& value(std::size_t element, std::size_t component = 1,
                           std::size_t repetition = 1) const;

  bool operator==(const SegmentData&) const = default;
};

// A transaction set (ST..SE) or message (UNH..UNT).
struct Transaction {
  std::string id;                     // ST01 ("850") / UNH S009 0065 ("ORDERS")
  std::string control_number;         // ST02 / UNH 0062
  std::string version;                // X12 ST03 (empty when absent) / UNH 0052 ("D")
  std::string release;                // EDIFACT UNH 0054 ("96A")
  std::string agency;                 // EDIFACT UNH 0051 ("UN")
  std::string association;            // EDIFACT UNH 0057 ("EAN008")
  std::vector<SegmentData> segments;  // body only: header and trailer are not included

  bool operator==(const Transaction&) const = default;
};

// A functional group (GS..GE) or EDIFACT group (UNG..UNE).
struct Group {
  std::string functional_id;       // GS01 / UNG 0038
  std::string sender_id;           // GS02 / UNG S006 0040
  std::string sender_qualifier;    // EDIFACT UNG S006 0007
  std::string receiver_id;         // GS03 / UNG S007 0044
  std::string receiver_qualifier;  // EDIFACT UNG S007 0007
  std::string date;                // GS04 CCYYMMDD / UNG S004 0017
  std::string time;                // GS05 / UNG S004 0019
  std::string control_number;      // GS06 / UNG 0048
  std::string agency;              // GS07 ("X") / UNG 0051
  std::string version;             // GS08 ("004010") / UNG S008 0052
  std::string release;             // EDIFACT UNG S008 0054
  std::vector<Transaction> transactions;

  bool operator==(const Group&) const = default;
};

struct Interchange {
  Standard standard = Standard::x12;
  Delimiters delimiters = Delimiters::x12_default();
  bool has_service_string = false;      // EDIFACT: UNA present
  std::string syntax_id;                // EDIFACT UNB S001 0001 ("UNOC"); empty for X12
  std::string version;                  // ISA12 ("00401") / UNB S001 0002 ("3", "4")
  std::string authorization_qualifier;  // ISA01 (written as "00" when empty)
  std::string authorization;            // ISA02 (trailing spaces dropped)
  std::string security_qualifier;       // ISA03 (written as "00" when empty)
  std::string security;                 // ISA04 (trailing spaces dropped)
  std::string sender_qualifier;         // ISA05 / UNB S002 0007
  std::string sender_id;                // ISA06 (trailing spaces dropped) / UNB S002 0004
  std::string receiver_qualifier;       // ISA07 / UNB S003 0007
  std::string receiver_id;              // ISA08 (trailing spaces dropped) / UNB S003 0010
  std::string date;                     // ISA09 YYMMDD / UNB S004 0017
  std::string time;                     // ISA10 HHMM / UNB S004 0019
  std::string control_number;           // ISA13 / UNB 0020
  std::string recipient_reference;      // EDIFACT UNB S005 0022
  std::string application_reference;    // EDIFACT UNB 0026
  std::string priority;                 // EDIFACT UNB 0029
  std::string agreement_id;             // EDIFACT UNB 0032
  bool ack_requested = false;           // ISA14 = 1 / UNB 0031 = 1
  bool test = false;                    // ISA15 = T (else P) / UNB 0035 = 1
  // Segments between the header and the first group: the TA1 acknowledgements of an X12
  // interchange. The writer puts them right after the ISA.
  std::vector<SegmentData> interchange_segments;
  std::vector<Group> groups;
  // Sets or messages outside any group: EDIFACT messages without UNG (X12 ST outside GS is
  // kept here too, and the writer refuses it).
  std::vector<Transaction> messages;

  bool operator==(const Interchange&) const = default;
};

struct Document {
  std::vector<Interchange> interchanges;
  std::vector<Problem> problems;  // everything the reader reported, in input order
};

// Reads every interchange the reader delivers, unescaping EDIFACT release characters.
// Interchanges with problems are still built as far as they could be read.
Document read_document(Reader& reader);
Document read_document(std::string_view bytes, const ReaderOptions& options = {});

// Drops trailing empty components, repetitions and elements (the form read_document gives).
void normalize(SegmentData& segment);

}  // namespace edigate::edi
