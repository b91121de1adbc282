// Loading mapping files: XSD check (libxml2, file:line errors), reading (pugixml), overlays
// (`extends` with add/replace/remove/rule/codes/default), then compile() into a Map.
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <pugixml.hpp>
#include <sstream>

#include "edigate/edi/canonical.hpp"
#include "edigate/edi/xml_check.hpp"
#include "mapping_model.hpp"
#include "mapping_tree.hpp"

namespace edigate::edi::mapping {

const char* mapping_xsd_text();  // generated from mappings/schema/mapping.xsd

namespace {

constexpr int kMaxExtendsDepth = 8;

const XmlSchema& mapping_schema() {
  static const XmlSchema schema = [] {
    std::vector<XmlIssue> issues;
    return XmlSchema::compile(mapping_xsd_text(), "mapping.xsd", issues);
  }();
  return schema;
}

class Loader {
 public:
  Loader(std::vector<Issue>& issues, std::filesystem::path standard_dir)
      : issues_(issues), standard_dir_(std::move(standard_dir)) {}

  std::shared_ptr<Map> load(const std::filesystem::path& path, int depth) {
    const std::string file = path.string();
    if (depth > kMaxExtendsDepth) return fail(file, 0, "extends chain deeper than 8 files");
    std::string text;
    if (std::string why; !read(path, text, why))
      return fail(file, 0, "cannot read the file: " + why);
    if (!xsd_check(text, file)) return nullptr;
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
    if (!parsed) return fail(file, line_of(text, parsed.offset), parsed.description());
    lines_.assign(text.begin(), text.end());
    file_ = file;
    const pugi::xml_node root = doc.document_element();
    std::shared_ptr<Map> map;
    if (const char* base = root.attribute("extends").value(); *base != '\0') {
      constexpr std::string_view kStandard = "standard:";
      const std::string_view named(base);
      if (named.starts_with(kStandard) && standard_dir_.empty()) {
        return fail(file_, line(root),
                    std::string(base) +
                        ": no standard maps directory is known here (<mappings "
                        "standard> in edigate.xml, --standard-maps)");
      }
      if (named.starts_with(kStandard)) {
        const std::filesystem::path inside(named.substr(kStandard.size()));
        const bool escapes = inside.empty() || inside.is_absolute() ||
                             std::any_of(inside.begin(), inside.end(),
                                         [](const std::filesystem::path& p) { return p == ".."; });
        if (escapes) {
          return fail(file_, line(root),
                      std::string(base) +
                          ": standard: names a map inside the standard maps "
                          "directory (x12/850.xml)");
        }
      }
      const std::filesystem::path base_path = named.starts_with(kStandard)
                                                  ? standard_dir_ / named.substr(kStandard.size())
                                                  : path.parent_path() / base;
      const std::string saved_file = file_;
      const std::string saved_text = lines_;
      map = load(base_path, depth + 1);
      file_ = saved_file;
      lines_ = saved_text;
      if (map == nullptr)
        return fail(file_, line(root), "cannot load the map it extends: " + std::string(base));
      map->info.extends_chain.insert(map->info.extends_chain.begin(), map->info.file);
    } else {
      map = std::make_shared<Map>();
      map->root.kind = NodeKind::root;
      map->root.file = file_;
    }
    map->info.file = file_;
    if (!read_header(root, *map)) return nullptr;
    const std::size_t before = issues_.size();
    for (const pugi::xml_node child : root.children()) {
      if (child.type() == pugi::node_element) apply(child, *map);
    }
    if (issues_.size() != before) return nullptr;
    return map;
  }

 private:
  std::shared_ptr<Map> fail(const std::string& file, long at, std::string message) {
    issues_.push_back(Issue{file, at, std::move(message)});
    return nullptr;
  }

  static bool read(const std::filesystem::path& path, std::string& out, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      why = std::strerror(errno);
      return false;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return true;
  }

  bool xsd_check(const std::string& text, const std::string& file) {
    const XmlSchema& schema = mapping_schema();
    if (!schema.valid()) {
      fail(file, 0, "the built-in mapping.xsd does not compile");
      return false;
    }
    const std::vector<XmlIssue> found = schema.check(text, file);
    for (const XmlIssue& i : found) issues_.push_back(Issue{i.file, i.line, i.message});
    return found.empty();
  }

  static long line_of(std::string_view text, std::ptrdiff_t offset) {
    if (offset < 0) return 0;
    const auto end = text.begin() + std::min<std::ptrdiff_t>(offset, std::ssize(text));
    return 1 + static_cast<long>(std::count(text.begin(), end, '\n'));
  }
  long line(const pugi::xml_node& node) const { return line_of(lines_, node.offset_debug()); }

  void error(const pugi::xml_node& node, std::string message) {
    issues_.push_back(Issue{file_, line(node), std::move(message)});
  }

  bool read_header(const pugi::xml_node& root, Map& map) {
    if (const char* d = root.attribute("document").value(); *d != '\0') {
      map.info.document = *parse_document_type(d);
      has_document_ = true;
    }
    if (const char* s = root.attribute("standard").value(); *s != '\0') {
      map.info.standard = std::string_view(s) == "x12" ? Standard::x12 : Standard::edifact;
    }
    if (const char* t = root.attribute("transaction").value(); *t != '\0') map.info.transaction = t;
    if (const pugi::xml_attribute v = root.attribute("versions")) {
      map.info.versions.clear();
      std::istringstream words(v.value());
      for (std::string w; words >> w;) map.info.versions.push_back(w);
    }
    if (map.info.transaction.empty() || (!has_document_ && map.info.extends_chain.empty())) {
      error(root, "a mapping needs document, standard and transaction (or extends)");
      return false;
    }
    return true;
  }

  // --- parsing attributes ---------------------------------------------------------------------

  static Pos parse_pos(std::string_view text) {
    Pos pos;
    const std::size_t dot = text.find('.');
    const std::string_view e = text.substr(0, dot);
    std::from_chars(e.data(), e.data() + e.size(), pos.element);
    if (dot != std::string_view::npos) {
      const std::string_view c = text.substr(dot + 1);
      std::from_chars(c.data(), c.data() + c.size(), pos.component);
    }
    return pos;
  }

  static FieldPath parse_path(std::string_view text) {
    FieldPath path;
    if (text.size() >= 2 && text.substr(text.size() - 2) == "[]") {
      path.append = true;
      text.remove_suffix(2);
    }
    while (!text.empty()) {
      const std::size_t dot = text.find('.');
      path.keys.emplace_back(text.substr(0, dot));
      if (dot == std::string_view::npos) break;
      text.remove_prefix(dot + 1);
    }
    return path;
  }

  static std::vector<std::string> words(std::string_view text, char separator) {
    std::vector<std::string> out;
    while (!text.empty()) {
      const std::size_t at = text.find(separator);
      if (at != 0) out.emplace_back(text.substr(0, at));
      if (at == std::string_view::npos) break;
      text.remove_prefix(at + 1);
    }
    return out;
  }

  static std::vector<Condition> parse_when(std::string_view text) {
    std::vector<Condition> out;
    for (const std::string& term : words(text, ' ')) {
      const std::size_t eq = term.find('=');
      out.push_back(Condition{parse_pos(std::string_view(term).substr(0, eq)),
                              words(std::string_view(term).substr(eq + 1), '|')});
    }
    return out;
  }

  static ValueType parse_type(std::string_view t) {
    if (t == "decimal") return ValueType::decimal;
    if (t == "integer") return ValueType::integer;
    if (t == "date") return ValueType::date;
    if (t == "time") return ValueType::time;
    if (t == "sscc") return ValueType::sscc;
    return ValueType::text;
  }

  ElementRule read_element(const pugi::xml_node& x) {
    ElementRule rule;
    rule.pos = parse_pos(x.attribute("pos").value());
    rule.field = parse_path(x.attribute("field").value());
    rule.constant = x.attribute("value").value();
    rule.type = parse_type(x.attribute("type").value());
    rule.implied = x.attribute("implied") ? x.attribute("implied").as_int() : -1;
    rule.width = x.attribute("width").as_int();
    rule.count = parse_path(x.attribute("count").value());
    rule.each = parse_path(x.attribute("each").value());
    rule.required = x.attribute("required").as_bool();
    rule.values = words(x.attribute("values").value(), ' ');
    rule.computed = x.attribute("computed").value();
    rule.line = line(x);
    if (rule.field.empty() && rule.constant.empty() && !rule.required && rule.values.empty() &&
        rule.computed.empty()) {
      error(x, "an element needs a field, a value or a rule");
    }
    if (!rule.each.empty() && (rule.field.empty() || rule.field.append || rule.each.append)) {
      error(x, "each=\"...\" needs a field of its own (not \"x[]\") and names an array of objects");
    }
    if (rule.implied >= 0 && rule.type != ValueType::decimal) {
      error(x, "implied decimals need type=\"decimal\"");
    }
    return rule;
  }

  DateTimeRule read_datetime(const pugi::xml_node& x) {
    DateTimeRule rule;
    rule.field = parse_path(x.attribute("field").value());
    rule.date = parse_pos(x.attribute("date").value());
    rule.time = parse_pos(x.attribute("time").value());
    rule.zone = parse_pos(x.attribute("zone").value());
    rule.value = parse_pos(x.attribute("value").value());
    rule.format = parse_pos(x.attribute("format").value());
    rule.zone_field = parse_path(x.attribute("zone-field").value());
    if (rule.date.empty() == rule.value.empty()) {
      error(x, "a datetime reads either date (and time, zone) or value (and format)");
    }
    return rule;
  }

  RepeatRule read_repeat(const pugi::xml_node& x) {
    RepeatRule rule;
    rule.first = static_cast<std::uint16_t>(x.attribute("first").as_uint());
    rule.step = static_cast<std::uint16_t>(x.attribute("step").as_uint());
    rule.count = static_cast<std::uint16_t>(x.attribute("count").as_uint());
    rule.array = parse_path(x.attribute("array").value());
    for (const pugi::xml_node e : x.children("element")) rule.elements.push_back(read_element(e));
    if (rule.step == 0 || rule.count == 0) error(x, "a repeat needs step and count above 0");
    return rule;
  }

  MapNode read_node(const pugi::xml_node& x) {
    MapNode node;
    const std::string_view name = x.name();
    node.kind = name == "segment"     ? NodeKind::segment
                : name == "loop"      ? NodeKind::loop
                : name == "hierarchy" ? NodeKind::hierarchy
                                      : NodeKind::level;
    node.id = x.attribute("id").value();
    node.tag = x.attribute("tag").value();
    if (node.kind == NodeKind::hierarchy && node.tag.empty()) node.tag = "HL";
    node.when = parse_when(x.attribute("when").value());
    node.array = parse_path(x.attribute("array").value());
    node.into = parse_path(x.attribute("into").value());
    node.max = static_cast<std::uint16_t>(std::max(1u, x.attribute("max").as_uint(1)));
    node.always = x.attribute("always").as_bool();
    node.required = x.attribute("required").as_bool();
    node.code = x.attribute("code").value();
    node.use = x.attribute("use").value();
    node.under = parse_path(x.attribute("under").value());
    if (node.kind == NodeKind::hierarchy) {
      node.id_pos = static_cast<std::uint16_t>(x.attribute("id-pos").as_uint(1));
      node.parent_pos = static_cast<std::uint16_t>(x.attribute("parent-pos").as_uint(2));
      node.code_pos = static_cast<std::uint16_t>(x.attribute("code-pos").as_uint(3));
    }
    node.file = file_;
    node.line = line(x);
    for (const pugi::xml_node c : x.children()) {
      if (c.type() != pugi::node_element) continue;
      const std::string_view cn = c.name();
      if (cn == "element") {
        node.elements.push_back(read_element(c));
      } else if (cn == "datetime") {
        node.datetimes.push_back(read_datetime(c));
      } else if (cn == "repeat") {
        node.repeats.push_back(read_repeat(c));
      } else {
        node.children.push_back(read_node(c));
      }
    }
    if (node.kind == NodeKind::loop) node.tag = node.children.front().tag;
    return node;
  }

  // --- overlays -------------------------------------------------------------------------------

  // Finds the node with `id`: its parent's children and its index there.
  static bool find(MapNode& parent, std::string_view id, std::vector<MapNode>*& siblings,
                   std::size_t& index) {
    for (std::size_t i = 0; i < parent.children.size(); ++i) {
      if (parent.children[i].id == id) {
        siblings = &parent.children;
        index = i;
        return true;
      }
      if (find(parent.children[i], id, siblings, index)) return true;
    }
    return false;
  }

  MapNode* find_node(Map& map, std::string_view id) {
    if (id.empty()) return &map.root;
    std::vector<MapNode>* siblings = nullptr;
    std::size_t index = 0;
    return find(map.root, id, siblings, index) ? &(*siblings)[index] : nullptr;
  }

  void apply(const pugi::xml_node& x, Map& map) {
    const std::string_view name = x.name();
    if (name == "segment" || name == "loop" || name == "hierarchy") {
      map.root.children.push_back(read_node(x));
    } else if (name == "codes") {
      read_codes(x, map);
    } else if (name == "default") {
      const std::string field = x.attribute("field").value();
      std::erase_if(map.defaults, [&](const Default& d) { return d.field == field; });
      map.defaults.push_back(Default{field, x.attribute("value").value(), {}, file_, line(x), {}});
    } else if (name == "rule") {
      apply_rule(x, map);
    } else if (name == "add") {
      apply_add(x, map);
    } else if (name == "replace" || name == "remove") {
      std::vector<MapNode>* siblings = nullptr;
      std::size_t index = 0;
      if (!find(map.root, x.attribute("ref").value(), siblings, index)) {
        return error(x, "no node with id '" + std::string(x.attribute("ref").value()) + "'");
      }
      if (name == "remove") {
        siblings->erase(siblings->begin() + static_cast<std::ptrdiff_t>(index));
      } else {
        MapNode replacement = read_node(x.first_child());
        if (replacement.id.empty()) replacement.id = (*siblings)[index].id;
        (*siblings)[index] = std::move(replacement);
      }
    }
  }

  void read_codes(const pugi::xml_node& x, Map& map) {
    CodeTable table;
    table.field = x.attribute("field").value();
    table.strict = x.attribute("strict").as_bool();
    table.file = file_;
    table.line = line(x);
    for (const pugi::xml_node c : x.children("code")) {
      const std::string edi = c.attribute("edi").value();
      const std::string canonical = c.attribute("canonical").value();
      table.to_canonical.emplace(edi, canonical);
      table.to_edi.emplace(canonical, edi);  // the first EDI code for a canonical value wins
    }
    std::erase_if(map.codes, [&](const CodeTable& t) { return t.field == table.field; });
    map.codes.push_back(std::move(table));
  }

  void apply_rule(const pugi::xml_node& x, Map& map) {
    MapNode* node = find_node(map, x.attribute("ref").value());
    if (node == nullptr || node->kind == NodeKind::root) {
      return error(x, "no node with id '" + std::string(x.attribute("ref").value()) + "'");
    }
    if (!x.attribute("pos")) {
      node->required = x.attribute("required").as_bool();
      return;
    }
    const Pos pos = parse_pos(x.attribute("pos").value());
    MapNode& segment = node->kind == NodeKind::loop ? node->children.front() : *node;
    auto it = std::find_if(segment.elements.begin(), segment.elements.end(), [&](const auto& e) {
      return e.pos.element == pos.element && e.pos.component == pos.component;
    });
    if (it == segment.elements.end()) {
      segment.elements.push_back(ElementRule{});
      it = std::prev(segment.elements.end());
      it->pos = pos;
      it->line = line(x);
    }
    if (x.attribute("required")) it->required = x.attribute("required").as_bool();
    if (x.attribute("values")) it->values = words(x.attribute("values").value(), ' ');
  }

  void apply_add(const pugi::xml_node& x, Map& map) {
    std::vector<MapNode> added;
    for (const pugi::xml_node c : x.children()) {
      if (c.type() == pugi::node_element) added.push_back(read_node(c));
    }
    if (const char* after = x.attribute("after").value(); *after != '\0') {
      std::vector<MapNode>* siblings = nullptr;
      std::size_t index = 0;
      if (!find(map.root, after, siblings, index)) {
        return error(x, "no node with id '" + std::string(after) + "'");
      }
      siblings->insert(siblings->begin() + static_cast<std::ptrdiff_t>(index) + 1,
                       std::make_move_iterator(added.begin()),
                       std::make_move_iterator(added.end()));
      return;
    }
    MapNode* in = find_node(map, x.attribute("in").value());
    if (in == nullptr || in->kind == NodeKind::segment) {
      return error(x, "no loop, level or hierarchy with id '" +
                          std::string(x.attribute("in").value()) + "'");
    }
    for (MapNode& n : added) in->children.push_back(std::move(n));
  }

  std::vector<Issue>& issues_;
  std::filesystem::path standard_dir_;
  std::string file_;
  std::string lines_;
  bool has_document_ = false;
};

std::string join(const std::string& scope, const FieldPath& path) {
  std::string out = scope;
  for (const std::string& k : path.keys) {
    if (!out.empty()) out += '.';
    out += k;
  }
  return out;
}

class Compiler {
 public:
  Compiler(Map& map, std::vector<Issue>& issues) : map_(map), issues_(issues) {}

  bool run() {
    const std::size_t before = issues_.size();
    resolve_uses(map_.root);
    map_.root.scope.clear();
    compile_children(map_.root);
    for (const CodeTable& t : map_.codes) check_path(t.file, t.line, t.field, Want::value);
    for (Default& d : map_.defaults) {
      check_path(d.file, d.line, d.field, Want::value);
      d.create = creatable(d.field);
      d.names.clear();
      for (std::string_view rest = d.field; !rest.empty();) {
        const std::size_t dot = rest.find('.');
        d.names.push_back(intern_key(rest.substr(0, dot)));
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
      }
    }
    mark_json_repeats(map_.root);
    return issues_.size() == before;
  }

 private:
  static const MapNode* find_id(const MapNode& node, std::string_view id) {
    if (node.id == id) return &node;
    for (const MapNode& c : node.children) {
      if (const MapNode* found = find_id(c, id)) return found;
    }
    return nullptr;
  }

  // <level use="item"/> stands for the level with id "item" (a pack level may use itself for
  // packs inside packs). Runs after every overlay change, so the pointers stay valid.
  void resolve_uses(MapNode& node) {
    for (MapNode& c : node.children) {
      c.used = nullptr;
      if (!c.use.empty()) {
        const MapNode* source = find_id(map_.root, c.use);
        if (source == nullptr || source->kind != NodeKind::level || !source->use.empty() ||
            !c.children.empty()) {
          issue(c, "use='" + c.use +
                       "' must name a level with content of its own, and the "
                       "level that uses it has none");
          continue;
        }
        c.used = source;
      }
      resolve_uses(c);
    }
  }

  static bool specific(const MapNode& node) {
    const MapNode& first = node.kind == NodeKind::loop ? node.children.front() : node;
    return !first.when.empty();
  }

  void compile_children(MapNode& parent) {
    parent.match_order.clear();
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 0; i < parent.children.size(); ++i) {
        const MapNode& c = parent.children[i];
        if (c.kind == NodeKind::loop && c.children.empty()) continue;
        if (specific(c) == (pass == 0)) parent.match_order.push_back(static_cast<std::uint16_t>(i));
      }
    }
    for (MapNode& child : parent.children) {
      if (child.required) parent.has_required_children = true;
      compile(child, parent.scope);
    }
    parent.match_keys.clear();
    for (const std::uint16_t i : parent.match_order) {
      const MapNode& c = parent.children[i];
      parent.match_keys.push_back(c.kind == NodeKind::level ? 0 : c.tag_key);
    }
    compile_match_slots(parent);
  }

  // A multiplier under which the node's tags all hash to different slots (a few dozen odd
  // numbers are tried; most nodes have fewer than a dozen tags), then the slots and chains.
  static void compile_match_slots(MapNode& parent) {
    for (std::uint32_t attempt = 0; attempt < 64; ++attempt) {
      parent.match_multiplier = MapNode::kMatchMultiplier + attempt * 0x01000193U * 2;
      if (fill_match_slots(parent)) return;
    }
    parent.match_multiplier = MapNode::kMatchMultiplier;
    fill_match_slots(parent);  // some slots shared: those tags are scanned
  }

  // Returns whether no two tags share a slot.
  static bool fill_match_slots(MapNode& parent) {
    parent.match_slots.fill({});
    parent.match_next.assign(parent.match_order.size(), MapNode::kNoMatch);
    std::array<std::uint16_t, MapNode::kMatchSlots> last{};  // each chain's end
    bool distinct = true;
    for (std::size_t m = 0; m < parent.match_order.size(); ++m) {
      const std::uint32_t key = parent.match_keys[m];
      if (key == 0) continue;  // a level: placed by its hierarchy, never by tag
      if (parent.kind == NodeKind::loop && parent.match_order[m] == 0) continue;  // own first
      const std::size_t h = parent.match_slot(key);
      MapNode::MatchSlot& slot = parent.match_slots[h];
      const auto here = static_cast<std::uint16_t>(m);
      if (slot.first == MapNode::kNoMatch) {
        slot = {key, here};
      } else if (slot.key == key) {
        parent.match_next[last[h]] = here;
      } else {
        slot.key = MapNode::kSharedSlot;
        distinct = false;
      }
      last[h] = here;
    }
    return distinct;
  }

  void compile(MapNode& node, const std::string& parent_scope) {
    // `under` nodes live in an entry of a root array (DESADV packs in orders[]).
    const std::string base = node.under.empty() ? parent_scope : join("", node.under);
    node.scope = base;
    if (!node.array.empty()) node.scope = join(base, node.array);
    if (!node.into.empty()) node.scope = join(base, node.into);
    node.tag_key = tag_key(node.tag);
    node.totals = node.scope == "totals";
    if (node.kind == NodeKind::loop &&
        (node.children.empty() || node.children.front().kind != NodeKind::segment)) {
      issue(node, "a loop starts with a segment");
      return;
    }
    if (node.kind == NodeKind::segment && node.tag.size() < 2) issue(node, "a segment needs a tag");
    for (FieldPath* path : {&node.array, &node.into, &node.under}) intern(*path);
    if (!node.under.empty()) check_path(node.file, node.line, base, Want::array);
    if (!node.array.empty()) check_field(node, base, node.array, node.line, Want::array);
    if (!node.into.empty()) check_field(node, base, node.into, node.line, Want::object);
    // A level that stands for another fills the same kind of object: its array is named as
    // the other's (items for items, packs for packs), wherever it sits.
    if (node.used != nullptr && !node.array.empty() && !node.used->array.empty() &&
        node.array.keys.back() != node.used->array.keys.back()) {
      issue(node, "use='" + node.use + "' stands for a level of '" + node.used->array.keys.back() +
                      "', not of '" + node.array.keys.back() + "'");
    }
    for (ElementRule& e : node.elements) attach(e, node, node.scope);
    for (DateTimeRule& dt : node.datetimes) {
      intern(dt.field);
      intern(dt.zone_field);
      check_field(node, node.scope, dt.field, node.line, Want::value);
      check_field(node, node.scope, dt.zone_field, node.line, Want::value);
    }
    for (RepeatRule& r : node.repeats) {
      intern(r.array);
      check_field(node, node.scope, r.array, node.line, Want::array);
      const std::string scope = join(node.scope, r.array);
      for (ElementRule& e : r.elements) attach(e, node, scope);
    }
    compile_children(node);
  }

  // A field the map names must be one of the document's canonical fields, or lie inside an
  // `extensions` object: a misspelt name would deliver JSON the ERP's schema refuses, and
  // outbound it would write nothing.
  // What a map puts at a path: a value (an element, a date, a default, a code), strings
  // appended ("lines[]"), an object (into), an array of objects (array, under, each, repeat)
  // or an array either way (count).
  enum class Want : unsigned char { value, strings, object, array, any_array };

  void check_field(const MapNode& node, const std::string& scope, const FieldPath& path, long line,
                   Want want) {
    if (path.empty()) return;  // nothing named (a datetime without zone-field)
    check_path(node.file, line, join(scope, path), want);
  }

  void check_path(const std::string& file, long line, const std::string& full, Want want) {
    using canonical::FieldKind;
    const char* type = to_string(map_.info.document);
    const std::optional<FieldKind> kind = canonical::field_kind(type, full);
    if (!kind) {
      issues_.push_back(Issue{file, line,
                              "'" + full + "' is not a field of a canonical " + type +
                                  " (docs/canonical.md); a partner's own data goes under "
                                  "extensions"});
      return;
    }
    if (*kind == FieldKind::extensions) return;  // the partner's own: any shape
    const bool fits = want == Want::value     ? *kind == FieldKind::scalar
                      : want == Want::strings ? *kind == FieldKind::strings
                      : want == Want::object  ? *kind == FieldKind::object
                      : want == Want::array
                          ? *kind == FieldKind::array
                          : *kind == FieldKind::array || *kind == FieldKind::strings;
    if (fits) return;
    static constexpr const char* kKinds[] = {"a value", "an array of values", "an object",
                                             "an array of objects"};
    static constexpr const char* kWants[] = {"a value", "values appended ([])", "an object (into)",
                                             "an array of objects", "an array (count)"};
    issues_.push_back(Issue{file, line,
                            "'" + full + "' is " + kKinds[static_cast<int>(*kind)] +
                                " in a canonical " + type + ", where the map puts " +
                                kWants[static_cast<int>(want)]});
  }

  // For a default: whether each key of its path, missing from a document, is made (an object,
  // or inside extensions) or ends the default there (an array: no order, pack or line is made).
  std::vector<bool> creatable(const std::string& field) const {
    std::vector<bool> out;
    const char* type = to_string(map_.info.document);
    for (std::size_t dot = field.find('.'); dot != std::string::npos;
         dot = field.find('.', dot + 1)) {
      const auto kind = canonical::field_kind(type, std::string_view(field).substr(0, dot));
      out.push_back(kind == canonical::FieldKind::object ||
                    kind == canonical::FieldKind::extensions);
    }
    out.push_back(true);  // the field itself
    return out;
  }

  // After the defaults' keys are interned: which repeats may keep their objects as JSON text.
  void mark_json_repeats(MapNode& node) {
    for (RepeatRule& r : node.repeats) r.as_json = json_ready(r);
    for (MapNode& child : node.children) mark_json_repeats(child);
  }

  bool json_ready(const RepeatRule& r) const {
    // The freight totals check reads line charges back from the tree.
    if (map_.info.document == DocumentType::freight_invoice) return false;
    if (r.array.names.empty() || r.elements.empty() ||
        r.elements.size() > RepeatRule::kMaxJsonFields) {
      return false;
    }
    for (std::size_t a = 0; a < r.elements.size(); ++a) {
      if (r.elements[a].plain_key.empty() || r.elements[a].type != ValueType::text) return false;
      for (std::size_t b = 0; b < a; ++b) {
        if (r.elements[b].plain_key.data() == r.elements[a].plain_key.data()) return false;
      }
    }
    // A default fills objects after reading; one that may reach these (any path through an
    // array of this name, wherever it sits) keeps them as tree objects.
    for (const Default& d : map_.defaults) {
      for (const std::string_view name : d.names) {
        if (name.data() == r.array.names.back().data()) return false;
      }
    }
    return true;
  }

  static void intern(FieldPath& path) {
    path.names.clear();
    for (const std::string& key : path.keys) path.names.push_back(intern_key(key));
  }

  void attach(ElementRule& rule, const MapNode& node, const std::string& scope) {
    intern(rule.field);
    intern(rule.each);
    rule.carried = !rule.each.empty();
    rule.codes = nullptr;
    rule.plain_key = {};
    const long line = rule.line != 0 ? rule.line : node.line;
    if (!rule.count.empty()) check_field(node, "", rule.count, line, Want::any_array);
    if (rule.carried) check_field(node, scope, rule.each, line, Want::array);
    if (rule.field.empty()) return;
    check_field(node, rule.carried ? join(scope, rule.each) : scope, rule.field, line,
                rule.field.append ? Want::strings : Want::value);
    const std::string full = join(scope, rule.field);
    for (const CodeTable& t : map_.codes) {
      if (t.field == full) rule.codes = &t;
    }
    // A decimal without implied places is kept as received when it is already canonical
    // (most quantities), so it takes the plain path too.
    const bool as_received =
        rule.type == ValueType::text || (rule.type == ValueType::decimal && rule.implied <= 0);
    const bool plain = !rule.required && rule.values.empty() && rule.codes == nullptr &&
                       !rule.carried && as_received && rule.field.names.size() == 1 &&
                       !rule.field.append;
    rule.plain_key = plain ? rule.field.names.front() : std::string_view{};
  }

  void issue(const MapNode& node, std::string message) {
    issues_.push_back(Issue{node.file, node.line, std::move(message)});
  }

  Map& map_;
  std::vector<Issue>& issues_;
};

}  // namespace

std::string FieldPath::text() const {
  std::string out = join("", *this);
  if (append) out += "[]";
  return out;
}

std::string Issue::to_string() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  return out + ": " + message;
}

const char* to_string(DocumentType type) {
  switch (type) {
    case DocumentType::purchase_order:
      return "purchase_order";
    case DocumentType::ship_notice:
      return "ship_notice";
    case DocumentType::freight_invoice:
      return "freight_invoice";
    case DocumentType::shipment_status:
      return "shipment_status";
  }
  return "?";
}

std::optional<DocumentType> parse_document_type(std::string_view name) {
  for (const DocumentType t : {DocumentType::purchase_order, DocumentType::ship_notice,
                               DocumentType::freight_invoice, DocumentType::shipment_status}) {
    if (name == to_string(t)) return t;
  }
  return std::nullopt;
}

const MapInfo& info_of(const Map& map) { return map.info; }

const MapNode* child_level(const MapNode& parent, std::string_view code) {
  for (const MapNode& c : parent.children) {
    if (c.kind != NodeKind::level) continue;
    const MapNode& level = resolved(c);
    if (code.empty() || level.code == code) return &level;
  }
  return nullptr;
}

std::shared_ptr<const Map> load_map(const std::filesystem::path& file, std::vector<Issue>& issues,
                                    const std::filesystem::path& standard_dir) {
  std::shared_ptr<Map> map = Loader(issues, standard_dir).load(file, 0);
  if (map == nullptr) return nullptr;
  if (!Compiler(*map, issues).run()) return nullptr;
  return map;
}

}  // namespace edigate::edi::mapping
