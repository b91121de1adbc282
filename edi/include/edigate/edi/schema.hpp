// Transaction-set schemas: the data files in edi/schemas (format: docs/schema-format.md),
// compiled once into a form the validator walks quickly.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edigate/edi/delimiters.hpp"

namespace edigate::edi {

enum class ElementType : unsigned char { an, a, id, n, r, dt, tm, b };

// The fields the validator reads for every value come first, so they share a cache line.
struct ElementRule {
  std::uint16_t position = 0;  // 1-based
  bool mandatory = false;
  ElementType type = ElementType::an;
  std::uint8_t decimals = 0;  // Nn: implied decimal places
  bool coded = false;         // a code list is defined (one test per value instead of two)
  bool has_codes() const { return coded; }
  std::uint8_t code_shift = 0;  // see code_table
  // Compiled for the validator (composites): the position of the last mandatory component
  // (0 when none), so the end of a composite is judged without walking the rules left.
  std::uint16_t last_mandatory = 0;
  std::uint32_t min_length = 0;
  std::uint32_t max_length = 0;
  std::uint32_t max_repeat = 1;
  // For a list of more than four short codes: the packed codes in an open-addressing table
  // (a power of two of slots, at most half full, 0 = empty, linear probing from
  // code_slot(key, code_shift)), so a value is found in one or two probes.
  std::vector<std::uint64_t> code_table;
  std::vector<ElementRule> components;  // non-empty for a composite
  // The codes compiled for the validator: those of up to 8 bytes packed into integers
  // (sorted), and the longer ones as strings (sorted).
  std::vector<std::uint64_t> short_codes;
  std::vector<std::string> long_codes;
  std::string codes;  // space-separated allowed values, or empty
  std::string name;
};

struct SegmentRule {
  std::vector<ElementRule> elements;  // in position order
  // Compiled for the validator: the highest mandatory position (0 when none) and the most
  // elements allowed (element_count, or no limit), so a segment that has every mandatory
  // element and not too many is judged by two comparisons.
  std::uint16_t last_mandatory = 0;
  std::uint32_t most_elements = UINT32_MAX;
  std::uint32_t key = 0;  // the tag packed into an integer for fast comparison
  std::string tag;
  bool mandatory = false;
  std::uint32_t max_use = 1;
  std::uint16_t max_position = 0;   // highest position defined
  std::uint16_t element_count = 0;  // elements in the standard; 0 = not checked
  // Also compiled: the rule at each position (nullptr where none is defined; index 0 unused)
  // and the mandatory positions, for the reports of missing elements.
  std::vector<const ElementRule*> by_position;
  std::vector<std::uint16_t> mandatory_positions;
};

// A node of the segment-order tree: a segment, or a loop whose first child is its trigger.
// The fields the validator reads for every segment come first.
struct SchemaNode {
  bool is_loop = false;
  bool mandatory = false;
  bool hierarchical = false;  // HL / CPS loop: rebuilt from its first segment
  std::uint32_t max_use = 1;
  // For a loop (and the root): the number of its state "at child 0" among all the states
  // (loop, child) of its schema, numbered depth first; state (loop, i) is state_base + i.
  std::uint32_t state_base = 0;
  const SegmentRule* segment = nullptr;  // for a segment node, and a loop's trigger
  std::vector<SchemaNode> children;      // loop children
  // Compiled for the validator: for each index the first mandatory child at or after it
  // (children.size() when none), and each child's trigger tag key.
  std::vector<std::uint32_t> next_mandatory;
  std::vector<std::uint32_t> child_keys;
  std::string loop_id;
  std::string hierarchy_levels;                     // allowed HL03 codes, space-separated
  std::vector<std::string> hierarchy_level_list;    // the same, split
  std::vector<std::uint64_t> hierarchy_level_keys;  // and packed (pack_code; 0 if longer)
  // Placement rules (hierarchy-top, hierarchy-not-under), packed; 0 / empty when not given.
  // The top level has no parent and every other level has one; a pair (child, parent) names
  // a level that may not be directly under the other.
  std::uint64_t hierarchy_top = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> hierarchy_not_under;
};

struct TransactionSchema {
  Standard standard = Standard::x12;
  std::string version;           // "004010", "D96A"
  std::string id;                // "850", "ORDERS"
  std::string functional_group;  // X12 GS01
  std::string name;
  std::string source;        // file it came from, for messages
  SchemaNode root;           // a loop holding the whole set
  std::uint32_t states = 0;  // (loop, child) pairs: SchemaNode::state_base
  std::vector<std::unique_ptr<SegmentRule>> segments;  // owns the rules nodes point to
  std::vector<std::uint32_t> tags;  // the keys of every segment it defines, sorted, unique
};

// Where a packed code starts its search in ElementRule::code_table.
inline std::size_t code_slot(std::uint64_t key, std::uint8_t shift) {
  return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15u) >> shift);
}

// A code of up to 8 bytes as an integer (0 for longer ones): code lists compare integers.
// Byte i goes to bits 8i. Every value checked against a list is packed, so on little-endian
// machines the bytes are gathered by two loads (or three for a short code) that overlap
// instead of one at a time; no byte outside the code is read.
inline std::uint64_t pack_code(std::string_view code) {
  const std::size_t n = code.size();
  if (n > 8) return 0;
  const char* p = code.data();
  if constexpr (std::endian::native == std::endian::little) {
    if (n >= 4) {
      std::uint32_t low = 0;
      std::uint32_t high = 0;
      std::memcpy(&low, p, 4);
      std::memcpy(&high, p + n - 4, 4);
      return std::uint64_t{low} | (std::uint64_t{high} << (8 * (n - 4)));
    }
  }
  if (n == 0) return 0;
  if (n < 4) {
    const auto byte = [p](std::size_t i) {
      return std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    };
    return byte(0) | byte(n / 2) | byte(n - 1);
  }
  std::uint64_t key = 0;
  for (std::size_t i = 0; i < n; ++i) {
    key |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return key;
}

class SchemaRegistry {
 public:
  // The schemas compiled into the binary, loaded on first use.
  static const SchemaRegistry& builtin();

  // Loads one schema file's text. Returns an error "file:line: what is wrong", or "".
  std::string add(std::string_view text, std::string_view source);

  // X12: version is GS08/ST03 ("004010", "005010X222A1": the first six characters are used).
  const TransactionSchema* find(Standard standard, std::string_view version,
                                std::string_view id) const;
  const std::vector<std::unique_ptr<TransactionSchema>>& all() const { return schemas_; }

 private:
  std::vector<std::unique_ptr<TransactionSchema>> schemas_;
};

}  // namespace edigate::edi
