#include "edigate/edi/ack.hpp"

#include <algorithm>
#include <deque>

#include "edigate/edi/ack_reader.hpp"
#include "edigate/edi/writer.hpp"
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

// The segments of one acknowledgement body; a deque keeps references from add() valid.
class Body {
 public:
  SegmentData& add(std::string tag) { return segments_.emplace_back(std::move(tag)); }
  std::vector<SegmentData> take() { return {segments_.begin(), segments_.end()}; }

 private:
  std::deque<SegmentData> segments_;
};

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

// The element position of a problem: "3", or a composite "3:1" / "3:1:2" (C030 / C030 5010).
void add_position(SegmentData& segment, const Location& at, bool with_repetition) {
  std::vector<std::string> parts{std::to_string(at.element)};
  if (at.component != 0 || (with_repetition && at.repetition != 0)) {
    parts.push_back(at.component != 0 ? std::to_string(at.component) : "");
  }
  if (with_repetition && at.repetition != 0) parts.push_back(std::to_string(at.repetition));
  segment.add_composite(std::move(parts));
}

// AK3/AK4 (997) or IK3/IK4 (999) for one set's problems, grouped by segment.
void segment_errors_x12(const ReceivedSet& set, bool v999, Body& out) {
  std::uint64_t open_segment = 0;
  for (const Problem& p : set.problems) {
    const AckCodes& codes = ack_codes(p.code);
    const std::string_view seg_code = v999 ? codes.ik3 : codes.ak3;
    if (seg_code.empty()) continue;  // a set-level problem: AK5 reports it
    const std::string_view el_code = v999 ? codes.ik4 : codes.ak4;
    const bool element_level = !el_code.empty() && p.location.element != 0;
    if (!element_level || open_segment != p.location.segment) {
      out.add(v999 ? "IK3" : "AK3")
          .add(p.segment_id)
          .add(std::to_string(p.location.segment_in_set))
          .add(p.loop_id.size() <= 4 ? p.loop_id : "")
          .add(element_level ? "8" : std::string(seg_code));
      open_segment = element_level ? p.location.segment : 0;
    }
    if (!element_level) continue;
    SegmentData& ak4 = out.add(v999 ? "IK4" : "AK4");
    add_position(ak4, p.location, v999);
    ak4.add(element_ref(p)).add(std::string(el_code)).add(safe_copy(p.value));
  }
}

// The response to one transaction set: AK2 ... AK5 (or IK5).
void set_response_x12(const ReceivedSet& set, bool v999, Body& out) {
  SegmentData& ak2 = out.add("AK2").add(set.header.id).add(set.header.control_number);
  if (v999 && !set.header.implementation.empty()) ak2.add(set.header.implementation);
  segment_errors_x12(set, v999, out);
  std::vector<std::string> codes;
  for (const Problem& p : set.problems) {
    add_unique(codes, v999 ? ack_codes(p.code).ik5 : ack_codes(p.code).ak5);
  }
  SegmentData& ak5 = out.add(v999 ? "IK5" : "AK5").add(set_rejected(set) ? "R" : "A");
  for (const std::string& c : codes) ak5.add(c);
}

// AK902: the count the group trailer declared, or the sets received when the trailer was
// missing or its count cannot be written in AK902 (N0, at most 6 digits).
std::uint64_t declared_count(const ReceivedGroup& g) {
  constexpr std::uint64_t kMaxAk902 = 999'999;
  if (g.declared_sets == 0 || g.declared_sets > kMaxAk902) return g.sets.size();
  return g.declared_sets;
}

// The body of one 997/999 acknowledging one received functional group: AK1 ... AK9.
std::vector<SegmentData> group_ack_x12(const ReceivedGroup& g, bool v999,
                                       const AckOptions& options) {
  Body out;
  SegmentData& ak1 = out.add("AK1").add(g.header.functional_id).add(g.header.control_number);
  if (v999) ak1.add(g.header.version);
  std::uint64_t accepted = 0;
  for (const ReceivedSet& s : g.sets) {
    if (!set_rejected(s)) ++accepted;
    if (set_rejected(s) || options.report_accepted) set_response_x12(s, v999, out);
  }
  std::vector<std::string> codes;
  for (const Problem& p : g.problems) add_unique(codes, ack_codes(p.code).ak9);
  const std::uint64_t received = g.sets.size();
  const char* status = !codes.empty() || (received > 0 && accepted == 0) ? "R"
                       : accepted == received                            ? "A"
                                                                         : "P";
  SegmentData& ak9 = out.add("AK9")
                         .add(status)
                         .add(std::to_string(declared_count(g)))
                         .add(std::to_string(received))
                         .add(std::to_string(accepted));
  for (const std::string& c : codes) ak9.add(c);
  return out.take();
}

// TA1 for a received interchange: the first TA1-coded error decides.
SegmentData ta1_segment(const ReceivedInterchange& r) {
  std::string_view note = "000";
  for (const Problem& p : r.problems) {
    if (p.is_error() && !ack_codes(p.code).ta1.empty()) {
      note = ack_codes(p.code).ta1;
      break;
    }
  }
  return SegmentData("TA1", {r.header.control_number, r.header.date, r.header.time,
                             note == "000" ? "A" : "R", std::string(note)});
}

bool interchange_has_ta1_error(const ReceivedInterchange& r) {
  return std::any_of(r.problems.begin(), r.problems.end(), [](const Problem& p) {
    return p.is_error() && !ack_codes(p.code).ta1.empty();
  });
}

// The acknowledgement's envelope: addressed back to the sender, received delimiters.
Interchange reply_envelope(const ReceivedInterchange& r, const AckOptions& options,
                           ControlNumberAllocator& numbers) {
  const InterchangeHeader& h = r.header;
  const bool x12 = h.standard == Standard::x12;
  Interchange out;
  out.standard = h.standard;
  out.delimiters = h.delimiters;
  out.has_service_string = h.has_service_string;
  out.syntax_id = h.syntax_id;
  out.version = h.version;
  out.sender_qualifier = h.receiver_qualifier;
  out.sender_id = h.receiver_id;
  out.receiver_qualifier = h.sender_qualifier;
  out.receiver_id = h.sender_id;
  out.date = x12 || h.version < "4" ? options.date.substr(2, 6) : options.date;
  out.time = options.time.substr(0, 4);
  out.control_number = format_control(numbers.next(ControlKind::interchange, h.sender_id),
                                      ControlKind::interchange, x12);
  out.test = options.usage.empty() ? h.test : options.usage == "T";
  return out;
}

std::string next_control(ControlNumberAllocator& numbers, ControlKind kind,
                         const ReceivedInterchange& r) {
  const bool x12 = r.header.standard == Standard::x12;
  return format_control(numbers.next(kind, r.header.sender_id), kind, x12);
}

// One FA group holding the 997/999 for one received group.
Group x12_ack_group(const ReceivedInterchange& r, const ReceivedGroup& g, bool v999,
                    const AckOptions& options, ControlNumberAllocator& numbers) {
  Group out;
  out.functional_id = "FA";
  out.sender_id = g.header.receiver_id;
  out.receiver_id = g.header.sender_id;
  out.date = options.date;
  out.time = options.time.substr(0, 4);
  out.control_number = next_control(numbers, ControlKind::group, r);
  out.agency = "X";
  out.version =
      v999 ? "005010X231A1" : (g.header.version.empty() ? "004010" : g.header.version.substr(0, 6));
  Transaction set;
  set.id = v999 ? "999" : "997";
  set.control_number = next_control(numbers, ControlKind::transaction, r);
  if (v999) set.version = out.version;
  set.segments = group_ack_x12(g, v999, options);
  out.transactions.push_back(std::move(set));
  return out;
}

// The first code of the given scope among problems, for UCI/UCM.
std::string_view first_contrl_code(const std::vector<Problem>& problems, Scope scope) {
  for (const Problem& p : problems) {
    if (p.is_error() && scope_of(p.code) == scope && !ack_codes(p.code).contrl.empty()) {
      return ack_codes(p.code).contrl;
    }
  }
  return {};
}

// UCM for one message, then a UCS per segment in error and a UCD per element in error.
void message_response(const ReceivedSet& s, Body& out) {
  const std::string& version = s.header.version;
  // A header the reader did not fill has no split: then take the release as the last three.
  const std::size_t at = s.header.release_at != 0
                             ? std::min(s.header.release_at, version.size())
                             : (version.size() > 3 ? version.size() - 3 : version.size());
  const std::string v = version.substr(0, at);
  const std::string release = version.substr(at);
  std::vector<std::string> id{s.header.id, v, release, s.header.agency};
  if (!s.header.association.empty()) id.push_back(s.header.association);
  SegmentData& ucm = out.add("UCM").add(s.header.control_number).add_composite(std::move(id));
  ucm.add(set_rejected(s) ? "4" : "7");
  const std::string_view message_error = first_contrl_code(s.problems, Scope::transaction);
  if (!message_error.empty()) ucm.add(std::string(message_error));
  std::uint64_t open_segment = 0;
  for (const Problem& p : s.problems) {
    const Scope scope = scope_of(p.code);
    if (scope != Scope::segment && scope != Scope::element) continue;
    const std::string code(ack_codes(p.code).contrl);
    const bool element_level = scope == Scope::element && p.location.element != 0;
    if (!element_level || open_segment != p.location.segment) {
      SegmentData& ucs = out.add("UCS").add(std::to_string(p.location.segment_in_set));
      if (!element_level) ucs.add(code);
      open_segment = element_level ? p.location.segment : 0;
    }
    if (element_level) add_position(out.add("UCD").add(code), p.location, false);
  }
}

bool is_contrl(const ReceivedSet& s) { return s.header.id == "CONTRL"; }
bool is_fa(const ReceivedGroup& g) { return g.header.functional_id == "FA"; }

// UCF for one received group (UNG ... UNE): its reference, its addresses, taken (7) or
// rejected with the first group-level error (4). Under a rejected interchange a group is
// rejected too (4, without an error of its own to name).
void group_response(const ReceivedGroup& g, bool rejected_above, Body& out) {
  SegmentData& ucf = out.add("UCF").add(g.header.control_number);
  ucf.add_composite({g.header.sender_id}).add_composite({g.header.receiver_id});
  const std::string_view error = first_contrl_code(g.problems, Scope::group);
  ucf.add(error.empty() && !rejected_above ? "7" : "4");
  if (!error.empty()) ucf.add(std::string(error));
}

// The UCMs of one group's messages. Under a UCI or UCF that says 4 ("this level and all lower
// levels rejected") a message is rejected whatever its own checks found, so a UCM saying 7
// would contradict it: only the messages with errors of their own are reported there.
void group_messages(const ReceivedGroup& g, bool rejected_above, const AckOptions& options,
                    Body& out) {
  for (const ReceivedSet& s : g.sets) {
    if (is_contrl(s)) continue;
    if (set_rejected(s) || (options.report_accepted && !rejected_above)) message_response(s, out);
  }
}

bool only_contrl(const ReceivedGroup& g) {
  return !g.sets.empty() && std::all_of(g.sets.begin(), g.sets.end(), is_contrl);
}

// The CONTRL message body: UCI; the UCMs of messages outside groups; then for each group
// (UNG ... UNE) a UCF followed by its UCMs, the order the CONTRL message defines.
std::vector<SegmentData> contrl_body(const ReceivedInterchange& r, const AckOptions& options) {
  const InterchangeHeader& h = r.header;
  Body out;
  SegmentData& uci = out.add("UCI").add(h.control_number);
  uci.add_composite({h.sender_id, h.sender_qualifier})
      .add_composite({h.receiver_id, h.receiver_qualifier});
  const std::string_view error = first_contrl_code(r.problems, Scope::interchange);
  uci.add(error.empty() ? "7" : "4");
  if (!error.empty()) uci.add(std::string(error));
  const bool interchange_rejected = !error.empty();
  for (const ReceivedGroup& g : r.groups) {
    if (g.implied) group_messages(g, interchange_rejected, options, out);
  }
  for (const ReceivedGroup& g : r.groups) {
    if (g.implied || only_contrl(g)) continue;
    const bool group_rejected = !first_contrl_code(g.problems, Scope::group).empty();
    // Under a rejected interchange a group with nothing of its own to report is left out,
    // as its clean messages are: the UCI has said it all.
    if (interchange_rejected && !group_rejected &&
        std::none_of(g.sets.begin(), g.sets.end(), set_rejected)) {
      continue;
    }
    group_response(g, interchange_rejected, out);
    group_messages(g, interchange_rejected || group_rejected, options, out);
  }
  return out.take();
}

Transaction contrl_message(const ReceivedInterchange& r, const AckOptions& options,
                           ControlNumberAllocator& numbers) {
  const bool syntax4 = r.header.version >= "4";
  Transaction out;
  out.id = "CONTRL";
  out.control_number = next_control(numbers, ControlKind::transaction, r);
  out.version = syntax4 ? "4" : "D";
  out.release = syntax4 ? "1" : "3";
  out.agency = "UN";
  out.segments = contrl_body(r, options);
  return out;
}

// Fills the acknowledgement interchange for one received X12 interchange; returns its type.
AckType x12_ack(const ReceivedInterchange& r, const AckOptions& options,
                ControlNumberAllocator& numbers, Interchange& out) {
  if (options.type == AckType::ta1) {
    out.interchange_segments.push_back(ta1_segment(r));
    return AckType::ta1;
  }
  if (options.type == AckType::automatic &&
      (r.header.ack_requested || interchange_has_ta1_error(r))) {
    out.interchange_segments.push_back(ta1_segment(r));
  }
  AckType type = AckType::ta1;
  for (const ReceivedGroup& g : r.groups) {
    if (is_fa(g)) continue;
    const bool v999 = is_999(g, options.type);
    type = v999 ? AckType::x999 : AckType::x997;
    out.groups.push_back(x12_ack_group(r, g, v999, options, numbers));
  }
  if (out.groups.empty() && out.interchange_segments.empty() && r.groups.empty()) {
    out.interchange_segments.push_back(ta1_segment(r));
  }
  return type;
}

// An ack is only sent if it reads back cleanly, as an interchange and as an acknowledgement:
// a received envelope too damaged to reply to (no sender id, no control number to quote) must
// not turn into an ack the partner cannot parse.
std::string self_check(std::string_view bytes) {
  for (const Problem& p : read_acks(bytes).problems) {
    if (p.is_error()) {
      return "the received envelope cannot be acknowledged: the reply would be invalid (" +
             p.message + ")";
    }
  }
  return {};
}

}  // namespace

bool group_rejected(const ReceivedGroup& g, Standard standard) {
  if (standard == Standard::edifact) {
    return !g.implied && !first_contrl_code(g.problems, Scope::group).empty();
  }
  return std::any_of(g.problems.begin(), g.problems.end(),
                     [](const Problem& p) { return !ack_codes(p.code).ak9.empty(); });
}

bool interchange_rejected(const ReceivedInterchange& r) {
  if (r.header.standard == Standard::x12) return interchange_has_ta1_error(r);
  return !first_contrl_code(r.problems, Scope::interchange).empty();
}

bool interchange_rejection_sent(const ReceivedInterchange& r, AckType type) {
  if (!interchange_rejected(r)) return false;
  if (r.header.standard == Standard::x12) {
    // A TA1 error makes build_acks answer even an interchange of 997s.
    return type == AckType::automatic || type == AckType::ta1;
  }
  return (type == AckType::automatic || type == AckType::contrl) && !only_acknowledgements(r);
}

bool only_acknowledgements(const ReceivedInterchange& r) {
  // An X12 interchange without groups holds a TA1 or nothing: answering it with a TA1 of our
  // own unasked would let two gateways trade TA1s for ever.
  if (r.header.standard == Standard::x12) {
    return std::all_of(r.groups.begin(), r.groups.end(), is_fa);
  }
  bool any = false;
  for (const ReceivedGroup& g : r.groups) {
    for (const ReceivedSet& s : g.sets) {
      if (!is_contrl(s)) return false;
      any = true;
    }
  }
  return any;
}

std::vector<BuiltAck> build_acks(const std::vector<ReceivedInterchange>& received,
                                 const AckOptions& options, ControlNumberAllocator& numbers) {
  std::vector<BuiltAck> acks;
  for (const ReceivedInterchange& r : received) {
    const bool x12 = r.header.standard == Standard::x12;
    // An explicit type is for one standard: skip interchanges of the other.
    const bool x12_type = options.type != AckType::contrl && options.type != AckType::automatic;
    if ((x12 && options.type == AckType::contrl) || (!x12 && x12_type)) continue;
    if (only_acknowledgements(r)) {
      const bool ta1_wanted = x12 && (options.type == AckType::ta1 ||
                                      (options.type == AckType::automatic &&
                                       (r.header.ack_requested || interchange_has_ta1_error(r))));
      if (!ta1_wanted) continue;
    }
    Interchange envelope = reply_envelope(r, options, numbers);
    BuiltAck ack;
    ack.partner = r.header.sender_id;
    ack.control_number = envelope.control_number;
    if (x12) {
      ack.type = x12_ack(r, options, numbers, envelope);
    } else {
      ack.type = AckType::contrl;
      envelope.messages.push_back(contrl_message(r, options, numbers));
    }
    WriteResult written = write_interchange(envelope);
    if (!written.ok()) {
      ack.error = "cannot write the acknowledgement: " + written.error->message;
    } else {
      ack.error = self_check(written.bytes);
      if (ack.error.empty()) ack.bytes = std::move(written.bytes);
    }
    acks.push_back(std::move(ack));
  }
  return acks;
}

}  // namespace edigate::edi
