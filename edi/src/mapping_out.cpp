// Outbound mapping: canonical documents -> segments -> one interchange. The map's nodes are
// walked in file order; a segment is written when it carries at least one value (a loop's
// first segment always is, once per instance), constants and `when` qualifiers fill the rest.
// HL segments are numbered here, in structure S-O-(T)-P-I order.
#include <chrono>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "edigate/edi/canonical.hpp"
#include "edigate/edi/document.hpp"
#include "edigate/edi/mapping.hpp"
#include "edigate/edi/schema.hpp"
#include "edigate/edi/writer.hpp"
#include "mapping_model.hpp"
#include "mapping_values.hpp"

namespace edigate::edi::mapping {
namespace {

using json = nlohmann::json;

void set_element(SegmentData& seg, Pos pos, std::string value) {
  if (seg.elements.size() < pos.element) seg.elements.resize(pos.element);
  SegmentData::Element& element = seg.elements[pos.element - 1];
  if (element.empty()) element.emplace_back();
  SegmentData::Components& components = element.front();
  const std::size_t c = pos.component == 0 ? 1 : pos.component;
  if (components.size() < c) components.resize(c);
  components[c - 1] = std::move(value);
}

class Renderer {
 public:
  Renderer(const Map& map, const json& document, std::string name, std::vector<Issue>& issues)
      : map_(map), root_(document), name_(std::move(name)), issues_(issues) {}

  std::vector<SegmentData> run() {
    render_children(map_.root, root_, "");
    check_repeats();
    return std::move(out_);
  }

 private:
  void issue(const std::string& path, std::string message) {
    issues_.push_back(Issue{name_, 0, (path.empty() ? "/" : path) + ": " + std::move(message)});
  }

  static const json* member(const json& object, const FieldPath& path, std::size_t keys) {
    const json* at = &object;
    for (std::size_t k = 0; k < keys; ++k) {
      if (!at->is_object()) return nullptr;
      const auto it = at->find(path.keys[k]);
      if (it == at->end()) return nullptr;
      at = &*it;
    }
    return at;
  }

  static std::string join(const std::string& path, const FieldPath& field) {
    std::string out = path;
    for (const std::string& k : field.keys) out += "/" + k;
    return out;
  }

  void render_children(const MapNode& parent, const json& object, const std::string& path) {
    const std::size_t first = parent.kind == NodeKind::loop ? 1 : 0;
    for (std::size_t i = first; i < parent.children.size(); ++i) {
      const MapNode& child = parent.children[i];
      switch (child.kind) {
        case NodeKind::segment:
          render_segment(child, object, path, false);
          break;
        case NodeKind::loop:
          render_loop(child, object, path);
          break;
        case NodeKind::hierarchy:
          render_hierarchy(child, object, path);
          break;
        default:
          break;  // levels: their hierarchy writes them
      }
    }
  }

  // Calls `each` for every instance of a node that has `array` or `into` (the object itself
  // when it has neither).
  template <typename Each>
  void instances(const MapNode& node, const json& object, const std::string& path, bool force,
                 Each each) {
    if (!node.under.empty() && &object == &root_) {
      // `under="orders"`: the node's objects are in each entry of that document array.
      const json* owners = member(root_, node.under, node.under.keys.size());
      if (owners == nullptr || !owners->is_array()) return;
      const std::string base = join("", node.under);
      for (std::size_t i = 0; i < owners->size(); ++i) {
        if ((*owners)[i].is_object()) {
          instances_in(node, (*owners)[i], base + "/" + std::to_string(i), force, each);
        }
      }
      return;
    }
    instances_in(node, object, path, force, each);
  }

  template <typename Each>
  void instances_in(const MapNode& node, const json& object, const std::string& path, bool force,
                    Each each) {
    if (!node.array.empty()) {
      const json* array = member(object, node.array, node.array.keys.size());
      if (array == nullptr) return;
      const std::string base = join(path, node.array);
      if (!array->is_array()) return issue(base, "expected an array");
      for (std::size_t i = 0; i < array->size(); ++i) {
        const std::string at = base + "/" + std::to_string(i);
        if (!(*array)[i].is_object()) {
          issue(at, "expected an object");
          continue;
        }
        each((*array)[i], at, true);
      }
      return;
    }
    if (!node.into.empty()) {
      const json* sub = member(object, node.into, node.into.keys.size());
      const std::string at = join(path, node.into);
      if (sub != nullptr && !sub->is_object()) return issue(at, "expected an object");
      if (sub != nullptr) return each(*sub, at, force);
      if (force || node.always) each(kEmpty, at, force);
      return;
    }
    each(object, path, force);
  }

  void render_loop(const MapNode& loop, const json& object, const std::string& path) {
    instances(loop, object, path, false, [&](const json& item, const std::string& at, bool) {
      // A loop with neither array nor into is written when any of its segments has data (a
      // PCI group for a GIN with the SSCC), or when its first segment is `always` (the
      // EDIFACT UNS that a message must have); its first segment opens it in any case.
      const bool own = !loop.array.empty() || !loop.into.empty();
      const std::size_t before = out_.size();
      const std::size_t produced_before = produced_;
      render_segment(loop.children.front(), item, at, true);
      render_children(loop, item, at);
      if (!own && produced_ == produced_before && !loop.children.front().always) {
        out_.resize(before);
      }
    });
  }

  void render_segment(const MapNode& node, const json& object, const std::string& path,
                      bool force) {
    // Two nodes that fill the same array with the same segment (an 856 DTM before the HL loop
    // and one in the shipment level) write its entries once.
    if (!node.array.empty() && node.when.empty()) {
      const json* array = member(object, node.array, node.array.keys.size());
      if (array != nullptr && !written_arrays_.emplace(array, node.tag).second) return;
    }
    instances(node, object, path, force, [&](const json& target, const std::string& at, bool f) {
      emit(node, target, at, f);
    });
  }

  void emit(const MapNode& node, const json& target, const std::string& path, bool force) {
    for (std::uint16_t n = 0; n < node.max; ++n) {
      SegmentData seg(node.tag);
      for (const Condition& c : node.when) set_element(seg, c.pos, c.values.front());
      bool produced = false;
      bool more = false;
      for (const ElementRule& e : node.elements) {
        produced |= element(e, e.pos, target, path, seg, more);
      }
      for (const DateTimeRule& dt : node.datetimes) produced |= datetime(dt, target, path, seg);
      for (const RepeatRule& r : node.repeats) produced |= repeat(r, target, path, seg, more);
      if (!produced && !(force && n == 0) && !node.always) return;
      if (produced) ++produced_;
      normalize(seg);
      out_.push_back(std::move(seg));
      if (!more) return;
    }
  }

  // Writes one element rule; true when it wrote a value from the document.
  bool element(const ElementRule& e, Pos pos, const json& target, const std::string& path,
               SegmentData& seg, bool& more) {
    if (!e.constant.empty()) set_element(seg, pos, e.constant);
    if (e.computed == "hierarchy-structure") set_element(seg, pos, hierarchy_structure());
    if (e.field.empty()) return false;
    if (!e.each.empty()) return carried(e, pos, target, path, seg);
    const std::string at = join(path, e.field);
    const json* value = lookup(target, e.field, at, more);
    if (value == nullptr) {
      // A count of the document's own entries is data of the document: it writes its segment
      // (the EDIFACT CNT+2 of the lines) as a value would.
      if (!e.count.empty()) {
        const json* counted = member(root_, e.count, e.count.keys.size());
        if (counted != nullptr && counted->is_array()) {
          set_element(seg, pos, std::to_string(counted->size()));
          return true;
        }
      }
      return false;
    }
    if (!value->is_string()) {
      issue(at, "expected a string");
      return false;
    }
    std::string text = value->get<std::string>();
    if (text.empty()) return false;
    std::string out;
    bool ok = true;
    switch (e.type) {
      case ValueType::text:
        out = text;
        if (e.codes != nullptr) {
          const auto it = e.codes->to_edi.find(text);
          if (it != e.codes->to_edi.end()) {
            out = it->second;
          } else if (e.codes->strict) {
            issue(at, "'" + text + "' has no translation for " + e.codes->field);
          }
        }
        break;
      case ValueType::decimal:
        ok = decimal_out(text, e.implied, out);
        break;
      case ValueType::integer:
        ok = integer_in(text, out);
        break;
      case ValueType::date:
        ok = date_out(text, e.width, out);
        break;
      case ValueType::time:
        ok = time_out(text, out);
        break;
      case ValueType::sscc:
        ok = sscc_in(text, out);
        break;
    }
    if (!ok) {
      issue(at, "'" + text + "' is not a " + type_name(e) + " the EDI field can hold");
      return false;
    }
    set_element(seg, pos, std::move(out));
    return true;
  }

  static std::string type_name(const ElementRule& e) {
    switch (e.type) {
      case ValueType::decimal:
        return e.implied >= 0 ? "decimal with at most " + std::to_string(e.implied) + " places"
                              : "decimal";
      case ValueType::integer:
        return "whole number";
      case ValueType::date:
        return "date (YYYY-MM-DD)";
      case ValueType::time:
        return "time (HH:MM[:SS])";
      case ValueType::sscc:
        return "valid SSCC (18 digits)";
      default:
        return "text";
    }
  }

  // What the hierarchy will be written as: S-O-P-I (0001) when any order has packs, else S-O-I.
  std::string hierarchy_structure() const {
    const auto orders = root_.find("orders");
    if (orders != root_.end() && orders->is_array()) {
      for (const json& order : *orders) {
        if (order.is_object() && order.contains("packs")) return "0001";
      }
    }
    return "0004";
  }

  // The value at `field`; for an appending path the next unused entry of its array.
  // An `each` rule: the value of the first object of its array (absent: the constant stays).
  bool carried(const ElementRule& e, Pos pos, const json& target, const std::string& path,
               SegmentData& seg) {
    const json* array = member(target, e.each, e.each.keys.size());
    if (array == nullptr || !array->is_array() || array->empty()) return false;
    const json* value = member(array->front(), e.field, e.field.keys.size());
    if (value == nullptr) return false;
    if (!value->is_string()) {
      issue(join(join(path, e.each) + "/0", e.field), "expected a string");
      return false;
    }
    set_element(seg, pos, value->get<std::string>());
    return true;
  }

  const json* lookup(const json& target, const FieldPath& field, const std::string& at,
                     bool& more) {
    if (!field.append) return member(target, field, field.keys.size());
    const json* array = member(target, field, field.keys.size());
    if (array == nullptr) return nullptr;
    if (!array->is_array()) {
      issue(at, "expected an array of strings");
      return nullptr;
    }
    std::size_t& used = consumed_[array];
    if (used >= array->size()) return nullptr;
    const json* value = &(*array)[used++];
    more = used < array->size();
    return value;
  }

  bool datetime(const DateTimeRule& dt, const json& target, const std::string& path,
                SegmentData& seg) {
    bool more = false;
    const std::string at = join(path, dt.field);
    const json* value = lookup(target, dt.field, at, more);
    if (value == nullptr) return false;
    if (!value->is_string()) {
      issue(at, "expected a date or date-time string");
      return false;
    }
    const std::string text = value->get<std::string>();
    if (!dt.value.empty()) {
      std::string v, format;
      if (!edifact_datetime_out(text, v, format)) {
        issue(at, "'" + text + "' is not an ISO 8601 date or date-time");
        return false;
      }
      set_element(seg, dt.value, v);
      if (!dt.format.empty()) set_element(seg, dt.format, format);
      return true;
    }
    std::string_view date, time, offset;
    std::string d, t;
    if (!split_datetime(text, date, time, offset) || !date_out(date, 8, d) ||
        (!time.empty() && !time_out(time, t))) {
      issue(at, "'" + text + "' is not an ISO 8601 date or date-time");
      return false;
    }
    set_element(seg, dt.date, d);
    if (!t.empty() && !dt.time.empty()) set_element(seg, dt.time, t);
    if (!dt.zone.empty() && !dt.zone_field.empty()) {
      const json* zone = member(target, dt.zone_field, dt.zone_field.keys.size());
      if (zone != nullptr && zone->is_string()) set_element(seg, dt.zone, zone->get<std::string>());
    }
    return true;
  }

  // Writes the next entries of the array (a later segment may take the rest: LIN then PIA).
  bool repeat(const RepeatRule& r, const json& target, const std::string& path, SegmentData& seg,
              bool& more) {
    const json* array = member(target, r.array, r.array.keys.size());
    if (array == nullptr || !array->is_array()) return false;
    const std::string base = join(path, r.array);
    std::size_t& used = consumed_[array];
    if (used == 0) repeated_.emplace_back(array, base + " (" + seg.tag + ")");
    bool produced = false;
    for (std::size_t n = 0; n < r.count && used < array->size(); ++n, ++used) {
      const auto first = static_cast<std::uint16_t>(r.first + n * r.step);
      bool unused = false;
      for (const ElementRule& e : r.elements) {
        const Pos pos{static_cast<std::uint16_t>(first + e.pos.element - 1), e.pos.component};
        produced |= element(e, pos, (*array)[used], base + "/" + std::to_string(used), seg, unused);
      }
    }
    more = more || used < array->size();
    return produced;
  }

  // Entries of repeated groups that no segment had room for.
  void check_repeats() {
    for (const auto& [array, where] : repeated_) {
      const std::size_t used = consumed_[array];
      if (used < array->size()) {
        issue(where, std::to_string(array->size() - used) +
                         " entries do not fit the segments "
                         "the map writes them into");
      }
    }
  }

  // --- hierarchy ------------------------------------------------------------------------------

  void render_hierarchy(const MapNode& h, const json& object, const std::string& path) {
    hierarchy_ = &h;
    render_levels(h, object, path, "");
  }

  // Child levels that share an array (tare and pack both in `packs`): each entry goes to the
  // level whose own child levels it uses most.
  static const MapNode& pick_level(const MapNode& parent, const MapNode& first, const json& item) {
    const MapNode* best = &first;
    int best_score = -1;
    for (const MapNode& child : parent.children) {
      if (child.kind != NodeKind::level) continue;
      const MapNode& c = resolved(child);
      if (c.array.keys != first.array.keys) continue;
      int score = 0;
      for (const MapNode& grandchild : c.children) {
        if (grandchild.kind != NodeKind::level) continue;
        const MapNode& g = resolved(grandchild);
        if (!g.array.empty() && item.contains(g.array.keys.front())) ++score;
      }
      if (score > best_score) {
        best = &c;
        best_score = score;
      }
    }
    return *best;
  }

  void render_levels(const MapNode& parent, const json& object, const std::string& path,
                     const std::string& parent_id) {
    std::vector<const std::vector<std::string>*> done;
    for (const MapNode& child : parent.children) {
      if (child.kind != NodeKind::level) continue;
      const MapNode& level = resolved(child);
      if (level.array.empty()) {
        render_level(level, object, path, parent_id);
        continue;
      }
      bool seen = false;
      for (const auto* d : done) seen = seen || *d == level.array.keys;
      if (seen) continue;
      done.push_back(&level.array.keys);
      instances(level, object, path, false, [&](const json& item, const std::string& at, bool) {
        render_level(pick_level(parent, level, item), item, at, parent_id);
      });
    }
  }

  void render_level(const MapNode& level, const json& object, const std::string& path,
                    const std::string& parent_id) {
    const std::string id = std::to_string(++hl_count_);
    const MapNode& h = *hierarchy_;
    SegmentData segment(h.tag);
    if (h.id_pos > 0) set_element(segment, Pos{h.id_pos, 0}, id);
    if (h.parent_pos > 0 && !parent_id.empty()) {
      set_element(segment, Pos{h.parent_pos, 0}, parent_id);
    }
    if (h.code_pos > 0) set_element(segment, Pos{h.code_pos, 0}, level.code);
    if (h.tag == "HL") {  // HL04: whether levels follow below this one
      bool children = false;
      for (const MapNode& child : level.children) {
        if (child.kind != NodeKind::level) continue;
        const MapNode& c = resolved(child);
        const json* a = c.array.empty() ? nullptr : member(object, c.array, c.array.keys.size());
        children = children || (a != nullptr && a->is_array() && !a->empty());
      }
      set_element(segment, Pos{4, 0}, children ? "1" : "0");
    }
    normalize(segment);
    out_.push_back(std::move(segment));
    render_children(level, object, path);
    render_levels(level, object, path, id);
  }

  static inline const json kEmpty = json::object();

  const Map& map_;
  const json& root_;
  std::string name_;
  std::vector<Issue>& issues_;
  std::vector<SegmentData> out_;
  std::map<const json*, std::size_t> consumed_;
  std::set<std::pair<const json*, std::string>> written_arrays_;
  std::vector<std::pair<const json*, std::string>> repeated_;
  std::size_t hl_count_ = 0;
  std::size_t produced_ = 0;  // segments written with data from the document
  const MapNode* hierarchy_ = nullptr;
};

// Fills d.field in every object on its path that lacks it. A missing object on the way is made
// (totals, extensions); a missing array is not (no order, pack or line is made for a default).
void apply_default(json& object, const Default& d, std::size_t depth = 0,
                   std::string_view path = {}) {
  if (depth == 0) path = d.field;
  const std::size_t dot = path.find('.');
  const std::string key(path.substr(0, dot));
  if (!object.is_object()) return;
  if (dot == std::string_view::npos) {
    if (const auto leaf = object.find(key); leaf == object.end() || leaf->is_null()) {
      object[key] = d.value;
    }
    return;
  }
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) {  // null: as absent, as reading takes it
    if (depth >= d.create.size() || !d.create[depth]) return;
    if (found == object.end()) found = object.emplace(key, json::object()).first;
    *found = json::object();
  }
  json& child = *found;
  if (child.is_array()) {
    for (json& item : child) apply_default(item, d, depth + 1, path.substr(dot + 1));
  } else {
    apply_default(child, d, depth + 1, path.substr(dot + 1));
  }
}

std::string isa_version(const std::string& version) {
  // GS08 "004010" -> ISA12 "00401"
  return version.size() >= 5 ? version.substr(0, 5) : "00401";
}

void stamp(const RenderOptions& options, std::string& date, std::string& time) {
  date = options.date;
  time = options.time;
  if (!date.empty() && !time.empty()) return;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  if (date.empty()) {
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &utc);
    date = buffer;
  }
  if (time.empty()) {
    std::strftime(buffer, sizeof buffer, "%H%M", &utc);
    time = buffer;
  }
}

Transaction make_transaction(const Map& map, const Identity& id, std::string control,
                             std::vector<SegmentData> segments) {
  Transaction t;
  t.id = map.info.transaction;
  t.control_number = std::move(control);
  if (map.info.standard == Standard::edifact) {
    t.version = id.version.substr(0, 1);
    t.release = id.version.size() > 1 ? id.version.substr(1) : "";
    t.agency = "UN";
  }
  t.segments = std::move(segments);
  return t;
}

}  // namespace

RenderResult render_interchange(const Partner& partner, Standard standard,
                                const std::vector<nlohmann::json>& documents,
                                ControlNumberAllocator& control_numbers,
                                const RenderOptions& options) {
  RenderResult result;
  const bool x12 = standard == Standard::x12;
  const std::optional<Identity>& identity = x12 ? partner.x12 : partner.edifact;
  if (!identity) {
    result.issues.push_back(Issue{partner.id, 0,
                                  std::string("the mapping directory's partner.xml (partner '") +
                                      partner.id + "') has no <" + (x12 ? "x12" : "edifact") +
                                      "> identity (our-id, their-id) to write the envelope with"});
    return result;
  }
  const Identity& id = *identity;
  std::string date, time;
  stamp(options, date, time);

  Interchange ic;
  ic.standard = standard;
  ic.delimiters = id.delimiters;
  ic.sender_qualifier = id.our_qualifier;
  ic.sender_id = id.our_id;
  ic.receiver_qualifier = id.their_qualifier;
  ic.receiver_id = id.their_id;
  ic.date = date.substr(2);  // ISA09 and UNB (syntax 3) are YYMMDD
  ic.time = time;
  ic.test = id.test;
  ic.control_number = format_control(control_numbers.next(ControlKind::interchange, partner.id),
                                     ControlKind::interchange, x12);
  ic.version = x12 ? isa_version(id.version) : id.syntax_version;
  if (!x12) ic.syntax_id = id.syntax;

  std::map<std::string, Group> groups;  // X12: one group per functional id
  std::vector<std::string> group_order;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const std::string name = "document " + std::to_string(i + 1);
    const json& doc = documents[i];
    const json* type_value = doc.is_object() && doc.contains("type") ? &doc["type"] : nullptr;
    const auto type = type_value != nullptr && type_value->is_string()
                          ? parse_document_type(type_value->get<std::string>())
                          : std::nullopt;
    if (!type) {
      result.issues.push_back(Issue{name, 0, "/type: not a canonical document type"});
      continue;
    }
    const Map* map = partner.find_outbound(*type, standard);
    if (map == nullptr) {
      result.issues.push_back(Issue{name, 0,
                                    std::string("no ") + (x12 ? "X12" : "EDIFACT") + " map for " +
                                        to_string(*type) + " version " + id.version});
      continue;
    }
    json filled = doc;
    for (const Default& d : map->defaults) apply_default(filled, d);
    const std::size_t issues_before = result.issues.size();
    std::vector<SegmentData> segments = Renderer(*map, filled, name, result.issues).run();
    if (result.issues.size() == issues_before) {
      try {  // what goes out must be a document the schemas accept, as what comes in is
        canonical::check_outbound(filled);
      } catch (const canonical::Error& e) {
        result.issues.push_back(Issue{name, 0, e.what()});
        continue;
      }
    }
    const std::string control = format_control(
        control_numbers.next(ControlKind::transaction, partner.id), ControlKind::transaction, x12);
    Transaction t = make_transaction(*map, id, control, std::move(segments));
    if (!x12) {
      ic.messages.push_back(std::move(t));
      continue;
    }
    const TransactionSchema* schema =
        SchemaRegistry::builtin().find(standard, id.version, map->info.transaction);
    const std::string functional = schema != nullptr ? schema->functional_group : "";
    if (!groups.contains(functional)) {
      Group& g = groups[functional];
      g.functional_id = functional;
      g.sender_id = id.our_group_id;
      g.receiver_id = id.their_group_id;
      g.date = date;
      g.time = time;
      g.agency = "X";
      g.version = id.version;
      g.control_number = format_control(control_numbers.next(ControlKind::group, partner.id),
                                        ControlKind::group, x12);
      group_order.push_back(functional);
    }
    groups[functional].transactions.push_back(std::move(t));
  }
  if (!result.issues.empty()) return result;
  for (const std::string& f : group_order) ic.groups.push_back(std::move(groups[f]));
  WriteOptions write;
  if (id.line_break) write.line_break = "\n";
  WriteResult written = write_interchange(ic, write);
  if (!written.ok()) {
    result.issues.push_back(Issue{partner.id, 0, written.error->message});
    return result;
  }
  result.bytes = std::move(written.bytes);
  return result;
}

}  // namespace edigate::edi::mapping
