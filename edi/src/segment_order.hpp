// The segment-order state machine of one transaction set: where each segment may appear,
// loops and their repeats, mandatory segments, maximum use.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "edigate/edi/problem.hpp"
#include "edigate/edi/schema.hpp"
#include "schema_key.hpp"

namespace edigate::edi::detail {

class SegmentOrder {
 public:
  explicit SegmentOrder(std::size_t max_nesting) : max_nesting_(max_nesting) {}

  void start(const TransactionSchema& schema);
  // Places a segment; returns its rule (nullptr when it does not fit anywhere), the loop
  // node whose iteration it starts (nullptr when it is not a loop trigger) and the loop it
  // sits in (the root node at the top level; nullptr when it does not fit).
  struct Placement {
    const SegmentRule* rule = nullptr;
    const SchemaNode* loop_started = nullptr;
    const SchemaNode* loop = nullptr;
  };
  // Inline: it runs for every segment, and most segments take a remembered transition to the
  // next child of the loop they are in.
  [[gnu::always_inline]] Placement place(std::string_view tag, const Location& at,
                                         std::vector<Problem>& out) {
    const std::uint32_t key = tag_key(tag);
    std::size_t depth = 0;
    std::size_t child = 0;
    if (!remembered(key, depth, child) && !search(key, depth, child)) {
      return misplaced(key, tag, at, out);
    }
    while (depth_ - 1 > depth) {
      const Frame& inner = frames_[depth_ - 1];
      report_missing(inner, inner.index + 1, inner.children, at, out);
      --depth_;
    }
    Frame& frame = frames_[depth];
    std::uint32_t uses = 1;
    if (child == frame.index) {
      uses = ++frame.uses;
    } else {
      report_missing(frame, frame.uses == 0 ? frame.index : frame.index + 1, child, at, out);
      frame.index = static_cast<std::uint32_t>(child);
      frame.uses = 1;
    }
    const SchemaNode& node = frame.node->children[child];
    if (uses > node.max_use) report_over_max(node, *frame.node, tag, at, out);
    if (!node.is_loop) return {node.segment, nullptr, frame.node};
    if (depth_ >= max_nesting_) return too_deep(node, tag, at, out);
    push_frame(&node, 1);
    return {node.segment, &node, &node};
  }
  // Reports mandatory segments and loops that never appeared (at the trailer).
  void finish(const Location& at, std::vector<Problem>& out);

 private:
  // An open loop. Its position only moves forward within an iteration (a search starts at
  // the current child), so every child after `index` is still unused: the uses of the current
  // child are the only count needed, and nothing is cleared when a loop starts again.
  struct Frame {
    const SchemaNode* node;
    std::uint32_t index;     // child last matched
    std::uint32_t children;  // node->children.size()
    std::uint32_t uses;      // uses of child `index` in this iteration
  };

  // Where a tag was last found from a given state. Every frame below the innermost one has
  // the loop above it as its current child, so a search depends only on the innermost loop,
  // its index and the tag: its answer (how many frames up, which child) can be remembered.
  // Sets repeat the same few transitions (LIN PIA QTY LIN...), so most searches are one
  // look at the answers kept for the state (SchemaNode::state_base + index) instead of a
  // walk over the remaining children of each open loop.
  struct Memo {
    std::uint64_t key = 0;  // tag key | kFilled; 0 while empty
    std::uint32_t up = 0;   // frames above the innermost one
    std::uint32_t child = 0;
  };
  static constexpr std::uint64_t kFilled = std::uint64_t{1} << 32;
  static constexpr std::size_t kWays = 4;

  // The answers kept for the innermost loop's state (depth_ > 0).
  Memo* memo_of_state() {
    const Frame& inner = frames_[depth_ - 1];
    return &memo_[kWays * (inner.node->state_base + inner.index)];
  }
  bool remembered(std::uint32_t key, std::size_t& depth, std::size_t& child) {
    if (depth_ == 0) return false;
    const Memo* const slot = memo_of_state();
    const std::uint64_t filled = key | kFilled;
    for (std::size_t way = 0; way < kWays; ++way) {
      if (slot[way].key == filled) {
        depth = depth_ - 1 - slot[way].up;
        child = slot[way].child;
        return true;
      }
    }
    return false;
  }
  // Searches the open loops and remembers the answer (after remembered() had none).
  bool search(std::uint32_t key, std::size_t& depth, std::size_t& child);
  bool search_frames(std::uint32_t key, std::size_t& depth, std::size_t& child) const;
  // Reports the mandatory children of `frame` in [from, to): none of them occurred, since they
  // come after the current child. Most calls have no mandatory child in the range: that is
  // decided here, without a call.
  void report_missing(const Frame& frame, std::size_t from, std::size_t to, const Location& at,
                      std::vector<Problem>& out) const {
    to = std::min<std::size_t>(to, frame.children);
    if (from < to && frame.node->next_mandatory[from] < to) {
      report_missing_slow(frame, from, to, at, out);
    }
  }
  void report_missing_slow(const Frame& frame, std::size_t from, std::size_t to, const Location& at,
                           std::vector<Problem>& out) const;
  Placement misplaced(std::uint32_t key, std::string_view tag, const Location& at,
                      std::vector<Problem>& out) const;
  static void report_over_max(const SchemaNode& child, const SchemaNode& loop, std::string_view tag,
                              const Location& at, std::vector<Problem>& out);
  Placement too_deep(const SchemaNode& child, std::string_view tag, const Location& at,
                     std::vector<Problem>& out) const;
  void push_frame(const SchemaNode* node, std::uint32_t uses) {
    if (depth_ == frames_.size()) frames_.emplace_back();
    frames_[depth_++] = Frame{node, 0, static_cast<std::uint32_t>(node->children.size()), uses};
  }
  bool known_tag(std::uint32_t key) const {
    return std::binary_search(schema_->tags.begin(), schema_->tags.end(), key);
  }

  std::size_t max_nesting_;
  const TransactionSchema* schema_ = nullptr;
  std::vector<Frame> frames_;  // frames_[0] is the root; reused across sets
  std::size_t depth_ = 0;      // frames in use
  std::vector<Memo> memo_;     // kWays per state of schema_
};

}  // namespace edigate::edi::detail
