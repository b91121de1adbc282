// The compiled form of a mapping file (private to the mapping engine). A Map is built once by
// mapping_load.cpp and never changes; the inbound mapper and the outbound renderer only read it.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/mapping.hpp"

namespace edigate::edi::mapping {

// An element position: element 1.., component 0 for the whole (simple) element.
struct Pos {
  std::uint16_t element = 0;
  std::uint16_t component = 0;
  bool empty() const { return element == 0; }
};

// A canonical field path relative to the current object: keys, and whether the last key is an
// array of strings that each value is appended to ("lines[]").
struct FieldPath {
  std::vector<std::string> keys;
  std::vector<std::string_view> names;  // the keys interned (intern_key), filled by compile()
  bool append = false;
  bool empty() const { return keys.empty(); }
  std::string text() const;
};

enum class ValueType : unsigned char { text, decimal, integer, date, time, sscc };

struct CodeTable {
  std::string field;  // full path from the document root: "lines.unit"
  std::map<std::string, std::string, std::less<>> to_canonical;
  std::map<std::string, std::string, std::less<>> to_edi;
  bool strict = false;  // a code not in the table is an error (else it passes unchanged)
  std::string file;     // where it is defined
  long line = 0;
};

struct ElementRule {
  Pos pos;
  FieldPath field;
  std::string constant;  // written outbound (and not read inbound)
  ValueType type = ValueType::text;
  int implied = -1;  // implied decimal places (X12 N2: 2); -1 none
  int width = 0;     // date width 6 (YYMMDD) or 8
  FieldPath count;   // outbound: number of entries of this root-relative array when unset
  // Inbound: the value goes into `field` of every object this loop instance adds to the array
  // `each` (IFTSTA CNI 1490 into each event), not into the segment's own object. Outbound: it
  // is read from the first of those objects.
  FieldPath each;
  bool carried = false;  // each is set (a flag the inbound hot path tests), by compile()
  // Inbound, most rules: no partner rule, code table or `each`, a field of one key, and text
  // or a decimal without implied places (copied as it is when already canonical), so the value
  // goes into that member with little to decide. The key (interned) when so, else empty; by
  // compile().
  std::string_view plain_key;
  bool required = false;
  std::vector<std::string> values;  // partner rule: allowed values (raw EDI codes)
  const CodeTable* codes = nullptr;
  std::string computed;  // outbound: "hierarchy-structure"
  long line = 0;
};

struct DateTimeRule {
  FieldPath field;
  Pos date, time, zone;  // X12: separate date, time and time-code elements
  Pos value, format;     // EDIFACT DTM C507: value and format qualifier (2379)
  FieldPath zone_field;  // sibling field that keeps the X12 time code
};

struct RepeatRule {
  std::uint16_t first = 0, step = 0, count = 0;
  FieldPath array;
  std::vector<ElementRule> elements;  // positions relative to each group (1 = first)
  // Inbound, set by compile(): every element is plain (ElementRule::plain_key), the keys are
  // distinct, and nothing reads or fills the objects once made (no default under the array,
  // no totals check), so each object may be kept as its ready JSON text.
  bool as_json = false;
  static constexpr std::size_t kMaxJsonFields = 8;
};

struct Condition {
  Pos pos;
  std::vector<std::string> values;
};

enum class NodeKind : unsigned char { root, segment, loop, hierarchy, level };

struct MapNode {
  NodeKind kind = NodeKind::segment;
  std::string id;
  std::string tag;  // segment tag; loop: its first segment's; hierarchy: "HL"
  std::vector<Condition> when;
  FieldPath array, into;
  std::uint16_t max = 1;
  bool always = false;
  bool required = false;  // partner rule: must occur in each instance of its parent
  std::vector<ElementRule> elements;
  std::vector<DateTimeRule> datetimes;
  std::vector<RepeatRule> repeats;
  std::string code;  // level: HL03 code
  std::string use;   // level: stands for the level with this id (which may contain it)
  FieldPath under;   // level, loop: its objects go into the last entry of this root array
  // hierarchy: where HL01/CPS 7164 (id), HL02/7166 (parent) and HL03 (code) are; 0: none
  std::uint16_t id_pos = 1, parent_pos = 2, code_pos = 3;
  const MapNode* used = nullptr;  // filled by compile() from `use`
  // Children in the order a received segment is matched against them: those with a `when`
  // (REF with IA) before the catch-alls (REF), each group in file order. Filled by compile().
  std::vector<std::uint16_t> match_order;
  std::vector<std::uint32_t> match_keys;  // tag_key of each child in match_order (compact scan)
  // Where a received segment's tag is looked for among match_order, filled by compile(): its
  // tag_key hashes to a slot that names the first candidate with that tag, and match_next
  // chains the others in match order (a loop's own first segment and levels left out). The
  // multiplier is chosen per node so that its tags do not share a slot; when none is found, a
  // shared slot is kSharedSlot and its tags are found by scanning match_keys.
  static constexpr std::uint16_t kNoMatch = 0xFFFF;
  // An empty slot has no first candidate, so nothing is taken from it whatever key reaches it
  // (the key field of an empty slot, 0, is also the key of an empty tag).
  struct MatchSlot {
    std::uint32_t key = 0;
    std::uint16_t first = kNoMatch;  // kNoMatch: no candidate
  };
  static constexpr std::size_t kMatchSlots = 32;
  static constexpr std::uint32_t kSharedSlot = 0xFFFFFFFF;  // no tag_key (its top byte is <= 3)
  static constexpr std::uint32_t kMatchMultiplier = 0x9E3779B1U;
  std::size_t match_slot(std::uint32_t key) const { return (key * match_multiplier) >> 27; }
  std::uint32_t match_multiplier = kMatchMultiplier;
  std::array<MatchSlot, kMatchSlots> match_slots{};
  std::vector<std::uint16_t> match_next;  // per match_order entry; kNoMatch ends a chain
  std::uint32_t tag_key = 0;              // tag_key(tag)
  bool totals = false;  // writes into the document's `totals` (for the totals check)
  std::vector<MapNode> children;
  std::string file;
  long line = 0;
  // Filled by compile(): path of the object this node's fields write into, from the root.
  std::string scope;
  bool has_required_children = false;
};

struct Default {
  std::string field;  // full path from the root: "currency", "lines.unit"
  std::string value;
  std::vector<std::string_view> names;  // field's keys interned (intern_key), by compile()
  std::string file;                     // where it is defined
  long line = 0;
  // Per key of `field`, by compile(): made when a document lacks it (an object), or not (an
  // array: the default then ends there, making no order, pack or line).
  std::vector<bool> create;
};

class Map {
 public:
  MapInfo info;
  MapNode root;
  std::deque<CodeTable> codes;
  std::vector<Default> defaults;
};

// A segment tag packed into an integer (tags are 2 or 3 characters) for quick comparison.
inline std::uint32_t tag_key(std::string_view tag) {
  const auto byte = [tag](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(tag[i]));
  };
  if (tag.size() == 3) return 3U << 24 | byte(0) | byte(1) << 8 | byte(2) << 16;
  if (tag.size() == 2) return 2U << 24 | byte(0) | byte(1) << 8;
  std::uint32_t key = static_cast<std::uint32_t>(tag.size()) << 24;
  for (std::size_t i = 0; i < tag.size() && i < 3; ++i) {
    key |= static_cast<std::uint32_t>(static_cast<unsigned char>(tag[i])) << (8 * i);
  }
  return key;
}

// The level that may hold level `code` directly below `parent` (a level or the hierarchy);
// with code_pos 0 (CPS) the first child level, whatever its code. `use` levels resolve to the
// level they stand for.
const MapNode* child_level(const MapNode& parent, std::string_view code);
inline const MapNode& resolved(const MapNode& node) {
  return node.used != nullptr ? *node.used : node;
}

}  // namespace edigate::edi::mapping
