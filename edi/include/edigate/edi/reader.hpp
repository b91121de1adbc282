// The streaming EDI reader: a pull API over X12 and EDIFACT.
//
//   edi::Reader reader(bytes);                 // or Reader(source) for input of any size
//   while (true) {
//     auto event = reader.next();
//     if (event.kind == EventKind::end_of_input) break;
//     if (event.kind == EventKind::segment) use(reader.segment());
//     if (event.kind == EventKind::problem) report(reader.problem());
//   }
//
// Delimiters are learned from each interchange's ISA or UNA/UNB, so one input may hold several
// interchanges of either standard. The reader checks the envelopes as it goes (required header
// fields and their formats, trailer counts and control numbers, missing or stray trailers) and
// reports each problem as an event with its location, then carries on. Memory is bounded by
// the limits, whatever the size of the input.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "edigate/edi/envelope.hpp"
#include "edigate/edi/limits.hpp"
#include "edigate/edi/problem.hpp"
#include "edigate/edi/segment.hpp"
#include "edigate/edi/source.hpp"

namespace edigate::edi {

enum class EventKind : unsigned char {
  interchange_start,  // ISA or UNB read: interchange() is valid, segment() is the header
  group_start,        // GS or UNG: group() is valid
  transaction_start,  // ST or UNH: transaction() is valid
  segment,            // a segment inside a transaction set / message: segment(); also an X12
                      // TA1 between interchange header and first group (in_transaction() false)
  element,            // (element events only) one element of the last segment; text is raw
  repetition,         // (element events only) one repetition of a repeated element
  component,          // (element events only) one component of a composite element
  transaction_end,    // SE or UNT (or implied: the trailer was missing)
  group_end,          // GE or UNE (or implied)
  interchange_end,    // IEA or UNZ (or implied)
  problem,            // problem() is valid
  end_of_input,
};

const char* to_string(EventKind kind);

struct Event {
  EventKind kind = EventKind::end_of_input;
  Location location;
  std::string_view text;  // element, repetition and component events: the raw value
  bool implied = false;   // an *_end event the reader made up because the trailer was missing
};

struct ReaderOptions {
  Limits limits;
  // Deliver element, repetition and component events after each segment event. Off by
  // default: most consumers index the Segment view directly, which is faster.
  bool element_events = false;
  // While scanning each segment, also note which inner separators (component, repetition,
  // release) it holds, so Segment::marks() is exact instead of "maybe". A consumer that looks
  // inside elements (the Validator) saves more than the ~10% of tokenizing this costs.
  bool segment_marks = false;
};

class Reader {
 public:
  // Reads a complete input held in memory. The bytes must outlive the reader; nothing is copied.
  explicit Reader(std::string_view input, ReaderOptions options = {});
  // Reads a source of any size with a bounded buffer.
  explicit Reader(Source& source, ReaderOptions options = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Event next();

  // The segment of the current segment or envelope event (header for *_start events, trailer
  // for non-implied *_end events). Valid until the next call to next() that reads a segment.
  const Segment& segment() const;
  const Problem& problem() const;  // valid for a problem event
  const InterchangeHeader& interchange() const;
  const GroupHeader& group() const;  // empty outside a group (EDIFACT without UNG)
  const TransactionHeader& transaction() const;
  bool in_group() const;
  bool in_transaction() const;
  // Segments counted so far in the current transaction set, its header included.
  std::uint32_t segments_in_transaction() const;
  std::uint64_t bytes_read() const;
  const ReaderOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edigate::edi
