// Writes a document tree (document.hpp) as X12 or EDIFACT bytes.
//
//   edi::WriteOptions options;              // the interchange's own delimiters, no line breaks
//   edi::WriteResult out = edi::write_interchange(interchange, options);
//   if (!out.ok()) log(out.error->message);  // says which segment, element and component
//
// The writer builds the header segments from the tree's header fields and computes every
// trailer itself: SE01/UNT counts, GE01/UNE and IEA01/UNZ counts, and trailer control numbers
// equal to their header's. It escapes EDIFACT data with the release character and refuses
// data it cannot write faithfully (an X12 value holding a delimiter, an EDIFACT value holding
// one when there is no release character, an ISA field wider than its fixed width). No
// exceptions: errors are values.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/document.hpp"

namespace edigate::edi {

enum class ServiceStringAdvice : unsigned char {
  as_needed,  // UNA when the interchange had one or its delimiters are not the defaults
  always,
  never,  // refuses delimiters other than the defaults (they could not be read back)
};

struct WriteOptions {
  // Delimiters to write with; empty: the interchange's own.
  std::optional<Delimiters> delimiters;
  // A line break ("\r\n" or "\n") after each segment terminator; empty: none (one line).
  std::string line_break;
  // Pad ISA02/ISA04 to 10 and ISA06/ISA08 to 15 characters (the fixed-width ISA every
  // partner expects). Off: the values are written as they are.
  bool pad_isa = true;
  ServiceStringAdvice una = ServiceStringAdvice::as_needed;
};

enum class WriteErrorCode : unsigned char {
  invalid_delimiters,         // clashing, alphanumeric or missing delimiters
  delimiter_in_data,          // a value holds a delimiter and cannot be escaped
  value_too_long,             // an ISA field wider than its fixed width
  invalid_tag,                // a segment tag that is empty, too long or not alphanumeric
  repetition_unsupported,     // several repetitions but no repetition separator
  missing_value,              // a header field the envelope needs is empty
  mixed_groups_and_messages,  // groups and messages outside groups in one interchange
};

const char* to_string(WriteErrorCode code);

// Where the writer stopped. segment is the 1-based number of the segment in the output
// (UNA not counted); element, component and repetition are 1-based, 0 when not concerned.
struct WriteError {
  WriteErrorCode code = WriteErrorCode::invalid_delimiters;
  std::string message;
  std::string tag;  // the segment concerned
  std::size_t segment = 0;
  std::size_t element = 0;
  std::size_t component = 0;
  std::size_t repetition = 0;
};

struct [[nodiscard]] WriteResult {
  std::string bytes;  // the interchange when ok(); empty otherwise
  std::optional<WriteError> error;
  bool ok() const { return !error.has_value(); }
};

WriteResult write_interchange(const Interchange& interchange, const WriteOptions& options = {});

}  // namespace edigate::edi
