// Inbound mapping: EDI segments -> canonical document, one per set, on the Validator's pass.
//
// The map is a tree of segments, loops and hierarchy levels. A segment is looked for among the
// children of the innermost open loop first, then outwards (so a segment that belongs to an
// outer loop closes the inner ones); a loop's first segment opens a new instance of it. HL
// segments place their level by HL02: a level that arrives below one that cannot hold it (an
// 0002 pack below its item) is attached to the nearest ancestor that can, and takes the item
// in. Segments the map does not name are skipped (the Validator has judged them already).
#include <array>
#include <bit>
#include <cstring>
#include <span>

#include "edigate/edi/mapping.hpp"
#include "mapping_model.hpp"
#include "mapping_tree.hpp"
#include "mapping_values.hpp"

namespace edigate::edi::mapping {
namespace {

using Kind = TreeNode::Kind;

struct Frame {
  const MapNode* node;
  TreeNode* object;  // null: an unplaced level whose segments are skipped
  std::vector<std::uint16_t> counts;
  Location start;
};

// A value of an `each` rule, waiting for the objects its loop instance adds to an array.
struct Carried {
  std::size_t depth;  // the stack size when it was read: it goes when that frame closes
  const ElementRule* rule;
  std::string_view value;  // in the tree's text arena
};

struct HlEntry {
  const MapNode* level = nullptr;
  TreeNode* object = nullptr;
  TreeNode* holder = nullptr;   // the array holding object
  std::string_view id, parent;  // in the tree's text arena (valid for the set)
  bool adopted = false;
};

const MapNode kUnplaced{};

// The keys the mapper writes by name (the map's own are interned when it is compiled).
struct Keys {
  std::string_view type = intern_key("type"), envelope = intern_key("envelope"),
                   partner = intern_key("partner"), standard = intern_key("standard"),
                   version = intern_key("version"), transaction = intern_key("transaction"),
                   sender = intern_key("sender"), receiver = intern_key("receiver"),
                   qualifier = intern_key("qualifier"), id = intern_key("id"),
                   group_sender = intern_key("group_sender"),
                   group_receiver = intern_key("group_receiver"),
                   interchange_control_number = intern_key("interchange_control_number"),
                   group_control_number = intern_key("group_control_number"),
                   transaction_control_number = intern_key("transaction_control_number"),
                   test = intern_key("test"), received_at = intern_key("received_at"),
                   message_id = intern_key("message_id"), totals = intern_key("totals"),
                   charge = intern_key("charge"), lines = intern_key("lines"),
                   charges = intern_key("charges"), amount = intern_key("amount"),
                   amount_due = intern_key("amount_due");
};

const Keys& keys() {
  static const Keys k;
  return k;
}

}  // namespace

struct InboundMapper::Impl {
  Impl(const Partner& p, DocumentSink& s, ValidationListener* n, InboundOptions o)
      : partner(p), sink(s), next(n), options(std::move(o)) {}

  const Partner& partner;
  const Keys& keys_ = keys();
  DocumentSink& sink;
  ValidationListener* next;
  InboundOptions options;

  InterchangeHeader interchange;
  GroupHeader group;
  TransactionHeader set;
  const Map* map = nullptr;
  Tree tree;
  TreeNode* root = nullptr;
  std::vector<Frame> stack;
  std::vector<Carried> carried;
  std::vector<HlEntry> hl_by_number;  // HL01 1..n, the common case
  std::vector<HlEntry> hl_other;      // other ids
  std::string json;
  std::string scratch;
  std::string converted;  // a value converted to its canonical form, before tree.keep()
  std::string converted_time;
  Location totals_at;

  // --- set start ------------------------------------------------------------------------------

  void start_set(const TransactionHeader& header) {
    set = header;
    map = partner.find_inbound(interchange.standard, header.id, header.version);
    tree.clear();
    stack.clear();
    carried.clear();
    hl_by_number.clear();
    hl_other.clear();
    if (map == nullptr) return;
    root = tree.make(Kind::object);
    put(root, keys_.type, to_string(map->info.document));
    write_envelope(tree.add(root, keys_.envelope, Kind::object));
    stack.push_back(Frame{&map->root, root, counts_for(map->root), header.location});
  }

  // Into a new object, with a key it does not have yet.
  void put(TreeNode* object, std::string_view key, std::string_view value) {
    if (value.empty()) return;
    tree.add(object, key, Kind::string)->text = tree.keep(value);
  }

  // Every key once, into a new object: members are added without a search.
  void write_envelope(TreeNode* e) {
    const bool x12 = interchange.standard == Standard::x12;
    put(e, keys_.partner, options.partner_id.empty() ? partner.id : options.partner_id);
    put(e, keys_.standard, x12 ? "x12" : "edifact");
    put(e, keys_.version, set.version);
    put(e, keys_.transaction, set.id);
    TreeNode* sender = tree.add(e, keys_.sender, Kind::object);
    put(sender, keys_.qualifier, interchange.sender_qualifier);
    put(sender, keys_.id, interchange.sender_id);
    TreeNode* receiver = tree.add(e, keys_.receiver, Kind::object);
    put(receiver, keys_.qualifier, interchange.receiver_qualifier);
    put(receiver, keys_.id, interchange.receiver_id);
    put(e, keys_.group_sender, group.sender_id);
    put(e, keys_.group_receiver, group.receiver_id);
    put(e, keys_.interchange_control_number, interchange.control_number);
    put(e, keys_.group_control_number, group.control_number);
    put(e, keys_.transaction_control_number, set.control_number);
    if (interchange.test) tree.add(e, keys_.test, Kind::literal)->text = "true";
    put(e, keys_.received_at, options.received_at);
    put(e, keys_.message_id, options.message_id);
  }

  static std::vector<std::uint16_t> counts_for(const MapNode& node) {
    return node.has_required_children ? std::vector<std::uint16_t>(node.children.size(), 0)
                                      : std::vector<std::uint16_t>{};
  }

  // --- segments -------------------------------------------------------------------------------

  static std::string_view raw(const Segment& s, Pos pos) {
    return pos.component == 0 ? s[pos.element] : component(s, pos.element, pos.component);
  }

  // Segment::component() from the reader's component map when it has one (short segments
  // without release or repetition characters): the separators are found by bit scans.
  static std::string_view component(const Segment& s, std::size_t element, std::size_t index) {
    constexpr std::uint8_t kMapOnly = Segment::kKnown | Segment::kComponentMap;
    if ((s.marks() & (kMapOnly | Segment::kRepetition)) != kMapOnly) [[unlikely]]
      return component_scan(s, element, index);
    std::string_view value = s[element];
    if (value.empty()) return value;
    // A mapped segment is shorter than 64 bytes, so offset and size are below 64.
    const auto offset = static_cast<std::size_t>(value.data() - s.raw().data());
    std::uint64_t separators = (s.component_map() >> offset) & ((1ULL << value.size()) - 1);
    for (std::size_t c = 1; c < index; ++c) {
      if (separators == 0) return {};
      const auto at = static_cast<std::size_t>(std::countr_zero(separators));
      separators &= separators - 1;
      const auto next =
          separators == 0 ? value.size() : static_cast<std::size_t>(std::countr_zero(separators));
      // Views made directly: the bounds are known to lie inside `value` (no substr() checks).
      if (c + 1 == index) return {value.data() + at + 1, next - at - 1};
    }
    return separators == 0
               ? value
               : std::string_view(value.data(),
                                  static_cast<std::size_t>(std::countr_zero(separators)));
  }

  // Segment::component() for a segment without a component map (longer ones, or with release
  // characters): without a repetition separator its general path is this one scan (a released
  // byte is data), done here without the part iterator's calls.
  [[gnu::noinline]] static std::string_view component_scan(const Segment& s, std::size_t element,
                                                           std::size_t index) {
    const Delimiters& d = s.delimiters();
    if (d.repetition != 0) return s.component(element, index);
    const std::string_view value = s[element];
    std::size_t begin = 0;
    std::size_t part = 1;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const char c = value[i];
      if (c == d.release && d.release != 0) {
        ++i;  // the next byte is data
      } else if (c == d.component) {
        if (part == index) return {value.data() + begin, i - begin};
        ++part;
        begin = i + 1;
      }
    }
    return part == index ? std::string_view(value.data() + begin, value.size() - begin)
                         : std::string_view{};
  }

  // The value with release characters removed (EDIFACT); a view when nothing was escaped.
  std::string_view text(const Segment& s, Pos pos) {
    const std::string_view r = raw(s, pos);
    const char release = s.delimiters().release;
    if (release == 0 || (s.marks() & (Segment::kKnown | Segment::kRelease)) == Segment::kKnown ||
        r.find(release) == std::string_view::npos) {
      return r;
    }
    scratch = unescape(r, release);
    return scratch;
  }

  // Whether the segment meets the node's `when` conditions (its tag matched already).
  static bool matches(const MapNode& node, const Segment& s) {
    for (const Condition& c : node.when) {
      const std::string_view v = raw(s, c.pos);
      bool any = false;
      for (const std::string& allowed : c.values) any = any || v == allowed;
      if (!any) return false;
    }
    return true;
  }

  void on_segment(const Segment& s, std::vector<Problem>& problems) {
    if (map == nullptr) return;
    const std::uint32_t key = tag_key(s.tag());
    for (std::size_t d = stack.size(); d-- > 0;) {
      const MapNode& parent = *stack[d].node;
      const MapNode::MatchSlot& slot = parent.match_slots[parent.match_slot(key)];
      if (slot.key == key) {
        for (std::uint16_t m = slot.first; m != MapNode::kNoMatch; m = parent.match_next[m]) {
          if (take(d, parent.match_order[m], s, problems)) return;
        }
      } else if (slot.key == MapNode::kSharedSlot) [[unlikely]] {
        if (scan(d, key, s, problems)) return;
      }
    }
  }

  // The tags of a shared slot: every candidate of the frame at `depth` in match order.
  [[gnu::noinline]] bool scan(std::size_t depth, std::uint32_t key, const Segment& s,
                              std::vector<Problem>& problems) {
    const MapNode& parent = *stack[depth].node;
    for (std::size_t m = 0; m < parent.match_keys.size(); ++m) {
      if (parent.match_keys[m] != key) continue;
      const std::uint16_t i = parent.match_order[m];
      if (parent.kind == NodeKind::loop && i == 0) continue;  // its own first segment
      if (take(depth, i, s, problems)) return true;
    }
    return false;
  }

  // Places the segment at child i of the frame at `depth` when it is that child's (its tag
  // matched already); returns whether it was.
  bool take(std::size_t d, std::uint16_t i, const Segment& s, std::vector<Problem>& problems) {
    const MapNode& child = stack[d].node->children[i];
    if (child.kind == NodeKind::segment && matches(child, s)) {
      pop_to(d + 1, s.location(), problems);
      count(d, i);
      if (stack[d].object != nullptr) apply(child, stack[d].object, s, problems);
      return true;
    }
    if (child.kind == NodeKind::loop && matches(child.children.front(), s)) {
      pop_to(d + 1, s.location(), problems);
      count(d, i);
      TreeNode* object = stack[d].object == nullptr ? nullptr : open(child, stack[d].object);
      stack.push_back(Frame{&child, object, counts_for(child), s.location()});
      count(d + 1, 0);
      if (object != nullptr) apply(child.children.front(), object, s, problems);
      return true;
    }
    if (child.kind == NodeKind::hierarchy) {
      pop_to(d + 1, s.location(), problems);
      count(d, i);
      hierarchy_segment(child, d, s, problems);
      return true;
    }
    return false;
  }

  void count(std::size_t depth, std::size_t child) {
    std::vector<std::uint16_t>& counts = stack[depth].counts;
    if (!counts.empty() && counts[child] < 0xFFFF) ++counts[child];
  }

  void pop_to(std::size_t size, const Location& at, std::vector<Problem>& problems) {
    while (stack.size() > size) {
      close(stack.back(), at, problems);
      stack.pop_back();
    }
    while (!carried.empty() && carried.back().depth > stack.size()) carried.pop_back();
  }

  // Partner rules: required children that did not occur in this instance. The problem points
  // at the instance's first segment (the PO1 of the line that lacks its REF), or at the set's
  // trailer for the set as a whole.
  void close(const Frame& f, const Location& end, std::vector<Problem>& problems) {
    if (f.counts.empty() || f.object == nullptr) return;
    const Location& at = f.node->kind == NodeKind::root ? end : f.start;
    for (std::size_t i = 0; i < f.counts.size(); ++i) {
      const MapNode& child = f.node->children[i];
      if (!child.required || f.counts[i] > 0) continue;
      const MapNode& segment = child.kind == NodeKind::loop ? child.children.front() : child;
      std::string what = segment.tag;
      for (const Condition& c : segment.when) {
        what += " with ";
        for (std::size_t v = 0; v < c.values.size(); ++v) what += (v > 0 ? "/" : "") + c.values[v];
      }
      Problem p{ProblemCode::segment_mandatory_missing, Severity::error, at,
                "partner rule: " + what + " is required" +
                    (f.node->kind == NodeKind::root ? std::string(" in the set")
                                                    : " in each " + f.node->tag + " loop")};
      p.segment_id = segment.tag;
      p.loop_id = f.node->kind == NodeKind::root ? std::string() : f.node->tag;
      problems.push_back(std::move(p));
    }
  }

  // The last entry of a root array (made when there is none): where `under` nodes go.
  TreeNode* under_object(const FieldPath& under) {
    TreeNode* array = array_at(root, under);
    if (array->last == nullptr) array->append(tree.make(Kind::object));
    return array->last;
  }

  TreeNode* open(const MapNode& node, TreeNode* object) {
    if (!node.under.empty() && object == root) object = under_object(node.under);
    if (!node.array.empty()) {
      TreeNode* item = append_object(object, node.array);
      if (!carried.empty()) [[unlikely]]
        inherit(node.array, item);
      return item;
    }
    if (!node.into.empty()) return object_at(object, node.into);
    return object;
  }

  [[gnu::noinline]] void carry(const ElementRule& e, std::string_view value) {
    carried.push_back(Carried{stack.size(), &e, tree.keep(value)});
  }

  // A new object of `array` takes the values carried into each object of that array.
  [[gnu::noinline]] void inherit(const FieldPath& array, TreeNode* item) {
    for (const Carried& c : carried) {
      if (c.rule->each.names == array.names) slot(item, c.rule->field)->text = c.value;
    }
  }

  TreeNode* object_at(TreeNode* object, const FieldPath& path) {
    for (const std::string_view name : path.names) object = tree.member(object, name, Kind::object);
    return object;
  }

  TreeNode* array_at(TreeNode* object, const FieldPath& path) {
    for (std::size_t k = 0; k + 1 < path.names.size(); ++k) {
      object = tree.member(object, path.names[k], Kind::object);
    }
    return tree.member(object, path.names.back(), Kind::array);
  }

  TreeNode* append_object(TreeNode* object, const FieldPath& path) {
    TreeNode* array = array_at(object, path);
    TreeNode* item = tree.make(Kind::object);
    array->append(item);
    return item;
  }

  // The string node a field path names (made when absent; a new entry for "x[]" paths).
  TreeNode* slot(TreeNode* object, const FieldPath& path) {
    if (path.append) {
      TreeNode* s = tree.make(Kind::string);
      array_at(object, path)->append(s);
      return s;
    }
    for (std::size_t k = 0; k + 1 < path.names.size(); ++k) {
      object = tree.member(object, path.names[k], Kind::object);
    }
    return tree.member(object, path.names.back(), Kind::string);
  }

  void set_value(TreeNode* object, const FieldPath& path, std::string_view value) {
    if (!value.empty()) slot(object, path)->text = tree.keep(value);
  }

  void apply(const MapNode& node, TreeNode* object, const Segment& s,
             std::vector<Problem>& problems) {
    if (node.totals) totals_at = s.location();
    TreeNode* target = open(node, object);
    for (const ElementRule& e : node.elements) element(e, e.pos, target, s, problems);
    for (const DateTimeRule& dt : node.datetimes) datetime(dt, target, s);
    for (const RepeatRule& r : node.repeats) repeat(r, target, s, problems);
  }

  void repeat(const RepeatRule& r, TreeNode* target, const Segment& s,
              std::vector<Problem>& problems) {
    for (std::uint16_t n = 0; n < r.count; ++n) {
      const auto base = static_cast<std::uint16_t>(r.first + n * r.step);
      if (base > s.size()) break;
      if (r.as_json && json_item(r, base, target, s)) continue;
      bool any = false;
      for (const ElementRule& e : r.elements) {
        any = any || !raw(s, shifted(e.pos, base)).empty();
      }
      if (!any) continue;
      TreeNode* item = append_object(target, r.array);
      for (const ElementRule& e : r.elements) element(e, shifted(e.pos, base), item, s, problems);
    }
  }

  // A repeat's object kept as its JSON text (RepeatRule::as_json), which the writer copies as
  // it is: the same bytes as the object the tree would hold, without its nodes. Returns true
  // when it is done with the group (written, or all empty: no object, as the tree's path
  // does); false, having added nothing, when a value needs escaping or release characters
  // removed (the tree object is made instead).
  bool json_item(const RepeatRule& r, std::uint16_t base, TreeNode* target, const Segment& s) {
    constexpr std::uint8_t kNoRelease = Segment::kKnown;
    if ((s.marks() & (Segment::kKnown | Segment::kRelease)) != kNoRelease) return false;
    // One value per element; a plain array of views, left uninitialised past the elements
    // (a std::string_view array is zeroed whole on every call).
    struct Value {
      const char* data;
      std::size_t size;
    };
    Value values[RepeatRule::kMaxJsonFields];
    std::size_t size = 1;  // `{`, and `}` in place of the first member's comma
    for (std::size_t k = 0; k < r.elements.size(); ++k) {
      const ElementRule& e = r.elements[k];
      const std::string_view v = raw(s, shifted(e.pos, base));
      values[k] = {v.data(), v.size()};
      if (!v.empty()) size += e.plain_key.size() + 6 + v.size();  // ,"k":"v"
    }
    if (size == 1) return true;  // every value empty
    TreeNode* array = array_at(target, r.array);
    char* const start = tree.text_room(size);
    if (start == nullptr) return false;
    char* to = start;
    *to++ = '{';
    bool first = true;
    for (std::size_t k = 0; k < r.elements.size(); ++k) {
      if (values[k].size == 0) continue;
      const std::string_view token = interned_key_token(r.elements[k].plain_key, !first, true);
      // 16 bytes are readable from the token's start and the text room has them.
      std::memcpy(to, token.data(), token.size() <= 16 ? 16 : token.size());
      to += token.size();
      if (Tree::copy_needs_escape(to, {values[k].data, values[k].size})) [[unlikely]]
        return false;
      to += values[k].size;
      *to++ = '"';
      first = false;
    }
    *to++ = '}';
    TreeNode* item = tree.make(Kind::literal);
    item->text = tree.claim_text(static_cast<std::size_t>(to - start));  // size bytes
    array->append(item);
    return true;
  }

  static Pos shifted(Pos pos, std::uint16_t base) {
    return Pos{static_cast<std::uint16_t>(base + pos.element - 1), pos.component};
  }

  void element(const ElementRule& e, Pos pos, TreeNode* target, const Segment& s,
               std::vector<Problem>& problems) {
    if (!e.plain_key.empty()) {
      // In a segment without release characters (most) a value is its raw bytes.
      constexpr std::uint8_t kNoRelease = Segment::kKnown;
      const bool as_is = (s.marks() & (Segment::kKnown | Segment::kRelease)) == kNoRelease;
      std::string_view value = as_is ? raw(s, pos) : text(s, pos);
      if (value.empty()) return;
      if (e.type != ValueType::text) value = convert(e, value, s);
      tree.member(target, e.plain_key, Kind::string)->text = tree.keep(value);
      return;
    }
    const bool ruled = e.required || !e.values.empty();
    if (!ruled && e.field.empty()) return;  // a constant, written outbound only
    const std::string_view value = text(s, pos);
    if (ruled) check_rule(e, pos, value, s, problems);
    if (e.field.empty() || value.empty()) return;
    if (e.codes != nullptr) return translated(e, pos, value, target, s, problems);
    if (e.carried) [[unlikely]]
      return carry(e, value);
    TreeNode* to = slot(target, e.field);
    to->text = tree.keep(e.type == ValueType::text ? value : convert(e, value, s));
  }

  // The canonical form of a typed value. A value the Validator has already reported keeps its
  // raw form: nothing is lost.
  [[gnu::noinline]] std::string_view convert(const ElementRule& e, std::string_view value,
                                             const Segment& s) {
    bool ok = false;
    switch (e.type) {
      case ValueType::text:
        return value;
      case ValueType::decimal:
        if (e.implied <= 0 && canonical_as_received(value)) return value;
        ok = decimal_in(value, e.implied, s.delimiters().decimal, converted);
        break;
      case ValueType::integer:
        ok = integer_in(value, converted);
        break;
      case ValueType::date:
        ok = date_in(value, converted);
        break;
      case ValueType::time:
        ok = time_in(value, converted);
        break;
      case ValueType::sscc:
        ok = sscc_in(value, converted);
        break;
    }
    return ok ? std::string_view(converted) : value;
  }

  // Whether decimal_in() would give `value` back unchanged, whatever the decimal mark: digits
  // without a leading zero (or "0"), then at most a '.' and more digits. Most quantities and
  // weights are, and skip the conversion. (With a mark other than '.', decimal_in() refuses a
  // value with a '.', which then stays as received too.)
  static bool canonical_as_received(std::string_view value) {
    const std::size_t n = value.size();
    if (n == 0 || value[0] == '.' || value[n - 1] == '.') return false;
    if (value[0] == '0' && n > 1 && value[1] != '.') return false;
    bool dot = false;
    for (const char c : value) {
      if (c == '.' && !dot) {
        dot = true;
      } else if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  [[gnu::noinline]] void translated(const ElementRule& e, Pos pos, std::string_view value,
                                    TreeNode* target, const Segment& s,
                                    std::vector<Problem>& problems) {
    const auto it = e.codes->to_canonical.find(value);
    if (it != e.codes->to_canonical.end()) return set_value(target, e.field, it->second);
    if (e.codes->strict) {
      rule_problem(
          ProblemCode::element_invalid_code, pos, s, value,
          "partner rule: '" + std::string(value) + "' has no translation for " + e.codes->field,
          problems);
    }
    set_value(target, e.field, value);
  }

  [[gnu::noinline]] void check_rule(const ElementRule& e, Pos pos, std::string_view value,
                                    const Segment& s, std::vector<Problem>& problems) {
    if (value.empty()) {
      if (e.required) {
        rule_problem(ProblemCode::element_mandatory_missing, pos, s, value,
                     "partner rule: " + std::string(s.tag()) + position_name(pos) + " is required",
                     problems);
      }
      return;
    }
    if (e.values.empty()) return;
    for (const std::string& v : e.values) {
      if (v == value) return;
    }
    rule_problem(ProblemCode::element_invalid_code, pos, s, value,
                 "partner rule: " + std::string(s.tag()) + position_name(pos) + " '" +
                     std::string(value) + "' is not one of the partner's codes",
                 problems);
  }

  static std::string position_name(Pos pos) {
    std::string out = (pos.element < 10 ? "0" : "") + std::to_string(pos.element);
    if (pos.component > 0) out += "-" + std::to_string(pos.component);
    return out;
  }

  void rule_problem(ProblemCode code, Pos pos, const Segment& s, std::string_view value,
                    std::string message, std::vector<Problem>& problems) {
    Problem p{code, Severity::error, s.location_of(pos.element, pos.component), std::move(message)};
    p.segment_id = std::string(s.tag());
    // element_ref stays empty: the map knows positions, not data element numbers (AK402 is
    // optional).

    p.value = std::string(value);
    problems.push_back(std::move(p));
  }

  // `out` and `time` are members, so a date-time longer than a short string costs no allocation.
  void datetime(const DateTimeRule& dt, TreeNode* target, const Segment& s) {
    std::string& out = converted;
    if (!dt.value.empty()) {
      const std::string_view value = text(s, dt.value);  // may be `scratch`, which stays put
      if (value.empty()) return;
      const std::string_view format = dt.format.empty() ? "102" : raw(s, dt.format);
      if (!edifact_datetime_in(value, format, out)) return set_value(target, dt.field, value);
      return set_value(target, dt.field, out);
    }
    const std::string_view date = raw(s, dt.date);
    if (date.empty()) return;
    if (!date_in(date, out)) return set_value(target, dt.field, date);
    std::string& time = converted_time;
    time.clear();
    if (!dt.time.empty() && time_in(raw(s, dt.time), time)) {
      out += 'T';
      out += time;
    }
    const std::string_view zone = dt.zone.empty() ? std::string_view{} : raw(s, dt.zone);
    if (!zone.empty()) {
      if (!time.empty()) out += zone_offset(zone);
      if (!dt.zone_field.empty()) set_value(target, dt.zone_field, zone);
    }
    set_value(target, dt.field, out);
  }

  // --- hierarchy (HL) -------------------------------------------------------------------------

  // An HL id of up to 9 digits as a number (ids 1..n are kept by number, others by text).
  static bool hl_number(std::string_view id, std::size_t& n) {
    if (id.empty() || id.size() > 9) return false;
    n = 0;
    for (const char c : id) {
      const auto digit = static_cast<unsigned>(c - '0');
      if (digit > 9) return false;
      n = n * 10 + digit;
    }
    return true;
  }

  HlEntry* find_hl(std::string_view id) {
    if (id.empty()) return nullptr;
    std::size_t n = 0;
    if (hl_number(id, n) && n > 0 && n <= hl_by_number.size()) {
      HlEntry& e = hl_by_number[n - 1];
      if (e.id == id) return &e;
    }
    for (HlEntry& e : hl_other) {
      if (e.id == id) return &e;
    }
    return nullptr;
  }

  HlEntry& add_hl(std::string_view id) {
    std::size_t n = 0;
    const bool next_number = hl_number(id, n) && n == hl_by_number.size() + 1;
    HlEntry& e = next_number ? hl_by_number.emplace_back() : hl_other.emplace_back();
    e.id = tree.keep(id);
    return e;
  }

  TreeNode* open_level(const MapNode& level, TreeNode* parent, TreeNode*& holder) {
    if (!level.under.empty() && parent == root) parent = under_object(level.under);
    if (level.array.empty()) {
      holder = nullptr;
      return parent;
    }
    holder = array_at(parent, level.array);
    TreeNode* item = tree.make(Kind::object);
    holder->append(item);
    return item;
  }

  void hierarchy_segment(const MapNode& h, std::size_t depth, const Segment& s,
                         std::vector<Problem>& problems) {
    const std::string_view id = s[h.id_pos];
    const std::string_view code = h.code_pos == 0 ? std::string_view{} : s[h.code_pos];
    const std::string_view parent_id = h.parent_pos == 0 ? std::string_view{} : s[h.parent_pos];
    HlEntry* parent = find_hl(parent_id);
    const MapNode* level = nullptr;
    TreeNode* object = nullptr;
    TreeNode* holder = nullptr;
    TreeNode* base = stack[depth].object;
    if (parent != nullptr && parent->level != nullptr) {
      level = child_level(*parent->level, code);
      if (level != nullptr) object = open_level(*level, parent->object, holder);
      for (HlEntry* a = find_hl(parent->parent); level == nullptr && a != nullptr;
           a = find_hl(a->parent)) {
        if (a->level != nullptr && (level = child_level(*a->level, code)) != nullptr) {
          object = open_level(*level, a->object, holder);
          adopt(*level, object, *parent);
        }
      }
    }
    if (level == nullptr && (level = child_level(h, code)) != nullptr && base != nullptr) {
      object = open_level(*level, base, holder);
      if (parent != nullptr) adopt(*level, object, *parent);
    }
    HlEntry& entry = add_hl(id);
    entry.parent = tree.keep(parent_id);
    entry.level = level;
    entry.object = object;
    entry.holder = holder;
    // Below a level already reported, the one report covers this level too.
    const bool parent_unplaced = parent != nullptr && parent->level == nullptr;
    if (level == nullptr && base != nullptr && !parent_unplaced) {
      unmapped_level(s, h, code, parent_id, problems);
    }
    stack.push_back(Frame{level != nullptr ? level : &kUnplaced, object,
                          level != nullptr ? counts_for(*level) : std::vector<std::uint16_t>{},
                          s.location()});
  }

  // A level the map nests nowhere under its parent (an order under an item, a level without
  // a parent): the segments of its loop, and the levels under it, are read but reach no
  // object, so the document would silently lack them. A warning, not an error: the validator judges
  // the set's syntax (and rejects the misplacements the standard forbids); this says what the
  // document left out.
  static void unmapped_level(const Segment& s, const MapNode& h, std::string_view code,
                             std::string_view parent, std::vector<Problem>& problems) {
    std::string message = "hierarchy level " + std::string(s[h.id_pos]);
    if (!code.empty()) message += " (" + std::string(code) + ")";
    message += parent.empty() ? ", without a parent," : " under level " + std::string(parent);
    message +=
        " has no place in the map; its data, and that of the levels under it, is left "
        "out of the document";
    Problem p{ProblemCode::hierarchy_level_unmapped, Severity::warning,
              s.location_of(h.parent_pos != 0 ? h.parent_pos : h.id_pos), std::move(message)};
    p.segment_id = std::string(s.tag());
    problems.push_back(std::move(p));
  }

  // `level` (a pack) arrived below `below` (an item) although the canonical nesting has it the
  // other way round: the item moves into the pack (a copy when it is already in another one).
  void adopt(const MapNode& level, TreeNode* object, HlEntry& below) {
    if (below.level == nullptr || below.object == nullptr || below.level->code.empty()) return;
    const MapNode* inner = child_level(level, below.level->code);
    if (inner == nullptr || inner->array.empty()) return;
    TreeNode* target = array_at(object, inner->array);
    if (below.adopted || below.holder == nullptr) {
      target->append(tree.clone(below.object));
      return;
    }
    below.holder->remove(below.object);
    target->append(below.object);
    below.holder = target;
    below.adopted = true;
  }

  // --- set end --------------------------------------------------------------------------------

  void finish(const Location& end, std::vector<Problem>& problems) {
    if (map == nullptr) return;
    pop_to(0, end, problems);
    for (const Default& d : map->defaults) apply_default(root, d, 0);
    if (map->info.document == DocumentType::freight_invoice) check_freight_totals(problems);
  }

  // The sum of every line charge must be the invoice's total charge (210 L305), and so must
  // the amount due (B307).
  void check_freight_totals(std::vector<Problem>& problems) {
    const TreeNode* totals = root->find(keys_.totals);
    const TreeNode* charge = totals != nullptr ? totals->find(keys_.charge) : nullptr;
    Fixed expected;
    if (charge == nullptr || !parse_fixed(charge->text, expected)) return;
    Fixed sum;
    if (const TreeNode* lines = root->find(keys_.lines)) {
      for (const TreeNode* line = lines->first; line != nullptr; line = line->next) {
        const TreeNode* charges = line->find(keys_.charges);
        for (const TreeNode* c = charges != nullptr ? charges->first : nullptr; c != nullptr;
             c = c->next) {
          const TreeNode* amount = c->find(keys_.amount);
          Fixed value;
          if (amount != nullptr && parse_fixed(amount->text, value)) sum = add(sum, value);
        }
      }
    }
    if (!equal(sum, expected)) {
      totals_problem("the line charges add up to " + to_string(sum) + " but the total charge is " +
                         std::string(charge->text),
                     problems);
    }
    const TreeNode* due = root->find(keys_.amount_due);
    Fixed amount;
    if (due != nullptr && parse_fixed(due->text, amount) && !equal(amount, expected)) {
      totals_problem("the amount due " + std::string(due->text) + " is not the total charge " +
                         std::string(charge->text),
                     problems);
    }
  }

  void totals_problem(std::string message, std::vector<Problem>& problems) const {
    Problem p{ProblemCode::totals_mismatch, Severity::warning, totals_at, std::move(message)};
    p.segment_id = "totals";
    problems.push_back(std::move(p));
  }

  // Fills d.field in every object on its path that lacks it. A missing object on the way is
  // made (totals, extensions); a missing array is not (no order, pack or line is made for a
  // default: it would be an object where the schema wants an array).
  void apply_default(TreeNode* object, const Default& d, std::size_t depth) {
    if (depth >= d.names.size()) return;
    const std::string_view name = d.names[depth];
    if (depth + 1 == d.names.size()) {
      TreeNode* v = tree.member(object, name, Kind::string);
      if (v->kind == Kind::string && v->text.empty()) v->text = tree.keep(d.value);
      return;
    }
    TreeNode* child = object->find(name);
    if (child == nullptr) {
      if (depth >= d.create.size() || !d.create[depth]) return;
      child = tree.member(object, name, Kind::object);
    }
    if (child->kind == Kind::object) return apply_default(child, d, depth + 1);
    if (child->kind == Kind::array) {
      for (TreeNode* item = child->first; item != nullptr; item = item->next) {
        if (item->kind == Kind::object) apply_default(item, d, depth + 1);
      }
    }
  }

  void end_set(const SetResult& result) {
    MappedDocument doc;
    doc.interchange = &interchange;
    doc.group = &group;
    doc.set = &result;
    doc.map = map;
    if (map != nullptr && (options.map_sets_with_errors || !result.has_errors())) {
      const std::size_t length = write_json(*root, json);  // may grow (move) the buffer
      doc.json = std::string_view(json.data(), length);
    }
    sink.on_document(doc);
    map = nullptr;
  }
};

InboundMapper::InboundMapper(const Partner& partner, DocumentSink& sink, ValidationListener* next,
                             InboundOptions options)
    : impl_(std::make_unique<Impl>(partner, sink, next, std::move(options))) {}

InboundMapper::~InboundMapper() = default;

void InboundMapper::on_interchange_start(const InterchangeHeader& header) {
  impl_->interchange = header;
  impl_->group = GroupHeader{};
  if (impl_->next != nullptr) impl_->next->on_interchange_start(header);
}

void InboundMapper::on_group_start(const GroupHeader& header) {
  impl_->group = header;
  if (impl_->next != nullptr) impl_->next->on_group_start(header);
}

void InboundMapper::on_set_start(const TransactionHeader& header) {
  impl_->start_set(header);
  if (impl_->next != nullptr) impl_->next->on_set_start(header);
}

void InboundMapper::on_segment(const Segment& segment, std::vector<Problem>& problems) {
  impl_->on_segment(segment, problems);
  if (impl_->next != nullptr) impl_->next->on_segment(segment, problems);
}

void InboundMapper::on_set_finish(const Location& end, std::vector<Problem>& problems) {
  impl_->finish(end, problems);
  if (impl_->next != nullptr) impl_->next->on_set_finish(end, problems);
}

void InboundMapper::on_set_end(const SetResult& result) {
  impl_->end_set(result);
  if (impl_->next != nullptr) impl_->next->on_set_end(result);
}

void InboundMapper::on_group_end(const GroupResult& result) {
  impl_->group = GroupHeader{};
  if (impl_->next != nullptr) impl_->next->on_group_end(result);
}

void InboundMapper::on_interchange_end(const InterchangeResult& result) {
  if (impl_->next != nullptr) impl_->next->on_interchange_end(result);
}

void InboundMapper::on_problem(const Problem& problem) {
  if (impl_->next != nullptr) impl_->next->on_problem(problem);
}

}  // namespace edigate::edi::mapping
