#include "segment_order.hpp"

#include <algorithm>

#include "schema_key.hpp"

namespace edigate::edi::detail {
namespace {

void collect_tags(const SchemaNode& node, std::unordered_set<std::uint32_t>& tags) {
  if (node.segment != nullptr) tags.insert(node.segment->key);
  for (const SchemaNode& child : node.children) collect_tags(child, tags);
}

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
    known_.clear();
    collect_tags(schema.root, known_);
  }
  depth_ = 0;
  push_frame(&schema.root);
}

void SegmentOrder::push_frame(const SchemaNode* node) {
  if (frames_.size() <= depth_) frames_.resize(depth_ + 1);
  Frame& f = frames_[depth_++];
  f.node = node;
  f.index = 0;
  f.children = node->children.size();
  if (f.counts.size() < f.children) f.counts.resize(f.children);
  std::fill_n(f.counts.data(), f.children, 0u);
}

bool SegmentOrder::search(std::uint32_t key, std::size_t& depth, std::size_t& child) {
  if (depth_ == 0) return false;
  const Frame& inner = frames_[depth_ - 1];
  const auto index = static_cast<std::uint32_t>(inner.index);
  const auto node_bits = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(inner.node));
  const std::uint32_t hash = (key ^ (index << 20) ^ (node_bits >> 3)) * 0x9E3779B1u;
  Memo& m = memo_[hash >> 24];
  static_assert(kMemoSlots == 256, "the slot is the hash's top byte");
  if (m.node == inner.node && m.index == index && m.key == key) {
    depth = depth_ - 1 - m.up;
    child = m.child;
    return true;
  }
  if (!search_frames(key, depth, child)) return false;  // an error: not worth remembering
  m = Memo{inner.node, index, key, static_cast<std::uint32_t>(depth_ - 1 - depth),
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
    if (frame.counts[j] != 0) continue;
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

SegmentOrder::Placement SegmentOrder::place(std::string_view tag, const Location& at,
                                            std::vector<Problem>& out) {
  const std::uint32_t key = tag_key(tag);
  std::size_t d = 0;
  std::size_t i = 0;
  if (!search(key, d, i)) {
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
  while (depth_ - 1 > d) {
    const Frame& inner = frames_[depth_ - 1];
    report_missing(inner, inner.index + 1, inner.children, at, out);
    --depth_;
  }
  Frame& frame = frames_[d];
  const std::size_t from = frame.counts[frame.index] == 0 ? frame.index : frame.index + 1;
  report_missing(frame, from, i, at, out);
  frame.index = i;
  const std::uint32_t uses = ++frame.counts[i];
  const SchemaNode& child = frame.node->children[i];
  if (uses > child.max_use) {
    Problem p{child.is_loop ? ProblemCode::loop_over_max : ProblemCode::segment_over_max,
              Severity::error, at,
              (child.is_loop ? "loop " + child.loop_id : "segment " + child.segment->tag) +
                  " occurs more than " + std::to_string(child.max_use) + " times"};
    p.segment_id = std::string(tag);
    p.loop_id = child.is_loop ? child.loop_id : frame.node->loop_id;
    out.push_back(std::move(p));
  }
  if (!child.is_loop) return {child.segment, nullptr, frame.node->loop_id};
  if (depth_ >= max_nesting_) {
    Problem p{ProblemCode::nesting_too_deep, Severity::error, at,
              "loops nest deeper than the limit of " + std::to_string(max_nesting_)};
    p.segment_id = std::string(tag);
    out.push_back(std::move(p));
    return {child.segment, nullptr, child.loop_id};
  }
  push_frame(&child);
  frames_[depth_ - 1].counts[0] = 1;
  return {child.segment, &child, child.loop_id};
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
