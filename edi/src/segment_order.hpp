// The segment-order state machine of one transaction set: where each segment may appear,
// loops and their repeats, mandatory segments, maximum use.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "edigate/edi/problem.hpp"
#include "edigate/edi/schema.hpp"

namespace edigate::edi::detail {

class SegmentOrder {
 public:
  explicit SegmentOrder(std::size_t max_nesting) : max_nesting_(max_nesting) {}

  void start(const TransactionSchema& schema);
  // Places a segment; returns its rule (nullptr when it does not fit anywhere) and the loop
  // node whose iteration it starts (nullptr when it is not a loop trigger).
  struct Placement {
    const SegmentRule* rule = nullptr;
    const SchemaNode* loop_started = nullptr;
    std::string_view loop_id;  // loop the segment sits in ("" at the top level)
  };
  Placement place(std::string_view tag, const Location& at, std::vector<Problem>& out);
  // Reports mandatory segments and loops that never appeared (at the trailer).
  void finish(const Location& at, std::vector<Problem>& out);

 private:
  struct Frame {
    const SchemaNode* node;
    std::size_t index;     // child last matched
    std::size_t children;  // node->children.size()
    // Uses of each child in this iteration (the first `children` entries count; the vector
    // keeps its capacity when the frame is reused).
    std::vector<std::uint32_t> counts;
  };
  bool search(std::uint32_t key, std::size_t& depth, std::size_t& child);
  bool search_frames(std::uint32_t key, std::size_t& depth, std::size_t& child) const;
  // Reports the mandatory children of `frame` in [from, to) that did not occur. Most calls
  // have no mandatory child in the range: that is decided here, without a call.
  void report_missing(const Frame& frame, std::size_t from, std::size_t to, const Location& at,
                      std::vector<Problem>& out) const {
    to = std::min(to, frame.children);
    if (from < to && frame.node->next_mandatory[from] < to) {
      report_missing_slow(frame, from, to, at, out);
    }
  }
  void report_missing_slow(const Frame& frame, std::size_t from, std::size_t to, const Location& at,
                           std::vector<Problem>& out) const;
  void push_frame(const SchemaNode* node);
  bool known_tag(std::uint32_t key) const { return known_.count(key) != 0; }

  std::size_t max_nesting_;
  const TransactionSchema* schema_ = nullptr;
  std::vector<Frame> frames_;                // frames_[0] is the root; reused across sets
  std::size_t depth_ = 0;                    // frames in use
  std::unordered_set<std::uint32_t> known_;  // every tag of the current schema

  // Where a tag was last found from a given state. Every frame below the innermost one has
  // the loop above it as its current child, so a search depends only on the innermost node,
  // its index and the tag: its answer (how many frames up, which child) can be remembered.
  // Sets repeat the same few transitions (LIN PIA QTY LIN...), so most searches are one
  // lookup here instead of a walk over the remaining children of each open loop.
  struct Memo {
    const SchemaNode* node = nullptr;
    std::uint32_t index = 0;
    std::uint32_t key = 0;
    std::uint32_t up = 0;  // frames above the innermost one
    std::uint32_t child = 0;
  };
  static constexpr std::size_t kMemoSlots = 256;
  std::vector<Memo> memo_ = std::vector<Memo>(kMemoSlots);
};

}  // namespace edigate::edi::detail
