#include "envelope_checks.hpp"

#include <algorithm>

#include "text_checks.hpp"

namespace edigate::edi::detail {
namespace {

// ISA05/ISA07 interchange ID qualifiers (X12 code list I05).
constexpr std::string_view kIdQualifiers =
    "01 02 03 04 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 "
    "32 33 34 35 36 37 38 AM NR SA SN ZZ";

struct FieldCheck {
  std::size_t position;
  ProblemCode code;
  bool (*valid)(std::string_view);
  const char* what;
};

bool auth_qualifier(std::string_view v) { return in_list(v, "00 01 02 03 04 05 06"); }
bool security_qualifier(std::string_view v) { return in_list(v, "00 01"); }
// Space padding beyond the fixed width is only nonstandard (the isa_nonstandard warning).
bool ten_chars(std::string_view v) { return trim(v).size() <= 10; }
bool id_qualifier(std::string_view v) { return in_list(trim(v), kIdQualifiers); }
bool interchange_id(std::string_view v) { return !trim(v).empty() && trim(v).size() <= 15; }
bool isa_date(std::string_view v) { return v.size() == 6 && valid_date(v); }
bool isa_time(std::string_view v) { return v.size() == 4 && valid_time(v); }
bool version5(std::string_view v) { return v.size() == 5 && all_digits(v); }
bool control9(std::string_view v) { return v.size() == 9 && all_digits(v); }
bool zero_or_one(std::string_view v) { return v == "0" || v == "1"; }
bool usage(std::string_view v) { return v == "P" || v == "T" || v == "I"; }

constexpr FieldCheck kIsaChecks[] = {
    {1, ProblemCode::invalid_auth_qualifier, auth_qualifier, "ISA01 authorization qualifier"},
    {2, ProblemCode::invalid_auth_info, ten_chars, "ISA02 authorization information"},
    {3, ProblemCode::invalid_security_qualifier, security_qualifier, "ISA03 security qualifier"},
    {4, ProblemCode::invalid_security_info, ten_chars, "ISA04 security information"},
    {5, ProblemCode::invalid_sender_qualifier, id_qualifier, "ISA05 sender ID qualifier"},
    {6, ProblemCode::invalid_sender_id, interchange_id, "ISA06 sender ID"},
    {7, ProblemCode::invalid_receiver_qualifier, id_qualifier, "ISA07 receiver ID qualifier"},
    {8, ProblemCode::invalid_receiver_id, interchange_id, "ISA08 receiver ID"},
    {9, ProblemCode::invalid_interchange_date, isa_date, "ISA09 date (YYMMDD)"},
    {10, ProblemCode::invalid_interchange_time, isa_time, "ISA10 time (HHMM)"},
    {12, ProblemCode::invalid_interchange_version, version5, "ISA12 version"},
    {13, ProblemCode::invalid_interchange_control, control9, "ISA13 control number (9 digits)"},
    {14, ProblemCode::invalid_ack_requested, zero_or_one, "ISA14 acknowledgment requested"},
    {15, ProblemCode::invalid_test_indicator, usage, "ISA15 usage indicator (P, T or I)"},
};

void report_field(ProblemSink& sink, const Segment& segment, std::size_t position,
                  std::size_t component, ProblemCode code, const std::string& what,
                  std::string_view value) {
  sink.report(code, Severity::error, segment.location_of(position, component),
              what + (value.empty() ? std::string(" is missing")
                                    : " '" + std::string(value) + "' is not valid"));
}

// Service segments (UNB, UNG, UNH) have no repeating elements: a repetition separator in one
// (syntax version 4) is an error, not a second value that the envelope would silently drop.
void no_repetitions(const Segment& segment, ProblemCode code, ProblemSink& sink) {
  const Delimiters& d = segment.delimiters();
  // One memchr over the segment for the usual case: no repetition separator at all.
  if (d.repetition == 0 || segment.raw().find(d.repetition) == std::string_view::npos) return;
  for (std::size_t position = 1; position <= segment.size(); ++position) {
    const std::string_view value = segment[position];
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (d.release != 0 && value[i] == d.release) {
        ++i;
      } else if (value[i] == d.repetition) {
        sink.report(code, Severity::error, segment.location_of(position, 0),
                    std::string(segment.tag()) + " element " + std::to_string(position) + " '" +
                        std::string(value) + "' repeats; service segment elements do not");
        break;
      }
    }
  }
}

// Checks that a required element (or component) is present and within max length.
void require(ProblemSink& sink, const Segment& segment, std::size_t position, std::size_t component,
             std::size_t max, ProblemCode code, const char* what) {
  const std::string_view v =
      component == 0 ? segment[position] : segment.component(position, component);
  if (v.empty() || v.size() > max) report_field(sink, segment, position, component, code, what, v);
}

}  // namespace

void check_isa(const IsaResult& result, const Segment& isa, ProblemSink& sink) {
  const Delimiters& d = result.delimiters;
  for (const FieldCheck& check : kIsaChecks) {
    const std::string& value = result.fields[check.position];
    // The ISA is read by position, so a segment terminator or separator inside a field does
    // not end it; but X12 has no escape, so such a value cannot be what the sender meant (and
    // cannot be written back): an error, not data.
    const bool holds_delimiter = std::any_of(value.begin(), value.end(), [&](char c) {
      return c == d.segment || c == d.component || (d.repetition != 0 && c == d.repetition);
    });
    if (holds_delimiter) {
      sink.report(check.code, Severity::error, isa.location_of(check.position, 0),
                  std::string(check.what) + " '" + value +
                      "' holds a delimiter of this interchange, and X12 has no escape");
    } else if (!check.valid(value)) {
      report_field(sink, isa, check.position, 0, check.code, check.what, value);
    }
  }
  const std::string& isa11 = result.fields[11];
  if (result.fields[12] < "00402") {
    if (isa11 != "U") {
      report_field(sink, isa, 11, 0, ProblemCode::invalid_standards_id,
                   "ISA11 standards identifier (U before version 00402)", isa11);
    }
  } else if (result.delimiters.repetition == 0 ||
             result.delimiters.repetition == result.delimiters.segment ||
             result.delimiters.repetition == result.delimiters.component) {
    report_field(sink, isa, 11, 0, ProblemCode::invalid_repetition_separator,
                 "ISA11 repetition separator", isa11);
  }
}

void check_gs(const Segment& gs, ProblemSink& sink) {
  const std::string_view gs01 = gs[1];
  if (gs01.size() != 2 || !all_alpha(gs01)) {
    report_field(sink, gs, 1, 0, ProblemCode::group_header_invalid, "GS01 functional identifier",
                 gs01);
  }
  require(sink, gs, 2, 0, 15, ProblemCode::group_header_invalid, "GS02 application sender");
  require(sink, gs, 3, 0, 15, ProblemCode::group_header_invalid, "GS03 application receiver");
  if (!valid_date(gs[4])) {
    report_field(sink, gs, 4, 0, ProblemCode::group_header_invalid, "GS04 date", gs[4]);
  }
  if (!valid_time(gs[5])) {
    report_field(sink, gs, 5, 0, ProblemCode::group_header_invalid, "GS05 time", gs[5]);
  }
  if (gs[6].empty() || gs[6].size() > 9 || !all_digits(gs[6])) {
    report_field(sink, gs, 6, 0, ProblemCode::group_control_invalid, "GS06 group control number",
                 gs[6]);
  }
  if (gs[7] != "X" && gs[7] != "T") {
    report_field(sink, gs, 7, 0, ProblemCode::group_header_invalid, "GS07 agency code", gs[7]);
  }
  if (gs[8].size() < 6 || gs[8].size() > 12 || !all_digits(gs[8].substr(0, 6))) {
    report_field(sink, gs, 8, 0, ProblemCode::group_version_unsupported, "GS08 version", gs[8]);
  }
}

void check_st(const Segment& st, ProblemSink& sink) {
  if (st[1].size() != 3 || !all_digits(st[1])) {
    report_field(sink, st, 1, 0, ProblemCode::set_id_invalid, "ST01 transaction set identifier",
                 st[1]);
  }
  if (st[2].size() < 4 || st[2].size() > 9) {
    report_field(sink, st, 2, 0, ProblemCode::set_control_invalid,
                 "ST02 transaction set control number", st[2]);
  }
}

void check_unb(const Segment& unb, ProblemSink& sink) {
  no_repetitions(unb, ProblemCode::unb_invalid, sink);
  const std::string_view syntax = unb.component(1, 1);
  if (syntax.size() != 4 || syntax.substr(0, 3) != "UNO" || !all_alpha(syntax)) {
    report_field(sink, unb, 1, 1, ProblemCode::unb_invalid, "UNB syntax identifier (0001)", syntax);
  }
  const std::string_view version = unb.component(1, 2);
  if (version.empty() || !all_digits(version)) {
    report_field(sink, unb, 1, 2, ProblemCode::unb_invalid, "UNB syntax version (0002)", version);
  }
  require(sink, unb, 2, 1, 35, ProblemCode::invalid_sender_id, "UNB sender identification (0004)");
  require(sink, unb, 3, 1, 35, ProblemCode::invalid_receiver_id,
          "UNB recipient identification (0010)");
  const std::string_view date = unb.component(4, 1);
  if (!valid_date(date)) {
    report_field(sink, unb, 4, 1, ProblemCode::invalid_interchange_date, "UNB date (0017)", date);
  }
  const std::string_view time = unb.component(4, 2);
  if (time.size() != 4 || !valid_time(time)) {
    report_field(sink, unb, 4, 2, ProblemCode::invalid_interchange_time, "UNB time (0019)", time);
  }
  require(sink, unb, 5, 0, 14, ProblemCode::invalid_interchange_control,
          "UNB interchange control reference (0020)");
  if (!unb[11].empty() && unb[11] != "1") {
    report_field(sink, unb, 11, 0, ProblemCode::invalid_test_indicator, "UNB test indicator (0035)",
                 unb[11]);
  }
}

void check_ung(const Segment& ung, ProblemSink& sink) {
  no_repetitions(ung, ProblemCode::group_header_invalid, sink);
  require(sink, ung, 1, 0, 6, ProblemCode::group_header_invalid,
          "UNG message group identification (0038)");
  require(sink, ung, 5, 0, 14, ProblemCode::group_control_invalid,
          "UNG group reference number (0048)");
}

void check_unh(const Segment& unh, const std::string_view (&s009)[5], ProblemSink& sink) {
  no_repetitions(unh, ProblemCode::set_id_invalid, sink);
  require(sink, unh, 1, 0, 14, ProblemCode::set_control_invalid,
          "UNH message reference number (0062)");
  static constexpr struct {
    std::size_t max;
    const char* what;
  } kS009[] = {{6, "UNH message type (0065)"},
               {3, "UNH message version (0052)"},
               {3, "UNH message release (0054)"},
               {3, "UNH controlling agency (0051)"}};
  for (std::size_t i = 0; i < std::size(kS009); ++i) {
    const std::string_view v = s009[i];
    if (v.empty() || v.size() > kS009[i].max) {
      report_field(sink, unh, 2, i + 1, ProblemCode::set_id_invalid, kS009[i].what, v);
    }
  }
}

}  // namespace edigate::edi::detail
