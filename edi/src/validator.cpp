#include "edigate/edi/validator.hpp"

#include <algorithm>
#include <charconv>
#include <unordered_map>
#include <utility>

#include "element_check.hpp"
#include "segment_order.hpp"

namespace edigate::edi {

bool SetResult::has_errors() const {
  for (const Problem& p : problems) {
    if (p.is_error()) return true;
  }
  return false;
}

namespace {

// HL (X12) and CPS (EDIFACT) hierarchies: ids unique, parents seen before and not the level
// itself, levels allowed, and where the schema gives placement rules (hierarchy-top,
// hierarchy-not-under), each level placed where it can be. Ids almost always count 1, 2, 3...:
// while they do, "seen before" is a comparison with the last id and each level code sits at
// its id's index; the first id out of that order switches to a map.
class HierarchyCheck {
 public:
  void reset() {
    ids_.clear();
    levels_.clear();
    last_ = 0;
    sequential_ = true;
  }

  void check(const Segment& segment, const SchemaNode& loop, std::vector<Problem>& out) {
    const std::string_view id = segment[1];
    const std::string_view parent = segment[2];
    const std::string_view level = loop.hierarchy_levels.empty() ? std::string_view{} : segment[3];
    // Asked before the id is remembered, so a level naming itself is not its own parent.
    const bool parent_known = !parent.empty() && parent != id && seen(parent);
    if (!id.empty() && !remember(id, pack_code(level))) {
      add(out, ProblemCode::hierarchy_id_duplicate, segment, loop, 1,
          "hierarchical id " + std::string(id) + " is used twice in this set", id);
    }
    if (!parent.empty() && parent == id) {
      add(out, ProblemCode::hierarchy_parent_unknown, segment, loop, 2,
          "level " + std::string(id) + " names itself as its parent", parent);
    } else if (!parent.empty() && !parent_known) {
      add(out, ProblemCode::hierarchy_parent_unknown, segment, loop, 2,
          "parent id " + std::string(parent) + " does not name an earlier level", parent);
    }
    if (level.empty()) return;
    if (!allowed_level(loop, level)) {
      add(out, ProblemCode::element_invalid_code, segment, loop, 3,
          "hierarchical level code " + std::string(level) + " is not one of " +
              loop.hierarchy_levels,
          level);
    }
    if (loop.hierarchy_top != 0) place(segment, loop, level, parent, parent_known, out);
  }

 private:
  // The top level has no parent; any other has one, and not one it may not be under. Each
  // level is judged by its own link only, so the levels under a misplaced one are not reported
  // again, and a parent already reported as unknown is not reported twice.
  void place(const Segment& segment, const SchemaNode& loop, std::string_view level,
             std::string_view parent, bool parent_known, std::vector<Problem>& out) const {
    const std::string code(level);
    if (pack_code(level) == loop.hierarchy_top) {
      if (!parent_known) return;  // no parent, or one already reported as unknown
      return add(out, ProblemCode::hierarchy_level_misplaced, segment, loop, 2,
                 "level " + code + " is the top of the hierarchy and cannot be under level " +
                     std::string(parent),
                 parent);
    }
    if (parent.empty()) {
      return add(out, ProblemCode::hierarchy_level_misplaced, segment, loop, 2,
                 "level " + code + " has no parent (HL02): only the top level stands alone",
                 parent);
    }
    if (!parent_known) return;  // reported as hierarchy_parent_unknown
    const std::uint64_t above = level_of(parent);
    const std::pair<std::uint64_t, std::uint64_t> link{pack_code(level), above};
    const auto& banned = loop.hierarchy_not_under;
    if (above != 0 && std::find(banned.begin(), banned.end(), link) != banned.end()) {
      add(out, ProblemCode::hierarchy_level_misplaced, segment, loop, 2,
          "level " + code + " cannot be under level " + std::string(parent) + " (" +
              std::string(unpack(above)) + ")",
          parent);
    }
  }

  static std::string unpack(std::uint64_t key) {
    std::string out;
    for (; key != 0; key >>= 8) out += static_cast<char>(key & 0xFF);
    return out;
  }

  static bool allowed_level(const SchemaNode& loop, std::string_view level) {
    if (level.size() > 8) {
      const auto& levels = loop.hierarchy_level_list;
      return std::find(levels.begin(), levels.end(), level) != levels.end();
    }
    const std::uint64_t key = pack_code(level);
    const auto& keys = loop.hierarchy_level_keys;
    return std::find(keys.begin(), keys.end(), key) != keys.end();
  }

  // A positive decimal number without leading zeros, or 0 for anything else.
  static std::uint64_t number(std::string_view text) {
    if (text.empty() || text.size() > 18 || text[0] == '0') return 0;
    std::uint64_t n = 0;
    for (const char c : text) {
      if (c < '0' || c > '9') return 0;
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }

  // Records an id and its packed level code; false when the id was already there.
  bool remember(std::string_view id, std::uint64_t level) {
    if (sequential_ && number(id) == last_ + 1) {
      ++last_;
      levels_.push_back(level);
      return true;
    }
    if (sequential_) {  // leave the fast path: the map takes over from here
      sequential_ = false;
      for (std::uint64_t n = 1; n <= last_; ++n) ids_.emplace(std::to_string(n), levels_[n - 1]);
      levels_.clear();
    }
    return ids_.emplace(id, level).second;
  }

  bool seen(std::string_view id) const {
    if (sequential_) {
      const std::uint64_t n = number(id);
      return n != 0 && n <= last_;
    }
    return ids_.count(std::string(id)) != 0;
  }

  // The packed level code of an id seen before (0 when unknown).
  std::uint64_t level_of(std::string_view id) const {
    if (sequential_) {
      const std::uint64_t n = number(id);
      return n != 0 && n <= last_ ? levels_[n - 1] : 0;
    }
    const auto it = ids_.find(std::string(id));
    return it == ids_.end() ? 0 : it->second;
  }

  // AK402 / IK402 quote the data element number the schema gives the position (HL01 628, HL02
  // 734, HL03 735).
  static void add(std::vector<Problem>& out, ProblemCode code, const Segment& segment,
                  const SchemaNode& loop, std::size_t element, std::string message,
                  std::string_view value) {
    Problem p{code, Severity::error, segment.location_of(element), std::move(message)};
    p.segment_id = std::string(segment.tag());
    p.value = std::string(value);
    const auto& rules = loop.segment->by_position;
    if (element < rules.size() && rules[element] != nullptr) p.element_ref = rules[element]->name;
    out.push_back(std::move(p));
  }

  std::unordered_map<std::string, std::uint64_t> ids_;
  std::vector<std::uint64_t> levels_;  // while sequential: the level code of id n at n - 1
  std::uint64_t last_ = 0;
  bool sequential_ = true;
};

class Run {
 public:
  Run(const SchemaRegistry& schemas, const ValidatorOptions& options, Reader& reader,
      ValidationListener& listener)
      : schemas_(schemas),
        options_(options),
        reader_(reader),
        listener_(listener),
        order_(reader.options().limits.max_nesting),
        max_problems_(reader.options().limits.max_problems_per_set) {}

  std::uint64_t run() {
    // Each event is made in place (not assigned over the last one: copying it reads back, in
    // 16-byte pieces, what the reader has just stored field by field, and waits for it).
    while (true) {
      const Event e = reader_.next();
      if (e.kind == EventKind::segment) {  // nearly every event: no jump through the switch
        body_segment();
      } else if (e.kind == EventKind::end_of_input) {
        return errors_;
      } else {
        on_event(e);
      }
    }
  }

 private:
  void on_event(const Event& e) {
    switch (e.kind) {
      case EventKind::interchange_start:
        return start_interchange();
      case EventKind::group_start:
        return start_group(reader_.group());
      case EventKind::transaction_start:
        return start_set();
      case EventKind::segment:
        return body_segment();
      case EventKind::transaction_end:
        return end_set(e);
      case EventKind::group_end:
        return end_group(e);
      case EventKind::interchange_end:
        return end_interchange();
      case EventKind::problem:
        return route(reader_.problem());
      default:
        return;
    }
  }

  void start_interchange() {
    interchange_ = InterchangeResult{reader_.interchange(), {}, 0};
    in_interchange_ = true;
    listener_.on_interchange_start(interchange_.header);
  }

  void start_group(const GroupHeader& header) {
    group_ = GroupResult{};
    group_.header = header;
    in_group_ = true;
    ++interchange_.groups;
    listener_.on_group_start(group_.header);
  }

  void start_set() {
    // EDIFACT messages without UNG: one implied group per interchange.
    if (!in_group_ && reader_.interchange().standard == Standard::edifact) {
      start_group(GroupHeader{});
      group_.implied = true;
      --interchange_.groups;
    }
    set_ = SetResult{reader_.transaction(), {}, false, 0};
    in_set_ = true;
    ++group_.sets;
    hierarchy_.reset();
    schema_ = find_schema();
    set_.supported = schema_ != nullptr;
    listener_.on_set_start(set_.header);
    if (schema_ != nullptr) {
      order_.start(*schema_);
      check_segment();
    }
  }

  const TransactionSchema* find_schema() {
    const Standard standard = reader_.interchange().standard;
    const TransactionHeader& t = set_.header;
    const TransactionSchema* schema = find_cached(standard, t.version, t.id);
    if (schema == nullptr && options_.require_schema) {
      Problem p{ProblemCode::set_not_supported, Severity::error, t.location,
                "no schema for " + std::string(to_string(standard)) + " " + t.id + " version " +
                    t.version};
      add_set_problem(std::move(p));
    }
    if (schema != nullptr && standard == Standard::x12 && !schema->functional_group.empty() &&
        in_group_ && !group_.implied && reader_.group().functional_id != schema->functional_group) {
      add_set_problem(Problem{ProblemCode::set_group_mismatch, Severity::error, t.location,
                              "transaction set " + t.id + " belongs in a " +
                                  schema->functional_group + " group, not " +
                                  reader_.group().functional_id});
    }
    return schema;
  }

  // Sets of one file mostly share their type and version: the last answer is kept.
  const TransactionSchema* find_cached(Standard standard, const std::string& version,
                                       const std::string& id) {
    if (!cached_ || standard != cached_standard_ || version != cached_version_ ||
        id != cached_id_) {
      cached_schema_ = schemas_.find(standard, version, id);
      cached_ = true;
      cached_standard_ = standard;
      cached_version_ = version;
      cached_id_ = id;
    }
    return cached_schema_;
  }

  void body_segment() {
    if (schema_ != nullptr) check_segment();
    if (options_.deliver_segments && in_set_) {
      listener_.on_segment(reader_.segment(), scratch_);
      for (Problem& p : scratch_) add_set_problem(std::move(p));
      scratch_.clear();
    }
  }

  void check_segment() {
    const Segment& segment = reader_.segment();
    const Location& at = segment.location();
    const auto placed = order_.place(segment.tag(), at, scratch_);
    if (placed.rule != nullptr) {
      elements_.check(segment, *placed.rule, scratch_);
      if (placed.loop_started != nullptr && placed.loop_started->hierarchical) {
        hierarchy_.check(segment, *placed.loop_started, scratch_);
      }
    }
    // scratch_ is empty between segments: whatever it holds now is this segment's.
    if (scratch_.empty()) return;
    for (Problem& p : scratch_) {
      if (p.loop_id.empty() && placed.loop != nullptr) p.loop_id = placed.loop->loop_id;
      add_set_problem(std::move(p));
    }
    scratch_.clear();
  }

  void end_set(const Event& e) {
    if (!in_set_) return;
    if (schema_ != nullptr) {
      if (!e.implied) check_segment();
      order_.finish(e.location, scratch_);
      for (Problem& p : scratch_) add_set_problem(std::move(p));
      scratch_.clear();
    }
    if (options_.deliver_segments) {
      listener_.on_set_finish(e.location, scratch_);
      for (Problem& p : scratch_) add_set_problem(std::move(p));
      scratch_.clear();
    }
    set_.segments = reader_.segments_in_transaction();
    if (set_.has_errors()) ++group_.sets_with_errors;
    listener_.on_set_end(set_);
    in_set_ = false;
    schema_ = nullptr;
  }

  void end_group(const Event& e) {
    if (!in_group_) return;
    if (!e.implied) {
      group_.has_trailer = true;
      const std::string_view count = reader_.segment()[1];
      std::from_chars(count.data(), count.data() + count.size(), group_.declared_sets);
    }
    listener_.on_group_end(group_);
    in_group_ = false;
  }

  void end_interchange() {
    if (in_group_ && group_.implied) end_group(Event{EventKind::group_end, {}, {}, true});
    listener_.on_interchange_end(interchange_);
    in_interchange_ = false;
  }

  // Fills the segment id for a reader problem about the segment just read.
  void annotate(Problem& p) const {
    const Scope scope = scope_of(p.code);
    if ((scope == Scope::segment || scope == Scope::element) && p.segment_id.empty() &&
        p.location.segment == reader_.segment().location().segment) {
      p.segment_id = std::string(reader_.segment().tag());
    }
  }

  void route(const Problem& problem) {
    Problem p = problem;
    annotate(p);
    switch (scope_of(p.code)) {
      case Scope::transaction:
      case Scope::segment:
      case Scope::element:
        if (in_set_) return add_set_problem(std::move(p));
        break;
      case Scope::group:
        if (in_group_) {
          count(p);
          listener_.on_problem(p);
          group_.problems.push_back(std::move(p));
          return;
        }
        break;
      default:
        break;
    }
    count(p);
    listener_.on_problem(p);
    if (in_interchange_) interchange_.problems.push_back(std::move(p));
  }

  void add_set_problem(Problem p) {
    count(p);
    listener_.on_problem(p);
    if (set_.problems.size() < max_problems_) set_.problems.push_back(std::move(p));
  }

  void count(const Problem& p) {
    if (p.is_error()) ++errors_;
  }

  const SchemaRegistry& schemas_;
  const ValidatorOptions& options_;
  Reader& reader_;
  ValidationListener& listener_;
  detail::SegmentOrder order_;
  detail::ElementChecker elements_;
  HierarchyCheck hierarchy_;
  std::size_t max_problems_;
  const TransactionSchema* schema_ = nullptr;
  InterchangeResult interchange_;
  GroupResult group_;
  SetResult set_;
  bool in_interchange_ = false;
  bool in_group_ = false;
  bool in_set_ = false;
  std::vector<Problem> scratch_;
  std::uint64_t errors_ = 0;
  bool cached_ = false;  // find_cached's last question and answer
  Standard cached_standard_ = Standard::x12;
  std::string cached_version_;
  std::string cached_id_;
  const TransactionSchema* cached_schema_ = nullptr;
};

}  // namespace

Validator::Validator(const SchemaRegistry& schemas, ValidatorOptions options)
    : schemas_(schemas), options_(options) {}

std::uint64_t Validator::run(Reader& reader, ValidationListener& listener) {
  return Run(schemas_, options_, reader, listener).run();
}

}  // namespace edigate::edi
