#include "ack_segments.hpp"

namespace edigate::edi::detail {
namespace {

std::string pad(std::string_view value, std::size_t width) {
  std::string out(value.substr(0, width));
  out.resize(width, ' ');
  return out;
}

// "D96A" -> {"D", "96A"}: EDIFACT 0052 and 0054 from the joined version.
std::pair<std::string, std::string> split_version(const std::string& version) {
  if (version.size() <= 3) return {version, ""};
  return {version.substr(0, version.size() - 3), version.substr(version.size() - 3)};
}

bool set_rejected(const ReceivedSet& s) { return !s.problems.empty(); }

}  // namespace

AckEnvelope::AckEnvelope(const ReceivedInterchange& received, const AckOptions& options,
                         ControlNumberAllocator& numbers)
    : received_(received), options_(options), numbers_(numbers), d_(received.header.delimiters) {}

std::string AckEnvelope::next(ControlKind kind) {
  const bool x12 = received_.header.standard == Standard::x12;
  return format_control(numbers_.next(kind, received_.header.sender_id), kind, x12);
}

std::string AckEnvelope::escape(std::string_view value) const {
  std::string out;
  for (char c : value) {
    if (d_.release != 0 && d_.is_delimiter(c)) out.push_back(d_.release);
    out.push_back(c);
  }
  return out;
}

void AckEnvelope::write(const AckSegment& segment) {
  std::size_t used = segment.elements.size();
  while (used > 0 && segment.elements[used - 1].empty()) --used;  // no trailing empties
  out_ += segment.tag;
  for (std::size_t i = 0; i < used; ++i) {
    out_.push_back(d_.element);
    out_ += segment.elements[i];
  }
  out_.push_back(d_.segment);
}

void AckEnvelope::write_all(const SegmentList& list) {
  for (const AckSegment& s : list.segments()) write(s);
}

std::string AckEnvelope::x12(const SegmentList& ta1, const std::vector<GroupAck>& groups) {
  const InterchangeHeader& h = received_.header;
  const bool repetition = h.version >= "00402" && d_.repetition != 0;
  control_ = next(ControlKind::interchange);
  const std::string usage = !options_.usage.empty() ? options_.usage : (h.test ? "T" : "P");
  // ISA is fixed width: written by hand so the padding is exact.
  out_ = "ISA";
  for (const std::string& field :
       {std::string("00"), pad("", 10), std::string("00"), pad("", 10),
        pad(h.receiver_qualifier, 2), pad(h.receiver_id, 15), pad(h.sender_qualifier, 2),
        pad(h.sender_id, 15), options_.date.substr(2, 6), options_.time.substr(0, 4),
        repetition ? std::string(1, d_.repetition) : std::string("U"), pad(h.version, 5), control_,
        std::string("0"), usage}) {
    out_.push_back(d_.element);
    out_ += field;
  }
  out_.push_back(d_.element);
  out_.push_back(d_.component);
  out_.push_back(d_.segment);
  write_all(ta1);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const GroupAck& g = groups[i];
    const ReceivedGroup& rg = received_.groups[i];
    const std::string group_control = next(ControlKind::group);
    const std::string set_control = next(ControlKind::transaction);
    const std::string version =
        g.v999 ? "005010X231A1"
               : (rg.header.version.empty() ? "004010" : rg.header.version.substr(0, 6));
    SegmentList head;
    head.add("GS")
        .el("FA")
        .el(rg.header.receiver_id)
        .el(rg.header.sender_id)
        .el(options_.date)
        .el(options_.time)
        .el(group_control)
        .el("X")
        .el(version);
    auto& st = head.add("ST").el(g.v999 ? "999" : "997").el(set_control);
    if (g.v999) st.el(version);
    write_all(head);
    write_all(g.body);
    SegmentList tail;
    tail.add("SE").el(std::to_string(g.body.size() + 2)).el(set_control);
    tail.add("GE").el("1").el(group_control);
    write_all(tail);
  }
  SegmentList iea;
  iea.add("IEA").el(std::to_string(groups.size())).el(control_);
  write_all(iea);
  return std::move(out_);
}

std::string AckEnvelope::contrl(const ReceivedInterchange& r, const AckOptions& options) {
  const InterchangeHeader& h = r.header;
  const bool syntax4 = h.version >= "4";
  control_ = next(ControlKind::interchange);
  const std::string message = next(ControlKind::transaction);
  out_.clear();
  if (h.has_service_string) {
    out_ = std::string("UNA") + d_.component + d_.element + d_.decimal +
           (d_.release ? d_.release : ' ') + (d_.repetition ? d_.repetition : ' ') + d_.segment;
  }
  auto party = [&](const std::string& id, const std::string& qualifier) {
    return escape(id) + (qualifier.empty() ? "" : std::string(1, d_.component) + escape(qualifier));
  };
  const std::string c(1, d_.component);
  SegmentList list;
  auto& unb = list.add("UNB")
                  .el(h.syntax_id + c + h.version)
                  .el(party(h.receiver_id, h.receiver_qualifier))
                  .el(party(h.sender_id, h.sender_qualifier))
                  .el((syntax4 ? options.date : options.date.substr(2, 6)) + c + options.time)
                  .el(escape(control_));
  if (options.usage == "T" || (options.usage.empty() && h.test)) {
    unb.el("").el("").el("").el("").el("").el("1");
  }
  list.add("UNH").el(message).el(syntax4 ? "CONTRL" + c + "4" + c + "1" + c + "UN"
                                         : "CONTRL" + c + "D" + c + "3" + c + "UN");
  const std::size_t first_body = list.size();
  std::string_view interchange_error;
  for (const Problem& p : r.problems) {
    if (p.is_error() && !ack_codes(p.code).contrl.empty()) {
      interchange_error = ack_codes(p.code).contrl;
      break;
    }
  }
  auto& uci = list.add("UCI")
                  .el(escape(h.control_number))
                  .el(party(h.sender_id, h.sender_qualifier))
                  .el(party(h.receiver_id, h.receiver_qualifier))
                  .el(interchange_error.empty() ? "7" : "4");
  if (!interchange_error.empty()) uci.el(std::string(interchange_error));
  for (const ReceivedGroup& g : r.groups) {
    for (const ReceivedSet& s : g.sets) {
      if (!set_rejected(s) && !options.report_accepted) continue;
      const auto [version, release] = split_version(s.header.version);
      std::string_view message_error;
      for (const Problem& p : s.problems) {
        if (scope_of(p.code) == Scope::transaction && !ack_codes(p.code).contrl.empty()) {
          message_error = ack_codes(p.code).contrl;
          break;
        }
      }
      auto& ucm = list.add("UCM")
                      .el(escape(s.header.control_number))
                      .el(escape(s.header.id) + c + version + c + release + c + s.header.agency +
                          (s.header.association.empty() ? "" : c + escape(s.header.association)))
                      .el(set_rejected(s) ? "4" : "7");
      if (!message_error.empty()) ucm.el(std::string(message_error));
      std::uint64_t open_segment = 0;
      for (const Problem& p : s.problems) {
        const Scope scope = scope_of(p.code);
        if (scope != Scope::segment && scope != Scope::element) continue;
        const std::string code(ack_codes(p.code).contrl);
        const bool element_level = scope == Scope::element && p.location.element != 0;
        if (!element_level || open_segment != p.location.segment) {
          auto& ucs = list.add("UCS").el(std::to_string(p.location.segment_in_set));
          if (!element_level) ucs.el(code);
          open_segment = element_level ? p.location.segment : 0;
        }
        if (element_level) {
          std::string position = std::to_string(p.location.element);
          if (p.location.component != 0) position += c + std::to_string(p.location.component);
          list.add("UCD").el(code).el(position);
        }
      }
    }
  }
  const std::size_t in_message = list.size() - first_body + 2;  // UNH and UNT included
  list.add("UNT").el(std::to_string(in_message)).el(message);
  list.add("UNZ").el("1").el(escape(control_));
  write_all(list);
  return std::move(out_);
}

}  // namespace edigate::edi::detail
