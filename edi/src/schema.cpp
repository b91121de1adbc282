#include "edigate/edi/schema.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <pugixml.hpp>
#include <stdexcept>

#include "schema_data.hpp"
#include "schema_key.hpp"

namespace edigate::edi {
namespace {

// A schema file error: thrown inside the loader only, returned as "file:line: message".
struct LoadError {
  std::ptrdiff_t offset;
  std::string message;
};

std::size_t line_of(std::string_view text, std::ptrdiff_t offset) {
  const auto end = text.begin() +
                   std::clamp<std::ptrdiff_t>(offset, 0, static_cast<std::ptrdiff_t>(text.size()));
  return 1 + static_cast<std::size_t>(std::count(text.begin(), end, '\n'));
}

[[noreturn]] void fail(const pugi::xml_node& node, std::string message) {
  throw LoadError{node.offset_debug(), std::move(message)};
}

std::uint32_t number(const pugi::xml_node& node, const char* name, std::uint32_t fallback) {
  const pugi::xml_attribute a = node.attribute(name);
  if (!a) return fallback;
  const std::string_view v = a.value();
  if (v == "unbounded") return UINT32_MAX;
  std::uint32_t out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) {
    fail(node, std::string("attribute ") + name + "='" + std::string(v) + "' is not a number");
  }
  return out;
}

bool mandatory(const pugi::xml_node& node) {
  const std::string_view req = node.attribute("req").value();
  if (req == "M") return true;
  if (req == "O" || req == "C" || req.empty()) return false;
  fail(node, "req='" + std::string(req) + "' must be M or O");
}

ElementType element_type(const pugi::xml_node& node, std::uint8_t& decimals) {
  const std::string_view t = node.attribute("type").value();
  decimals = 0;
  if (t == "AN" || t.empty()) return ElementType::an;
  if (t == "A") return ElementType::a;
  if (t == "ID") return ElementType::id;
  if (t == "R") return ElementType::r;
  if (t == "DT") return ElementType::dt;
  if (t == "TM") return ElementType::tm;
  if (t == "B") return ElementType::b;
  if (t == "N") return ElementType::n;
  if (t.size() == 2 && t[0] == 'N' && t[1] >= '0' && t[1] <= '9') {
    decimals = static_cast<std::uint8_t>(t[1] - '0');
    return ElementType::n;
  }
  fail(node, "type='" + std::string(t) + "' is not one of AN A ID N0-N9 R DT TM B");
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    if (space != 0) words.emplace_back(text.substr(0, space));
    text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
  }
  return words;
}

// Lists up to this long are scanned by the validator; longer ones get a hash table.
constexpr std::size_t kCodesScanned = 4;

void fill_code_table(ElementRule& rule) {
  // At most half full: a missing code (an error) ends its probe at an empty slot soon.
  unsigned bits = 3;
  while ((std::size_t{1} << bits) < 2 * rule.short_codes.size()) ++bits;
  const std::size_t mask = (std::size_t{1} << bits) - 1;
  rule.code_shift = static_cast<std::uint8_t>(64 - bits);
  rule.code_table.assign(mask + 1, 0);
  for (const std::uint64_t key : rule.short_codes) {
    std::size_t slot = code_slot(key, rule.code_shift);
    while (rule.code_table[slot] != 0 && rule.code_table[slot] != key) slot = (slot + 1) & mask;
    rule.code_table[slot] = key;
  }
}

ElementRule element_rule(const pugi::xml_node& node) {
  ElementRule rule;
  rule.position = static_cast<std::uint16_t>(number(node, "pos", 0));
  if (rule.position == 0) fail(node, "element needs pos >= 1");
  rule.mandatory = mandatory(node);
  rule.type = element_type(node, rule.decimals);
  rule.min_length = number(node, "min", 0);
  rule.max_length = number(node, "max", UINT32_MAX);
  if (rule.min_length > rule.max_length) fail(node, "min is greater than max");
  rule.max_repeat = number(node, "repeat", 1);
  rule.codes = node.attribute("codes").value();
  for (const std::string& code : split_words(rule.codes)) {
    if (code.size() <= 8) {
      rule.short_codes.push_back(pack_code(code));
    } else {
      rule.long_codes.push_back(code);
    }
  }
  std::sort(rule.short_codes.begin(), rule.short_codes.end());
  std::sort(rule.long_codes.begin(), rule.long_codes.end());
  rule.coded = !rule.short_codes.empty() || !rule.long_codes.empty();
  if (rule.short_codes.size() > kCodesScanned) fill_code_table(rule);
  rule.name = node.attribute("name").value();
  return rule;
}

ElementRule composite_rule(const pugi::xml_node& node) {
  ElementRule rule;
  rule.position = static_cast<std::uint16_t>(number(node, "pos", 0));
  if (rule.position == 0) fail(node, "composite needs pos >= 1");
  rule.mandatory = mandatory(node);
  rule.max_repeat = number(node, "repeat", 1);
  rule.name = node.attribute("name").value();
  for (const pugi::xml_node& c : node.children()) {
    if (c.type() != pugi::node_element) continue;
    if (std::string_view(c.name()) != "component") fail(c, "composite may only hold <component>");
    rule.components.push_back(element_rule(c));
  }
  if (rule.components.empty()) fail(node, "composite has no components");
  // The validator walks components in position order: sorted, each position once.
  std::sort(rule.components.begin(), rule.components.end(),
            [](const ElementRule& a, const ElementRule& b) { return a.position < b.position; });
  for (std::size_t i = 1; i < rule.components.size(); ++i) {
    if (rule.components[i].position == rule.components[i - 1].position) {
      fail(node, "composite defines component position " +
                     std::to_string(rule.components[i].position) + " twice");
    }
  }
  for (const ElementRule& c : rule.components) {
    if (c.mandatory) rule.last_mandatory = c.position;
  }
  return rule;
}

class SchemaBuilder {
 public:
  explicit SchemaBuilder(TransactionSchema& schema) : schema_(schema) {}

  void build(const pugi::xml_node& root) {
    schema_.root.is_loop = true;
    schema_.root.loop_id = "";
    schema_.root.mandatory = true;
    children(root, schema_.root);
    if (schema_.root.children.empty()) fail(root, "transaction has no segments");
    number_states(schema_.root, schema_.states);
    for (const auto& rule : schema_.segments) schema_.tags.push_back(rule->key);
    std::sort(schema_.tags.begin(), schema_.tags.end());
    schema_.tags.erase(std::unique(schema_.tags.begin(), schema_.tags.end()), schema_.tags.end());
  }

 private:
  const SegmentRule* segment_rule(const pugi::xml_node& node) {
    auto rule = std::make_unique<SegmentRule>();
    rule->tag = node.attribute("tag").value();
    if (rule->tag.empty() || rule->tag.size() > 3) fail(node, "segment tag must be 1-3 characters");
    rule->key = detail::tag_key(rule->tag);
    rule->mandatory = mandatory(node);
    rule->max_use = number(node, "max", 1);
    rule->element_count = static_cast<std::uint16_t>(number(node, "elements", 0));
    for (const pugi::xml_node& e : node.children()) {
      if (e.type() != pugi::node_element) continue;
      const std::string_view kind = e.name();
      if (kind == "element") {
        rule->elements.push_back(element_rule(e));
      } else if (kind == "composite") {
        rule->elements.push_back(composite_rule(e));
      } else {
        fail(e, "segment may only hold <element> and <composite>, not <" + std::string(kind) + ">");
      }
    }
    std::sort(rule->elements.begin(), rule->elements.end(),
              [](const ElementRule& a, const ElementRule& b) { return a.position < b.position; });
    for (std::size_t i = 1; i < rule->elements.size(); ++i) {
      if (rule->elements[i].position == rule->elements[i - 1].position) {
        fail(node, "segment " + rule->tag + " defines position " +
                       std::to_string(rule->elements[i].position) + " twice");
      }
    }
    rule->max_position = rule->elements.empty() ? 0 : rule->elements.back().position;
    rule->by_position.assign(rule->max_position + 1u, nullptr);
    for (const ElementRule& e : rule->elements) {
      rule->by_position[e.position] = &e;
      if (e.mandatory) rule->mandatory_positions.push_back(e.position);
      if (e.mandatory) rule->last_mandatory = e.position;
    }
    if (rule->element_count != 0) rule->most_elements = rule->element_count;
    schema_.segments.push_back(std::move(rule));
    return schema_.segments.back().get();
  }

  // The validator remembers its segment-order searches per state: each (loop, child) pair
  // gets a number so the memory is an array.
  static void number_states(SchemaNode& node, std::uint32_t& next) {
    if (!node.is_loop) return;
    node.state_base = next;
    next += static_cast<std::uint32_t>(node.children.size());
    for (SchemaNode& child : node.children) number_states(child, next);
  }

  static void index_children(SchemaNode& node) {
    const std::size_t n = node.children.size();
    node.child_keys.resize(n);
    node.next_mandatory.assign(n + 1, static_cast<std::uint32_t>(n));
    for (std::size_t i = n; i-- > 0;) {
      node.child_keys[i] = node.children[i].segment->key;
      node.next_mandatory[i] =
          node.children[i].mandatory ? static_cast<std::uint32_t>(i) : node.next_mandatory[i + 1];
    }
  }

  void children(const pugi::xml_node& node, SchemaNode& parent) {
    for (const pugi::xml_node& c : node.children()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view kind = c.name();
      SchemaNode child;
      if (kind == "segment") {
        child.segment = segment_rule(c);
        child.mandatory = child.segment->mandatory;
        child.max_use = child.segment->max_use;
      } else if (kind == "loop" || kind == "group") {
        loop(c, child);
      } else {
        fail(c, "unexpected <" + std::string(kind) + ">; expected <segment> or <loop>");
      }
      parent.children.push_back(std::move(child));
    }
    index_children(parent);
  }

  // hierarchy-top="S" and hierarchy-not-under="O/P O/I": each code must be a listed level.
  static void hierarchy_rules(const pugi::xml_node& node, SchemaNode& out) {
    const auto level_key = [&](std::string_view code) {
      const auto& levels = out.hierarchy_level_list;
      if (code.empty() || code.size() > 8 ||
          std::find(levels.begin(), levels.end(), code) == levels.end()) {
        fail(node, "hierarchy level '" + std::string(code) + "' is not in hierarchy=\"" +
                       out.hierarchy_levels + "\"");
      }
      return pack_code(code);
    };
    if (const pugi::xml_attribute top = node.attribute("hierarchy-top")) {
      out.hierarchy_top = level_key(top.value());
    }
    for (const std::string& pair : split_words(node.attribute("hierarchy-not-under").value())) {
      const std::size_t slash = pair.find('/');
      if (slash == std::string::npos) fail(node, "hierarchy-not-under wants child/parent pairs");
      const std::string_view text(pair);
      out.hierarchy_not_under.emplace_back(level_key(text.substr(0, slash)),
                                           level_key(text.substr(slash + 1)));
    }
  }

  void loop(const pugi::xml_node& node, SchemaNode& out) {
    out.is_loop = true;
    out.loop_id = node.attribute("id").value();
    out.mandatory = mandatory(node);
    out.max_use = number(node, "max", 1);
    out.hierarchical = static_cast<bool>(node.attribute("hierarchy"));
    out.hierarchy_levels = node.attribute("hierarchy").value();
    out.hierarchy_level_list = split_words(out.hierarchy_levels);
    for (const std::string& level : out.hierarchy_level_list) {
      out.hierarchy_level_keys.push_back(pack_code(level));
    }
    hierarchy_rules(node, out);
    children(node, out);
    if (out.children.empty() || out.children.front().is_loop) {
      fail(node, "loop " + out.loop_id + " must start with a segment (its trigger)");
    }
    out.segment = out.children.front().segment;
  }

  TransactionSchema& schema_;
};

// CONTRL is a service message: its UNH carries the syntax version ("D:3" for syntax 3, "4:1"
// for syntax 4, "2:2" before), not a directory. Those map to the directory schemas with the
// matching layout.
std::string version_key(Standard standard, std::string_view version, std::string_view id) {
  if (standard == Standard::x12) return std::string(version.substr(0, 6));
  if (id == "CONTRL") {
    if (version == "D3" || version == "22" || version == "21" || version == "2") return "D96A";
    if (!version.empty() && version[0] == '4') return "D01B";
  }
  return std::string(version);
}

}  // namespace

std::string SchemaRegistry::add(std::string_view text, std::string_view source) {
  pugi::xml_document doc;
  // No DTD processing, no entities beyond the XML built-ins, nothing fetched.
  const pugi::xml_parse_result parsed =
      doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) {
    return std::string(source) + ":" + std::to_string(line_of(text, parsed.offset)) + ": " +
           parsed.description();
  }
  auto schema = std::make_unique<TransactionSchema>();
  try {
    const pugi::xml_node root = doc.child("transaction");
    if (!root) throw LoadError{0, "root element must be <transaction>"};
    const std::string_view standard = root.attribute("standard").value();
    if (standard != "X12" && standard != "EDIFACT") {
      fail(root, "standard must be X12 or EDIFACT");
    }
    schema->standard = standard == "X12" ? Standard::x12 : Standard::edifact;
    schema->version = root.attribute("version").value();
    schema->id = root.attribute("id").value();
    if (schema->version.empty() || schema->id.empty()) fail(root, "version and id are required");
    schema->functional_group = root.attribute("group").value();
    schema->name = root.attribute("name").value();
    schema->source = std::string(source);
    SchemaBuilder(*schema).build(root);
  } catch (const LoadError& e) {
    return std::string(source) + ":" + std::to_string(line_of(text, e.offset)) + ": " + e.message;
  }
  if (find(schema->standard, schema->version, schema->id) != nullptr) {
    return std::string(source) + ":1: a schema for " + schema->id + " " + schema->version +
           " is already loaded";
  }
  schemas_.push_back(std::move(schema));
  return {};
}

const TransactionSchema* SchemaRegistry::find(Standard standard, std::string_view version,
                                              std::string_view id) const {
  const std::string key = version_key(standard, version, id);
  for (const auto& s : schemas_) {
    if (s->standard == standard && s->id == id && s->version == key) return s.get();
  }
  return nullptr;
}

const SchemaRegistry& SchemaRegistry::builtin() {
  static const SchemaRegistry registry = [] {
    SchemaRegistry r;
    for (const detail::EmbeddedSchema& s : detail::embedded_schemas()) {
      const std::string error = r.add(s.text, s.path);
      // The embedded files are checked by the unit tests; a broken one is a build defect.
      if (!error.empty()) throw std::logic_error("embedded schema: " + error);
    }
    return r;
  }();
  return registry;
}

}  // namespace edigate::edi
