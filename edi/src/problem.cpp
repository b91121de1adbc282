#include "edigate/edi/problem.hpp"

#include <array>

// Rows list only the acknowledgement codes a problem has; the rest stay empty.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace edigate::edi {
namespace {

struct ProblemInfo {
  ProblemCode code;
  std::string_view name;
  Scope scope;
  AckCodes ack;
};

using S = Scope;
using P = ProblemCode;

// One row per ProblemCode, in declaration order (checked below). Ack columns:
// {TA1, AK905, AK502, IK502, AK304, IK304, AK403, IK403, CONTRL 0085}.
constexpr std::array kProblems = {
    ProblemInfo{P::unrecognized_data, "unrecognized_data", S::input, {}},
    ProblemInfo{P::isa_nonstandard, "isa_nonstandard", S::interchange, {}},
    ProblemInfo{P::isa_invalid, "isa_invalid", S::interchange, {"022"}},
    ProblemInfo{P::invalid_segment_terminator,
                "invalid_segment_terminator",
                S::interchange,
                {"004", {}, {}, {}, {}, {}, {}, {}, "20"}},
    ProblemInfo{P::invalid_element_separator,
                "invalid_element_separator",
                S::interchange,
                {"026", {}, {}, {}, {}, {}, {}, {}, "20"}},
    ProblemInfo{P::invalid_component_separator,
                "invalid_component_separator",
                S::interchange,
                {"027", {}, {}, {}, {}, {}, {}, {}, "20"}},
    ProblemInfo{P::invalid_repetition_separator,
                "invalid_repetition_separator",
                S::interchange,
                {"022", {}, {}, {}, {}, {}, {}, {}, "20"}},
    ProblemInfo{
        P::invalid_una, "invalid_una", S::interchange, {{}, {}, {}, {}, {}, {}, {}, {}, "20"}},
    ProblemInfo{
        P::unb_invalid, "unb_invalid", S::interchange, {{}, {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::segment_too_long,
                "segment_too_long",
                S::segment,
                {{}, {}, {}, {}, "8", "8", "5", "5", "39"}},
    ProblemInfo{P::element_too_long_limit,
                "element_too_long_limit",
                S::element,
                {{}, {}, {}, {}, {}, {}, "5", "5", "39"}},
    ProblemInfo{P::too_many_elements_limit,
                "too_many_elements_limit",
                S::element,
                {{}, {}, {}, {}, {}, {}, "3", "3", "16"}},
    ProblemInfo{P::too_many_segments_in_set,
                "too_many_segments_in_set",
                S::transaction,
                {{}, {}, "5", "5", {}, {}, {}, {}, "18"}},
    ProblemInfo{P::nesting_too_deep,
                "nesting_too_deep",
                S::segment,
                {{}, {}, {}, {}, "4", "4", {}, {}, "36"}},
    ProblemInfo{
        P::release_at_end, "release_at_end", S::element, {{}, {}, {}, {}, {}, {}, "6", "6", "22"}},
    ProblemInfo{P::invalid_auth_qualifier, "invalid_auth_qualifier", S::interchange, {"010"}},
    ProblemInfo{P::invalid_auth_info, "invalid_auth_info", S::interchange, {"011"}},
    ProblemInfo{
        P::invalid_security_qualifier, "invalid_security_qualifier", S::interchange, {"012"}},
    ProblemInfo{P::invalid_security_info, "invalid_security_info", S::interchange, {"013"}},
    ProblemInfo{P::invalid_sender_qualifier,
                "invalid_sender_qualifier",
                S::interchange,
                {"005", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_sender_id,
                "invalid_sender_id",
                S::interchange,
                {"006", {}, {}, {}, {}, {}, {}, {}, "13"}},
    ProblemInfo{P::invalid_receiver_qualifier,
                "invalid_receiver_qualifier",
                S::interchange,
                {"007", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_receiver_id,
                "invalid_receiver_id",
                S::interchange,
                {"008", {}, {}, {}, {}, {}, {}, {}, "13"}},
    ProblemInfo{P::invalid_interchange_date,
                "invalid_interchange_date",
                S::interchange,
                {"014", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_interchange_time,
                "invalid_interchange_time",
                S::interchange,
                {"015", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_standards_id,
                "invalid_standards_id",
                S::interchange,
                {"016", {}, {}, {}, {}, {}, {}, {}, "2"}},
    ProblemInfo{P::invalid_interchange_version,
                "invalid_interchange_version",
                S::interchange,
                {"017", {}, {}, {}, {}, {}, {}, {}, "2"}},
    ProblemInfo{P::invalid_interchange_control,
                "invalid_interchange_control",
                S::interchange,
                {"018", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_ack_requested,
                "invalid_ack_requested",
                S::interchange,
                {"019", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::invalid_test_indicator,
                "invalid_test_indicator",
                S::interchange,
                {"020", {}, {}, {}, {}, {}, {}, {}, "25"}},
    ProblemInfo{P::invalid_group_count_value,
                "invalid_group_count_value",
                S::interchange,
                {"021", {}, {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::interchange_control_mismatch,
                "interchange_control_mismatch",
                S::interchange,
                {"001", {}, {}, {}, {}, {}, {}, {}, "28"}},
    ProblemInfo{P::interchange_count_mismatch,
                "interchange_count_mismatch",
                S::interchange,
                {"021", {}, {}, {}, {}, {}, {}, {}, "29"}},
    ProblemInfo{P::interchange_trailer_missing,
                "interchange_trailer_missing",
                S::interchange,
                {"023", {}, {}, {}, {}, {}, {}, {}, "13"}},
    ProblemInfo{P::interchange_trailer_unexpected,
                "interchange_trailer_unexpected",
                S::input,
                {"024", {}, {}, {}, {}, {}, {}, {}, "33"}},
    ProblemInfo{P::invalid_interchange_content,
                "invalid_interchange_content",
                S::interchange,
                {"024", {}, {}, {}, {}, {}, {}, {}, "33"}},
    ProblemInfo{P::segment_outside_set,
                "segment_outside_set",
                S::interchange,
                {"024", {}, {}, {}, {}, {}, {}, {}, "33"}},
    ProblemInfo{P::mixed_groups_and_messages,
                "mixed_groups_and_messages",
                S::interchange,
                {"024", {}, {}, {}, {}, {}, {}, {}, "30"}},
    ProblemInfo{P::group_header_invalid,
                "group_header_invalid",
                S::group,
                {"024", "1", {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::group_trailer_missing,
                "group_trailer_missing",
                S::group,
                {{}, "3", {}, {}, {}, {}, {}, {}, "13"}},
    ProblemInfo{P::group_trailer_unexpected,
                "group_trailer_unexpected",
                S::interchange,
                {"024", {}, {}, {}, {}, {}, {}, {}, "33"}},
    ProblemInfo{P::group_control_mismatch,
                "group_control_mismatch",
                S::group,
                {{}, "4", {}, {}, {}, {}, {}, {}, "28"}},
    ProblemInfo{P::group_count_mismatch,
                "group_count_mismatch",
                S::group,
                {{}, "5", {}, {}, {}, {}, {}, {}, "29"}},
    ProblemInfo{P::group_control_invalid,
                "group_control_invalid",
                S::group,
                {{}, "6", {}, {}, {}, {}, {}, {}, "12"}},
    ProblemInfo{P::group_version_unsupported,
                "group_version_unsupported",
                S::group,
                {{}, "2", {}, {}, {}, {}, {}, {}, "14"}},
    ProblemInfo{P::group_control_duplicate,
                "group_control_duplicate",
                S::group,
                {{}, "19", {}, {}, {}, {}, {}, {}, "26"}},
    ProblemInfo{P::set_not_supported,
                "set_not_supported",
                S::transaction,
                {{}, {}, "1", "1", {}, {}, {}, {}, "14"}},
    ProblemInfo{P::set_trailer_missing,
                "set_trailer_missing",
                S::transaction,
                {{}, {}, "2", "2", {}, {}, {}, {}, "13"}},
    ProblemInfo{P::set_trailer_unexpected,
                "set_trailer_unexpected",
                S::group,
                {"024", {}, {}, {}, {}, {}, {}, {}, "33"}},
    ProblemInfo{P::set_control_mismatch,
                "set_control_mismatch",
                S::transaction,
                {{}, {}, "3", "3", {}, {}, {}, {}, "28"}},
    ProblemInfo{P::set_segment_count_mismatch,
                "set_segment_count_mismatch",
                S::transaction,
                {{}, {}, "4", "4", {}, {}, {}, {}, "29"}},
    ProblemInfo{P::set_id_invalid,
                "set_id_invalid",
                S::transaction,
                {{}, {}, "6", "6", {}, {}, {}, {}, "12"}},
    ProblemInfo{P::set_control_invalid,
                "set_control_invalid",
                S::transaction,
                {{}, {}, "7", "7", {}, {}, {}, {}, "12"}},
    ProblemInfo{P::set_control_duplicate,
                "set_control_duplicate",
                S::transaction,
                {{}, {}, "23", "23", {}, {}, {}, {}, "26"}},
    ProblemInfo{P::set_group_mismatch,
                "set_group_mismatch",
                S::transaction,
                {{}, {}, "6", "6", {}, {}, {}, {}, "14"}},
    ProblemInfo{P::segment_unrecognized,
                "segment_unrecognized",
                S::segment,
                {{}, {}, "5", "5", "1", "1", {}, {}, "12"}},
    ProblemInfo{P::segment_unexpected,
                "segment_unexpected",
                S::segment,
                {{}, {}, "5", "5", "2", "2", {}, {}, "15"}},
    ProblemInfo{P::segment_mandatory_missing,
                "segment_mandatory_missing",
                S::segment,
                {{}, {}, "5", "5", "3", "3", {}, {}, "13"}},
    ProblemInfo{
        P::loop_over_max, "loop_over_max", S::segment, {{}, {}, "5", "5", "4", "4", {}, {}, "36"}},
    ProblemInfo{P::segment_over_max,
                "segment_over_max",
                S::segment,
                {{}, {}, "5", "5", "5", "5", {}, {}, "35"}},
    ProblemInfo{P::segment_not_in_set,
                "segment_not_in_set",
                S::segment,
                {{}, {}, "5", "5", "6", "6", {}, {}, "15"}},
    ProblemInfo{P::segment_out_of_sequence,
                "segment_out_of_sequence",
                S::segment,
                {{}, {}, "5", "5", "7", "7", {}, {}, "15"}},
    ProblemInfo{P::hierarchy_parent_unknown,
                "hierarchy_parent_unknown",
                S::element,
                {{}, {}, "5", "5", "8", "8", "7", "7", "12"}},
    ProblemInfo{P::hierarchy_id_duplicate,
                "hierarchy_id_duplicate",
                S::element,
                {{}, {}, "5", "5", "8", "8", "7", "7", "12"}},
    ProblemInfo{P::hierarchy_level_misplaced,
                "hierarchy_level_misplaced",
                S::element,
                {{}, {}, "5", "5", "8", "8", "7", "7", "12"}},
    ProblemInfo{P::element_mandatory_missing,
                "element_mandatory_missing",
                S::element,
                {{}, {}, "5", "5", "8", "8", "1", "1", "13"}},
    ProblemInfo{P::element_conditional_missing,
                "element_conditional_missing",
                S::element,
                {{}, {}, "5", "5", "8", "8", "2", "2", "13"}},
    ProblemInfo{P::element_too_many,
                "element_too_many",
                S::element,
                {{}, {}, "5", "5", "8", "8", "3", "3", "16"}},
    ProblemInfo{P::element_too_short,
                "element_too_short",
                S::element,
                {{}, {}, "5", "5", "8", "8", "4", "4", "40"}},
    ProblemInfo{P::element_too_long,
                "element_too_long",
                S::element,
                {{}, {}, "5", "5", "8", "8", "5", "5", "39"}},
    ProblemInfo{P::element_invalid_character,
                "element_invalid_character",
                S::element,
                {{}, {}, "5", "5", "8", "8", "6", "6", "21"}},
    ProblemInfo{P::element_invalid_code,
                "element_invalid_code",
                S::element,
                {{}, {}, "5", "5", "8", "8", "7", "7", "12"}},
    ProblemInfo{P::element_invalid_date,
                "element_invalid_date",
                S::element,
                {{}, {}, "5", "5", "8", "8", "8", "8", "12"}},
    ProblemInfo{P::element_invalid_time,
                "element_invalid_time",
                S::element,
                {{}, {}, "5", "5", "8", "8", "9", "9", "12"}},
    ProblemInfo{P::element_too_many_repetitions,
                "element_too_many_repetitions",
                S::element,
                {{}, {}, "5", "5", "8", "8", "12", "12", "35"}},
    ProblemInfo{P::element_too_many_components,
                "element_too_many_components",
                S::element,
                {{}, {}, "5", "5", "8", "8", "13", "13", "16"}},
    ProblemInfo{P::element_invalid_decimal,
                "element_invalid_decimal",
                S::element,
                {{}, {}, "5", "5", "8", "8", "6", "6", "19"}},
    ProblemInfo{P::interchange_control_duplicate,
                "interchange_control_duplicate",
                S::interchange,
                {"025", {}, {}, {}, {}, {}, {}, {}, "26"}},
    ProblemInfo{P::hierarchy_level_unmapped, "hierarchy_level_unmapped", S::segment, {}},
    ProblemInfo{P::totals_mismatch, "totals_mismatch", S::segment, {}},
};

constexpr bool rows_in_order() {
  for (std::size_t i = 0; i < kProblems.size(); ++i) {
    if (static_cast<std::size_t>(kProblems[i].code) != i) return false;
  }
  return true;
}
static_assert(rows_in_order(), "kProblems must list every ProblemCode in declaration order");
static_assert(kProblems.size() == kProblemCodeCount);

const ProblemInfo& info(ProblemCode code) { return kProblems[static_cast<std::size_t>(code)]; }

}  // namespace

Scope scope_of(ProblemCode code) { return info(code).scope; }

const char* to_string(Scope scope) {
  static constexpr const char* kNames[] = {"input",       "interchange", "group",
                                           "transaction", "segment",     "element"};
  return kNames[static_cast<int>(scope)];
}
std::string_view name_of(ProblemCode code) { return info(code).name; }
const AckCodes& ack_codes(ProblemCode code) { return info(code).ack; }

std::string describe(const Location& l) {
  std::string out = "offset " + std::to_string(l.offset) + ", line " + std::to_string(l.line);
  if (l.segment != 0) {
    out += ", segment " + std::to_string(l.segment);
    if (l.segment_in_set != 0) out += " (" + std::to_string(l.segment_in_set) + " in set)";
  }
  if (l.element != 0) out += ", element " + std::to_string(l.element);
  if (l.repetition != 0) out += ", repetition " + std::to_string(l.repetition);
  if (l.component != 0) out += ", component " + std::to_string(l.component);
  return out;
}

std::string to_string(const Problem& p) {
  return std::string(p.is_error() ? "error" : "warning") + " at " + describe(p.location) + ": " +
         p.message + " [" + std::string(name_of(p.code)) + "]";
}

}  // namespace edigate::edi
