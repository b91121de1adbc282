#include "pipeline/process.hpp"

#include <ctime>

namespace edigate::gateway {
namespace {

// Collects what the mapper hands out, one ProcessedSet per transaction set.
class SetCollector final : public edi::mapping::DocumentSink {
 public:
  explicit SetCollector(ProcessResult& result) : result_(result) {}

  void on_document(const edi::mapping::MappedDocument& d) override {
    ProcessedSet s;
    s.index = result_.sets.size();
    // The Recorder notes each interchange as it starts, before any of its sets is mapped.
    s.interchange = result_.interchanges.empty() ? 0 : result_.interchanges.size() - 1;
    s.standard = d.interchange->standard;
    s.transaction = d.set->header.id;
    s.version = d.set->header.version;
    s.sender_qualifier = d.interchange->sender_qualifier;
    s.sender_id = d.interchange->sender_id;
    s.interchange_control = d.interchange->control_number;
    s.group_control = d.group->control_number;
    s.set_control = d.set->header.control_number;
    if (d.map != nullptr) s.document_type = to_string(edi::mapping::info_of(*d.map).document);
    s.accepted = !d.set->has_errors();
    s.json.assign(d.json);
    s.problems = d.set->problems;
    result_.sets.push_back(std::move(s));
  }

 private:
  ProcessResult& result_;
};

// Between the mapper and the ack collector: notes interchanges and problems outside sets.
class Recorder final : public edi::ValidationListener {
 public:
  Recorder(ProcessResult& result, edi::AckCollector& acks) : result_(result), acks_(acks) {}

  void on_interchange_start(const edi::InterchangeHeader& h) override {
    ProcessedInterchange i;
    i.standard = h.standard;
    i.sender_qualifier = h.sender_qualifier;
    i.sender_id = h.sender_id;
    i.receiver_qualifier = h.receiver_qualifier;
    i.receiver_id = h.receiver_id;
    i.control_number = h.control_number;
    i.test = h.test;
    result_.interchanges.push_back(std::move(i));
    in_interchange_ = true;
    acks_.on_interchange_start(h);
  }
  void on_group_start(const edi::GroupHeader& h) override { acks_.on_group_start(h); }
  void on_set_end(const edi::SetResult& s) override { acks_.on_set_end(s); }
  void on_group_end(const edi::GroupResult& g) override {
    for (const edi::Problem& p : g.problems) result_.problems.push_back(p);
    acks_.on_group_end(g);
  }
  void on_interchange_end(const edi::InterchangeResult& r) override {
    for (const edi::Problem& p : r.problems) result_.problems.push_back(p);
    in_interchange_ = false;
    acks_.on_interchange_end(r);
  }
  // Within an interchange its problems arrive again in its result (above) or its sets'; outside
  // one (bytes that are no envelope, an ISA or UNB too broken to open the interchange it starts,
  // which is then skipped) this is the only report of them.
  void on_problem(const edi::Problem& p) override {
    if (!in_interchange_) result_.problems.push_back(p);
  }

 private:
  ProcessResult& result_;
  edi::AckCollector& acks_;
  bool in_interchange_ = false;
};

void stamp(std::string& date, std::string& time) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[16];
  if (date.empty()) {
    std::strftime(buffer, sizeof buffer, "%Y%m%d", &utc);
    date = buffer;
  }
  if (time.empty()) {
    std::strftime(buffer, sizeof buffer, "%H%M", &utc);
    time = buffer;
  }
}

std::string named(const std::string& qualifier, const std::string& id) {
  return qualifier.empty() ? id : qualifier + ":" + id;
}

// Whether a party in an envelope is the expected one: the id exactly, the qualifier when both
// have one.
bool same_party(const std::string& qualifier, const std::string& id,
                const ExpectedParties::Party& expected) {
  if (expected.id.empty()) return true;
  if (id != expected.id) return false;
  return expected.qualifier.empty() || qualifier.empty() || qualifier == expected.qualifier;
}

std::string first_error_text(const std::vector<edi::Problem>& problems) {
  for (const edi::Problem& p : problems) {
    if (p.is_error()) return edi::to_string(p);
  }
  return problems.empty() ? std::string() : edi::to_string(problems.front());
}

// Sets inside a group or interchange the acknowledgement rejects as a whole are not taken
// either: a partner that follows the ack sends them again, and the ERP would get them twice.
void reject_inside_rejected_envelopes(ProcessResult& result,
                                      const std::vector<edi::ReceivedInterchange>& received,
                                      const ProcessOptions& options) {
  // Only what the acknowledgement sent says: an interchange rejected by a TA1 (X12: automatic
  // or TA1 acks) or a UCI (EDIFACT), a group by an AK9 (X12: automatic, 997 or 999 acks) or a
  // UCF (EDIFACT: automatic or CONTRL acks); with no acks, nothing is.
  if (!options.send_acks) return;
  const edi::AckType type = options.ack_type;
  const bool auto_type = type == edi::AckType::automatic;
  const bool ta1_sent = auto_type || type == edi::AckType::ta1;
  const bool ak9_sent = auto_type || type == edi::AckType::x997 || type == edi::AckType::x999;
  const bool uci_sent = auto_type || type == edi::AckType::contrl;
  // One received record per interchange started, in the same order (the Recorder passes both
  // events on); should that not hold, nothing is changed rather than the wrong sets.
  if (received.size() != result.interchanges.size()) return;
  for (ProcessedSet& set : result.sets) {
    if (!set.accepted || set.interchange >= received.size()) continue;
    const edi::ReceivedInterchange& r = received[set.interchange];
    const bool x12 = r.header.standard == edi::Standard::x12;
    if ((x12 ? ta1_sent : uci_sent) && edi::interchange_rejected(r)) {
      set.accepted = false;
      set.json.clear();
      set.envelope_rejected = "its interchange " + r.header.control_number +
                              " is rejected: " + first_error_text(r.problems);
      continue;
    }
    if (!(x12 ? ak9_sent : uci_sent)) continue;
    for (const edi::ReceivedGroup& g : r.groups) {
      if (g.header.control_number != set.group_control ||
          !edi::group_rejected(g, r.header.standard)) {
        continue;
      }
      set.accepted = false;
      set.json.clear();
      set.envelope_rejected =
          "its group " + g.header.control_number + " is rejected: " + first_error_text(g.problems);
      break;
    }
  }
}

}  // namespace

std::string party_mismatch(edi::Standard standard, const ProcessedInterchange& i,
                           const ExpectedParties& expected) {
  const bool x12 = standard == edi::Standard::x12;
  const ExpectedParties::Party& sender = x12 ? expected.x12_sender : expected.edifact_sender;
  const ExpectedParties::Party& receiver = x12 ? expected.x12_receiver : expected.edifact_receiver;
  if (!same_party(i.sender_qualifier, i.sender_id, sender)) {
    return "interchange sender " + named(i.sender_qualifier, i.sender_id) +
           " is not this partner's (" + named(sender.qualifier, sender.id) + ")";
  }
  if (!same_party(i.receiver_qualifier, i.receiver_id, receiver)) {
    return "interchange receiver " + named(i.receiver_qualifier, i.receiver_id) + " is not us (" +
           named(receiver.qualifier, receiver.id) + ")";
  }
  return {};
}

std::vector<std::string> readback_errors(const ProcessResult& result) {
  std::vector<std::string> errors;
  for (const edi::Problem& p : result.problems) {
    if (p.is_error()) errors.push_back(edi::to_string(p));
  }
  for (const ProcessedSet& set : result.sets) {
    for (const edi::Problem& p : set.problems) {
      if (p.is_error()) {
        errors.push_back("set " + std::to_string(set.index + 1) + " (" + set.transaction +
                         "): " + edi::to_string(p));
      }
    }
  }
  if (!result.readable()) errors.push_back("no interchange could be read back");
  return errors;
}

std::string party_mismatch(const edi::InterchangeHeader& h, const ExpectedParties& expected) {
  ProcessedInterchange i;
  i.sender_qualifier = h.sender_qualifier;
  i.sender_id = h.sender_id;
  i.receiver_qualifier = h.receiver_qualifier;
  i.receiver_id = h.receiver_id;
  return party_mismatch(h.standard, i, expected);
}

ProcessResult process_edi(std::string_view payload, const edi::mapping::Partner& partner,
                          const ProcessOptions& options) {
  ProcessResult result;
  edi::ReaderOptions reader_options;
  reader_options.limits = options.limits;
  reader_options.segment_marks = true;
  edi::Reader reader(payload, reader_options);
  edi::AckCollector collector;
  Recorder recorder(result, collector);
  SetCollector sets(result);
  edi::mapping::InboundOptions inbound;
  inbound.received_at = options.received_at;
  inbound.message_id = options.message_id;
  inbound.partner_id = options.partner_id;
  edi::mapping::InboundMapper mapper(partner, sets, &recorder, inbound);
  edi::ValidatorOptions validator;
  validator.deliver_segments = true;
  result.errors = edi::Validator(edi::SchemaRegistry::builtin(), validator).run(reader, mapper);
  reject_inside_rejected_envelopes(result, collector.interchanges(), options);
  if (options.send_acks) result.to_acknowledge = collector.interchanges();
  if (options.numbers != nullptr)
    result.acks = build_process_acks(result, options, *options.numbers);
  return result;
}

std::vector<edi::BuiltAck> build_process_acks(const ProcessResult& result,
                                              const ProcessOptions& options,
                                              edi::ControlNumberAllocator& numbers) {
  if (!options.send_acks || result.to_acknowledge.empty()) return {};
  edi::AckOptions ack;
  ack.type = options.ack_type;
  ack.date = options.ack_date;
  ack.time = options.ack_time;
  stamp(ack.date, ack.time);
  return edi::build_acks(result.to_acknowledge, ack, numbers);
}

}  // namespace edigate::gateway
