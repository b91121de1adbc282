#include "segment_order.hpp"

#include <algorithm>

#include "schema_key.hpp"

namespace edigate::edi::detail {
namespace {

bool looks_like_tag(std::string_view tag) {
  if (tag.size() < 2 || tag.size() > 3) return false;
  for (char c : tag) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

void SegmentOrder::start(const TransactionSchema& schema) {
  if (schema_ != &schema) {
    schema_ = &schema;
    memo_.assign(kWays * schema.states, Memo{});
  }
  depth_ = 0;
  push_frame(&schema.root, 0);
}

bool SegmentOrder::search(std::uint32_t key, std::size_t& depth, std::size_t& child) {
  if (!search_frames(key, depth, child)) return false;  // an error: not worth remembering
  Memo* const slot = memo_of_state();
  std::copy_backward(slot, slot + kWays - 1, slot + kWays);
  slot[0] = Memo{key | kFilled, static_cast<std::uint32_t>(depth_ - 1 - depth),
                 static_cast<std::uint32_t>(child)};
  return true;
}

bool SegmentOrder::search_frames(std::uint32_t key, std::size_t& depth, std::size_t& child) const {
  for (std::size_t d = depth_; d-- > 0;) {
    const Frame& f = frames_[d];
    // Inside a loop its trigger starts a new iteration, which the parent frame handles.
    const std::size_t from = (d > 0 && f.index == 0) ? 1 : f.index;
    const std::vector<std::uint32_t>& keys = f.node->child_keys;
    for (std::size_t i = from; i < keys.size(); ++i) {
      if (keys[i] == key) {
        depth = d;
        child = i;
        return true;
      }
    }
  }
  return false;
}

void SegmentOrder::report_missing_slow(const Frame& frame, std::size_t from, std::size_t to,
                                       const Location& at, std::vector<Problem>& out) const {
  const std::vector<std::uint32_t>& next = frame.node->next_mandatory;
  // Visits only the mandatory children in [from, to).
  for (std::size_t j = next[from]; j < to; j = next[j + 1]) {
    const SchemaNode& child = frame.node->children[j];
    Problem p{ProblemCode::segment_mandatory_missing, Severity::error, at,
              (child.is_loop ? "mandatory loop " + child.loop_id + " (" + child.segment->tag + ")"
                             : "mandatory segment " + child.segment->tag) +
                  " is missing" +
                  (frame.node->loop_id.empty() ? "" : " in loop " + frame.node->loop_id)};
    p.segment_id = child.segment->tag;
    p.loop_id = child.is_loop ? child.loop_id : frame.node->loop_id;
    out.push_back(std::move(p));
  }
}

SegmentOrder::Placement SegmentOrder::misplaced(std::uint32_t key, std::string_view tag,
                                                const Location& at,
                                                std::vector<Problem>& out) const {
  const bool known = known_tag(key);
  Problem p{known ? ProblemCode::segment_out_of_sequence
                  : (looks_like_tag(tag) ? ProblemCode::segment_not_in_set
                                         : ProblemCode::segment_unrecognized),
            Severity::error, at,
            "segment " + std::string(tag) +
                (known ? " is not in its proper sequence here"
                       : " is not defined in " + schema_->id + " " + schema_->version)};
  p.segment_id = std::string(tag);
  out.push_back(std::move(p));
  return {};
}

void SegmentOrder::report_over_max(const SchemaNode& child, const SchemaNode& loop,
                                   std::string_view tag, const Location& at,
                                   std::vector<Problem>& out) {
  Problem p{child.is_loop ? ProblemCode::loop_over_max : ProblemCode::segment_over_max,
            Severity::error, at,
            (child.is_loop ? "loop " + child.loop_id : "segment " + child.segment->tag) +
                " occurs more than " + std::to_string(child.max_use) + " times"};
  p.segment_id = std::string(tag);
  p.loop_id = child.is_loop ? child.loop_id : loop.loop_id;
  out.push_back(std::move(p));
}

SegmentOrder::Placement SegmentOrder::too_deep(const SchemaNode& child, std::string_view tag,
                                               const Location& at,
                                               std::vector<Problem>& out) const {
  Problem p{ProblemCode::nesting_too_deep, Severity::error, at,
            "loops nest deeper than the limit of " + std::to_string(max_nesting_)};
  p.segment_id = std::string(tag);
  out.push_back(std::move(p));
  return {child.segment, nullptr, &child};
}

void SegmentOrder::finish(const Location& at, std::vector<Problem>& out) {
  while (depth_ > 1) {
    const Frame& inner = frames_[depth_ - 1];
    report_missing(inner, inner.index + 1, inner.children, at, out);
    --depth_;
  }
  const Frame& root = frames_[0];
  // The trailer (last child) is the reader's business: it reports a missing SE/UNT itself.
  report_missing(root, root.index + 1, root.children - 1, at, out);
}

}  // namespace edigate::edi::detail
