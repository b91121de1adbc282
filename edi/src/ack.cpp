#include "edigate/edi/ack.hpp"

#include <algorithm>

#include "ack_segments.hpp"
#include "text_checks.hpp"

namespace edigate::edi {

// ---- collecting ----------------------------------------------------------------------------

void AckCollector::on_interchange_start(const InterchangeHeader& header) {
  current_ = ReceivedInterchange{header, {}, {}};
}

void AckCollector::on_group_start(const GroupHeader& header) {
  current_.groups.push_back(ReceivedGroup{header, {}, {}, 0, false});
}

void AckCollector::on_set_end(const SetResult& set) {
  if (current_.groups.empty()) current_.groups.push_back(ReceivedGroup{});
  ReceivedSet received{set.header, {}, set.supported};
  for (const Problem& p : set.problems) {
    if (p.is_error()) received.problems.push_back(p);
  }
  current_.groups.back().sets.push_back(std::move(received));
}

void AckCollector::on_group_end(const GroupResult& group) {
  if (current_.groups.empty()) return;
  ReceivedGroup& g = current_.groups.back();
  g.implied = group.implied;
  for (const Problem& p : group.problems) {
    if (p.is_error()) g.problems.push_back(p);
  }
  g.declared_sets = group.has_trailer ? group.declared_sets : 0;
}

void AckCollector::on_interchange_end(const InterchangeResult& result) {
  current_.problems = result.problems;
  done_.push_back(std::move(current_));
  current_ = {};
}

const char* to_string(AckType type) {
  switch (type) {
    case AckType::automatic:
      return "automatic";
    case AckType::ta1:
      return "TA1";
    case AckType::x997:
      return "997";
    case AckType::x999:
      return "999";
    case AckType::contrl:
      return "CONTRL";
  }
  return "?";
}

// ---- building ------------------------------------------------------------------------------

namespace {

using detail::SegmentList;

bool set_rejected(const ReceivedSet& s) { return !s.problems.empty(); }

// A copy of bad data for AK404/IK404 only when it cannot clash with any delimiter.
std::string safe_copy(std::string_view value) {
  if (value.empty() || value.size() > 99) return {};
  for (char c : value) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '-' || c == '.' || c == '/';
    if (!ok) return {};
  }
  return std::string(value);
}

std::string element_ref(const Problem& p) {
  return p.element_ref.size() <= 4 && detail::all_digits(p.element_ref) ? p.element_ref : "";
}

void add_unique(std::vector<std::string>& codes, std::string_view code) {
  if (code.empty() || codes.size() >= 5) return;
  if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.emplace_back(code);
}

bool is_999(const ReceivedGroup& g, AckType type) {
  if (type == AckType::x999) return true;
  if (type == AckType::x997) return false;
  return g.header.version.substr(0, 6) >= "005010";
}

// AK3/AK4 (997) or IK3/IK4 (999) for one set's problems, grouped by segment.
void segment_errors_x12(const ReceivedSet& set, bool v999, char component, SegmentList& out) {
  std::uint64_t open_segment = 0;
  for (const Problem& p : set.problems) {
    const AckCodes& codes = ack_codes(p.code);
    const std::string_view seg_code = v999 ? codes.ik3 : codes.ak3;
    if (seg_code.empty()) continue;  // a set-level problem: AK5 reports it
    const std::string_view el_code = v999 ? codes.ik4 : codes.ak4;
    const bool element_level = !el_code.empty() && p.location.element != 0;
    if (!element_level || open_segment != p.location.segment) {
      out.add(v999 ? "IK3" : "AK3")
          .el(p.segment_id)
          .el(std::to_string(p.location.segment_in_set))
          .el(p.loop_id.size() <= 4 ? p.loop_id : "")
          .el(element_level ? "8" : std::string(seg_code));
      open_segment = element_level ? p.location.segment : 0;
    }
    if (!element_level) continue;
    std::string position = std::to_string(p.location.element);
    if (p.location.component != 0 || p.location.repetition != 0) {
      position += component + std::to_string(p.location.component);
    }
    if (v999 && p.location.repetition != 0) {
      position += component + std::to_string(p.location.repetition);
    }
    out.add(v999 ? "IK4" : "AK4")
        .el(position)
        .el(element_ref(p))
        .el(std::string(el_code))
        .el(safe_copy(p.value));
  }
}

// The response to one transaction set: AK2 ... AK5 (or IK5).
void set_response_x12(const ReceivedSet& set, bool v999, char component, SegmentList& out) {
  auto& ak2 = out.add("AK2").el(set.header.id).el(set.header.control_number);
  if (v999 && !set.header.implementation.empty()) ak2.el(set.header.implementation);
  segment_errors_x12(set, v999, component, out);
  std::vector<std::string> codes;
  for (const Problem& p : set.problems)
    add_unique(codes, v999 ? ack_codes(p.code).ik5 : ack_codes(p.code).ak5);
  auto& ak5 = out.add(v999 ? "IK5" : "AK5").el(set_rejected(set) ? "R" : "A");
  for (const std::string& c : codes) ak5.el(c);
}

// One 997/999 transaction set acknowledging one received functional group.
void group_ack_x12(const ReceivedGroup& g, bool v999, const AckOptions& options, char component,
                   SegmentList& out) {
  auto& ak1 = out.add("AK1").el(g.header.functional_id).el(g.header.control_number);
  if (v999) ak1.el(g.header.version);
  std::uint64_t accepted = 0;
  for (const ReceivedSet& s : g.sets) {
    if (!set_rejected(s)) ++accepted;
    if (set_rejected(s) || options.report_accepted) set_response_x12(s, v999, component, out);
  }
  std::vector<std::string> codes;
  for (const Problem& p : g.problems) add_unique(codes, ack_codes(p.code).ak9);
  const std::uint64_t received = g.sets.size();
  const char* status = !codes.empty() || (received > 0 && accepted == 0) ? "R"
                       : accepted == received                            ? "A"
                                                                         : "P";
  auto& ak9 = out.add("AK9")
                  .el(status)
                  .el(std::to_string(g.declared_sets != 0 ? g.declared_sets : received))
                  .el(std::to_string(received))
                  .el(std::to_string(accepted));
  for (const std::string& c : codes) ak9.el(c);
}

// TA1 for a received interchange: the first TA1-coded error decides.
void ta1_segment(const ReceivedInterchange& r, SegmentList& out) {
  std::string_view note = "000";
  for (const Problem& p : r.problems) {
    if (p.is_error() && !ack_codes(p.code).ta1.empty()) {
      note = ack_codes(p.code).ta1;
      break;
    }
  }
  out.add("TA1")
      .el(r.header.control_number)
      .el(r.header.date)
      .el(r.header.time)
      .el(note == "000" ? "A" : "R")
      .el(std::string(note));
}

bool interchange_has_ta1_error(const ReceivedInterchange& r) {
  return std::any_of(r.problems.begin(), r.problems.end(), [](const Problem& p) {
    return p.is_error() && !ack_codes(p.code).ta1.empty();
  });
}

}  // namespace

std::vector<BuiltAck> build_acks(const std::vector<ReceivedInterchange>& received,
                                 const AckOptions& options, ControlNumberAllocator& numbers) {
  std::vector<BuiltAck> acks;
  for (const ReceivedInterchange& r : received) {
    const bool x12 = r.header.standard == Standard::x12;
    if (x12 && options.type == AckType::contrl) continue;
    if (!x12 && options.type != AckType::contrl && options.type != AckType::automatic) continue;
    detail::AckEnvelope envelope(r, options, numbers);
    BuiltAck ack;
    ack.partner = r.header.sender_id;
    if (!x12) {
      ack.type = AckType::contrl;
      ack.bytes = envelope.contrl(r, options);
    } else if (options.type == AckType::ta1) {
      ack.type = AckType::ta1;
      SegmentList ta1;
      ta1_segment(r, ta1);
      ack.bytes = envelope.x12(ta1, {});
    } else {
      SegmentList ta1;
      if (options.type == AckType::automatic &&
          (r.header.ack_requested || interchange_has_ta1_error(r))) {
        ta1_segment(r, ta1);
      }
      std::vector<detail::GroupAck> groups;
      for (const ReceivedGroup& g : r.groups) {
        const bool v999 = is_999(g, options.type);
        ack.type = v999 ? AckType::x999 : AckType::x997;
        detail::GroupAck group{v999, {}};
        group_ack_x12(g, v999, options, r.header.delimiters.component, group.body);
        groups.push_back(std::move(group));
      }
      if (groups.empty() && ta1.empty()) ta1_segment(r, ta1);
      if (groups.empty()) ack.type = AckType::ta1;
      ack.bytes = envelope.x12(ta1, groups);
    }
    ack.control_number = envelope.control_number();
    acks.push_back(std::move(ack));
  }
  return acks;
}

}  // namespace edigate::edi
