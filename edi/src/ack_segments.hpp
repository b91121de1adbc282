// Building acknowledgement interchanges: a list of segments and the envelope around them.
// Acks hold codes, numbers and identifiers taken from the received envelope, so a small
// serializer with the received delimiters is enough here.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "edigate/edi/ack.hpp"

namespace edigate::edi::detail {

struct AckSegment {
  std::string tag;
  std::vector<std::string> elements;  // already formatted (composites joined, escaped)
  AckSegment& el(std::string value) {
    elements.push_back(std::move(value));
    return *this;
  }
};

class SegmentList {
 public:
  AckSegment& add(std::string tag) {
    return segments_.emplace_back(AckSegment{std::move(tag), {}});
  }
  bool empty() const { return segments_.empty(); }
  std::size_t size() const { return segments_.size(); }
  const std::deque<AckSegment>& segments() const { return segments_; }

 private:
  std::deque<AckSegment> segments_;  // a deque keeps references from add() valid
};

struct GroupAck {
  bool v999 = false;
  SegmentList body;  // AK1 .. AK9
};

class AckEnvelope {
 public:
  AckEnvelope(const ReceivedInterchange& received, const AckOptions& options,
              ControlNumberAllocator& numbers);
  // ISA [TA1...] [GS ST body SE GE]... IEA
  std::string x12(const SegmentList& ta1, const std::vector<GroupAck>& groups);
  // UNA? UNB UNH UCI UCM... UNT UNZ
  std::string contrl(const ReceivedInterchange& received, const AckOptions& options);
  const std::string& control_number() const { return control_; }

 private:
  void write(const AckSegment& segment);
  void write_all(const SegmentList& list);
  std::string next(ControlKind kind);
  std::string escape(std::string_view value) const;

  const ReceivedInterchange& received_;
  const AckOptions& options_;
  ControlNumberAllocator& numbers_;
  Delimiters d_;
  std::string control_;
  std::string out_;
};

}  // namespace edigate::edi::detail
