// Checks one segment's elements against its rule: presence, type, length, codes,
// repetitions, components.
#pragma once

#include <string>
#include <vector>

#include "edigate/edi/problem.hpp"
#include "edigate/edi/schema.hpp"
#include "edigate/edi/segment.hpp"

namespace edigate::edi::detail {

class ElementChecker {
 public:
  // Appends the problems of `segment` under `rule` to `out`.
  void check(const Segment& segment, const SegmentRule& rule, std::vector<Problem>& out);

 private:
  bool needs_general_path(const ElementRule& element, std::string_view value,
                          const Delimiters& d) const;
  void check_element(const Segment& segment, const ElementRule& rule, std::vector<Problem>& out);
  void check_repetition(const Segment& segment, const ElementRule& rule, std::string_view value,
                        std::size_t repetition, std::vector<Problem>& out);
  void check_composite(const Segment& segment, const ElementRule& rule, std::string_view value,
                       std::size_t repetition, std::vector<Problem>& out);
  // Inlined into check(): most segments hold a composite, and the call cost as much as the
  // walk over its one or two components.
  [[gnu::always_inline]] inline void check_components(const Segment& segment,
                                                      const ElementRule& rule,
                                                      std::string_view value,
                                                      std::size_t repetition,
                                                      std::vector<Problem>& out);
  void check_components_bytewise(const Segment& segment, const ElementRule& rule,
                                 std::string_view value, std::size_t repetition,
                                 std::vector<Problem>& out);
  [[gnu::always_inline]] inline void judge_component(const Segment& segment,
                                                     const ElementRule& component,
                                                     std::string_view v, std::size_t element,
                                                     std::size_t index, std::size_t repetition,
                                                     char decimal_mark, std::vector<Problem>& out);
  void finish_components(const Segment& segment, const ElementRule& rule, std::string_view value,
                         std::size_t given, const ElementRule* next, std::size_t repetition,
                         std::vector<Problem>& out);
  // Where a value sits: element, component, repetition (1-based; 0 when not concerned).
  struct Position {
    std::size_t element;
    std::size_t component;
    std::size_t repetition;
  };
  void check_value(const Segment& segment, const ElementRule& rule, std::string_view value,
                   const Position& position, std::vector<Problem>& out);
  std::string scratch_;
  bool segment_has_components_ = false;
  bool segment_has_repetitions_ = false;
  bool segment_has_release_ = false;
  bool has_component_map_ = false;       // the segment carries the reader's component map
  std::vector<std::string_view> parts_;  // components of the composite being checked
};

}  // namespace edigate::edi::detail
