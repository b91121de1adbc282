#include "edigate/edi/ack_reader.hpp"

#include <charconv>

namespace edigate::edi {
namespace {

AckStatus x12_status(std::string_view code) {
  if (code == "A") return AckStatus::accepted;
  if (code == "E") return AckStatus::accepted_with_errors;
  if (code == "P") return AckStatus::partially_accepted;
  if (code == "R" || code == "M" || code == "W" || code == "X") return AckStatus::rejected;
  return AckStatus::unknown;
}

AckStatus contrl_status(std::string_view code) {
  if (code == "7") return AckStatus::accepted;
  if (code == "4") return AckStatus::rejected;
  if (code == "8") return AckStatus::received;
  return AckStatus::unknown;
}

// Builds the report from reader events, one acknowledgement segment at a time.
class AckBuilder {
 public:
  explicit AckBuilder(Reader& reader) : reader_(reader) {}

  AckReport run() {
    while (true) {
      const Event event = reader_.next();
      if (event.kind == EventKind::end_of_input) break;
      on_event(event.kind);
    }
    return std::move(report_);
  }

 private:
  enum class Mode : unsigned char { none, x12, contrl };
  using Handler = void (AckBuilder::*)(const Segment&);
  struct Route {
    std::string_view tag;
    Mode mode;
    Handler handler;
  };
  static const Route kRoutes[15];

  void on_event(EventKind kind) {
    switch (kind) {
      case EventKind::interchange_start:
        return start_interchange();
      case EventKind::transaction_start:
        return start_set();
      case EventKind::segment:
        return on_segment(reader_.segment());
      case EventKind::transaction_end:
        return end_set();
      case EventKind::problem:
        return on_problem();
      default:
        return;
    }
  }

  void on_problem() { report_.problems.push_back(reader_.problem()); }

  // A TA1 stands between the ISA and the groups; everything else is inside a set.
  void on_segment(const Segment& s) {
    if (reader_.in_transaction()) return dispatch(s);
    if (s.tag() == "TA1") read_ta1(s);
  }

  void start_interchange() {
    origin_.interchange_control = reader_.interchange().control_number;
    origin_.sender_id = reader_.interchange().sender_id;
  }

  void start_set() {
    const std::string& id = reader_.transaction().id;
    mode_ = id == "997" || id == "999" ? Mode::x12 : id == "CONTRL" ? Mode::contrl : Mode::none;
    origin_.kind = id == "999" ? AckKind::x999 : id == "CONTRL" ? AckKind::contrl : AckKind::x997;
    group_ = nullptr;
    interchange_ = nullptr;
    close_set();
  }

  void end_set() {
    if (mode_ == Mode::x12 && set_ != nullptr) missing("AK5/IK5", "AK2 " + set_->control_number);
    if (mode_ == Mode::x12 && group_ != nullptr) missing("AK9", "AK1 " + group_->control_number);
    if (mode_ == Mode::contrl && interchange_ == nullptr) missing("UCI", "CONTRL");
    mode_ = Mode::none;
    group_ = nullptr;
    interchange_ = nullptr;
    close_set();
  }

  void dispatch(const Segment& s) {
    if (mode_ == Mode::none) return;
    for (const Route& route : kRoutes) {
      if (route.mode == mode_ && route.tag == s.tag()) return (this->*route.handler)(s);
    }
    malformed(
        s, 0, ProblemCode::segment_unexpected,
        "segment " + std::string(s.tag()) + " is not expected in a " + to_string(origin_.kind));
  }

  // ---- problems -------------------------------------------------------------------------

  void malformed(const Segment& s, std::size_t element, ProblemCode code, std::string message) {
    Problem p{code, Severity::error, s.location_of(element), "acknowledgement: " + message};
    p.segment_id = std::string(s.tag());
    report_.problems.push_back(std::move(p));
  }

  void missing(const std::string& what, const std::string& after) {
    Problem p{ProblemCode::segment_mandatory_missing, Severity::error, reader_.segment().location(),
              "acknowledgement: " + what + " is missing after " + after};
    p.segment_id = what;
    report_.problems.push_back(std::move(p));
  }

  // Reads a required status code; unknown codes are reported.
  AckStatus status(const Segment& s, std::size_t element, bool contrl) {
    const std::string_view code = s[element];
    const AckStatus st = contrl ? contrl_status(code) : x12_status(code);
    if (st == AckStatus::unknown) {
      malformed(s, element, ProblemCode::element_invalid_code,
                std::string(s.tag()) + " status '" + std::string(code) + "' is not a known code");
    }
    return st;
  }

  std::uint32_t number(const Segment& s, std::size_t element, std::size_t component = 0) {
    const std::string_view text = component == 0 ? s[element] : s.component(element, component);
    std::uint32_t value = 0;
    if (text.empty()) return 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      malformed(s, element, ProblemCode::element_invalid_character,
                std::string(s.tag()) + " position '" + std::string(text) + "' is not a number");
      return 0;
    }
    return value;
  }

  static void add_codes(const Segment& s, std::size_t first, std::size_t last,
                        std::vector<std::string>& codes) {
    for (std::size_t i = first; i <= last && i <= s.size(); ++i) {
      if (!s[i].empty()) codes.emplace_back(s[i]);
    }
  }

  bool require(const Segment& s, const void* open, const char* parent) {
    if (open != nullptr) return true;
    malformed(s, 0, ProblemCode::segment_out_of_sequence,
              std::string(s.tag()) + " is not preceded by " + parent + "; ignored");
    return false;
  }

  AckOrigin origin_here(const Segment& s) const {
    AckOrigin o = origin_;
    o.location = s.location();
    return o;
  }

  void close_set() {
    set_ = nullptr;
    segment_error_ = nullptr;
    element_error_ = nullptr;
  }

  // ---- TA1 ------------------------------------------------------------------------------

  void read_ta1(const Segment& s) {
    InterchangeAck& ack = report_.interchanges.emplace_back();
    ack.origin = origin_here(s);
    ack.origin.kind = AckKind::ta1;
    ack.control_number = std::string(s[1]);
    ack.date = std::string(s[2]);
    ack.time = std::string(s[3]);
    ack.status = status(s, 4, false);
    ack.note_code = std::string(s[5]);
    if (ack.control_number.empty()) {
      malformed(s, 1, ProblemCode::element_mandatory_missing, "TA101 control number is missing");
    }
  }

  // ---- 997 / 999 ------------------------------------------------------------------------

  void read_ak1(const Segment& s) {
    if (group_ != nullptr) missing("AK9", "AK1 " + group_->control_number);
    close_set();
    group_ = &report_.groups.emplace_back();
    group_->origin = origin_here(s);
    group_->functional_id = std::string(s[1]);
    group_->control_number = std::string(s[2]);
    group_->version = std::string(s[3]);
  }

  void read_ak2(const Segment& s) {
    if (!require(s, group_, "AK1")) return;
    if (set_ != nullptr) missing("AK5/IK5", "AK2 " + set_->control_number);
    close_set();
    set_ = &group_->sets.emplace_back();
    set_->id = std::string(s[1]);
    set_->control_number = std::string(s[2]);
    set_->version = std::string(s[3]);
    set_->location = s.location();
  }

  void read_ak3(const Segment& s) {
    if (!require(s, set_, "AK2")) return;
    segment_error_ = &set_->segment_errors.emplace_back();
    element_error_ = nullptr;
    segment_error_->segment_id = std::string(s[1]);
    segment_error_->position = number(s, 2);
    segment_error_->loop_id = std::string(s[3]);
    segment_error_->code = std::string(s[4]);
  }

  void read_ak4(const Segment& s) {
    if (!require(s, segment_error_, "AK3/IK3")) return;
    element_error_ = &segment_error_->elements.emplace_back();
    element_error_->position = number(s, 1, 1);
    element_error_->component = number(s, 1, 2);
    element_error_->repetition = number(s, 1, 3);
    element_error_->reference = std::string(s[2]);
    element_error_->code = std::string(s[3]);
    element_error_->bad_value = std::string(s[4]);
  }

  void read_ctx(const Segment& s) {
    if (!require(s, set_, "AK2")) return;
    AckContext c{std::string(s.component(1, 1)), std::string(s.component(1, 2)), std::string(s[2]),
                 number(s, 3)};
    std::vector<AckContext>& target = element_error_   ? element_error_->context
                                      : segment_error_ ? segment_error_->context
                                                       : set_->context;
    target.push_back(std::move(c));
  }

  void read_ak5(const Segment& s) {
    if (!require(s, set_, "AK2")) return;
    set_->status = status(s, 1, false);
    add_codes(s, 2, 6, set_->codes);
    close_set();
  }

  void read_ak9(const Segment& s) {
    if (!require(s, group_, "AK1")) return;
    if (set_ != nullptr) missing("AK5/IK5", "AK2 " + set_->control_number);
    close_set();
    group_->status = status(s, 1, false);
    group_->sets_included = number(s, 2);
    group_->sets_received = number(s, 3);
    group_->sets_accepted = number(s, 4);
    add_codes(s, 5, 9, group_->codes);
    group_ = nullptr;
  }

  // ---- CONTRL ---------------------------------------------------------------------------

  std::string text(const Segment& s, std::size_t element, std::size_t component = 0) const {
    const std::string_view raw = component == 0 ? s[element] : s.component(element, component);
    return unescape(raw, s.delimiters().release);
  }

  void read_uci(const Segment& s) {
    if (interchange_ != nullptr) {
      malformed(s, 0, ProblemCode::segment_over_max, "a CONTRL message holds one UCI; ignored");
      return;
    }
    close_set();
    group_ = nullptr;
    interchange_ = &report_.interchanges.emplace_back();
    interchange_->origin = origin_here(s);
    interchange_->control_number = text(s, 1);
    interchange_->sender_id = text(s, 2, 1);
    interchange_->receiver_id = text(s, 3, 1);
    interchange_->status = status(s, 4, true);
    interchange_->note_code = text(s, 5);
  }

  void read_ucf(const Segment& s) {
    if (!require(s, interchange_, "UCI")) return;
    close_set();
    group_ = &interchange_->groups.emplace_back();
    group_->origin = origin_here(s);
    group_->control_number = text(s, 1);
    group_->status = status(s, 4, true);
    if (!s[5].empty()) group_->codes.push_back(text(s, 5));
  }

  void read_ucm(const Segment& s) {
    if (!require(s, interchange_, "UCI")) return;
    close_set();
    set_ = &(group_ != nullptr ? group_->sets : interchange_->sets).emplace_back();
    set_->control_number = text(s, 1);
    set_->id = text(s, 2, 1);
    set_->version = text(s, 2, 2) + text(s, 2, 3);
    set_->status = status(s, 3, true);
    if (!s[4].empty()) set_->codes.push_back(text(s, 4));
    set_->location = s.location();
  }

  void read_ucs(const Segment& s) {
    if (!require(s, set_, "UCM")) return;
    segment_error_ = &set_->segment_errors.emplace_back();
    element_error_ = nullptr;
    segment_error_->position = number(s, 1);
    segment_error_->code = text(s, 2);
  }

  void read_ucd(const Segment& s) {
    if (!require(s, segment_error_, "UCS")) return;
    element_error_ = &segment_error_->elements.emplace_back();
    element_error_->code = text(s, 1);
    element_error_->position = number(s, 2, 1);
    element_error_->component = number(s, 2, 2);
    element_error_->repetition = number(s, 2, 3);
  }

  Reader& reader_;
  AckReport report_;
  AckOrigin origin_;
  Mode mode_ = Mode::none;
  // The open parts of the acknowledgement being read; null when none is open. Each points
  // at the last element of its vector and is reset whenever a vector above it grows.
  InterchangeAck* interchange_ = nullptr;
  GroupAck* group_ = nullptr;
  SetAck* set_ = nullptr;
  SegmentError* segment_error_ = nullptr;
  ElementError* element_error_ = nullptr;
};

const AckBuilder::Route AckBuilder::kRoutes[15] = {
    {"AK1", Mode::x12, &AckBuilder::read_ak1},    {"AK2", Mode::x12, &AckBuilder::read_ak2},
    {"AK3", Mode::x12, &AckBuilder::read_ak3},    {"IK3", Mode::x12, &AckBuilder::read_ak3},
    {"AK4", Mode::x12, &AckBuilder::read_ak4},    {"IK4", Mode::x12, &AckBuilder::read_ak4},
    {"CTX", Mode::x12, &AckBuilder::read_ctx},    {"AK5", Mode::x12, &AckBuilder::read_ak5},
    {"IK5", Mode::x12, &AckBuilder::read_ak5},    {"AK9", Mode::x12, &AckBuilder::read_ak9},
    {"UCI", Mode::contrl, &AckBuilder::read_uci}, {"UCF", Mode::contrl, &AckBuilder::read_ucf},
    {"UCM", Mode::contrl, &AckBuilder::read_ucm}, {"UCS", Mode::contrl, &AckBuilder::read_ucs},
    {"UCD", Mode::contrl, &AckBuilder::read_ucd},
};

}  // namespace

const char* to_string(AckKind kind) {
  switch (kind) {
    case AckKind::ta1:
      return "TA1";
    case AckKind::x997:
      return "997";
    case AckKind::x999:
      return "999";
    case AckKind::contrl:
      return "CONTRL";
  }
  return "?";
}

const char* to_string(AckStatus status) {
  switch (status) {
    case AckStatus::accepted:
      return "accepted";
    case AckStatus::accepted_with_errors:
      return "accepted_with_errors";
    case AckStatus::partially_accepted:
      return "partially_accepted";
    case AckStatus::rejected:
      return "rejected";
    case AckStatus::received:
      return "received";
    case AckStatus::unknown:
      return "unknown";
  }
  return "?";
}

AckReport read_acks(Reader& reader) { return AckBuilder(reader).run(); }

AckReport read_acks(std::string_view bytes) {
  Reader reader(bytes);
  return read_acks(reader);
}

}  // namespace edigate::edi
