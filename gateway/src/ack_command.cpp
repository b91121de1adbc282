#include "ack_command.hpp"

#include <algorithm>
#include <ctime>
#include <iostream>

#include "edigate/edi/ack.hpp"

namespace edigate::cli {
namespace {

bool parse_type(const std::string& text, edi::AckType& type) {
  if (text == "auto")
    type = edi::AckType::automatic;
  else if (text == "997")
    type = edi::AckType::x997;
  else if (text == "999")
    type = edi::AckType::x999;
  else if (text == "TA1" || text == "ta1")
    type = edi::AckType::ta1;
  else if (text == "CONTRL" || text == "contrl")
    type = edi::AckType::contrl;
  else
    return false;
  return true;
}

void stamp_now(edi::AckOptions& options) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[16];
  char time[8];
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
  std::strftime(time, sizeof time, "%H%M", &utc);
  options.date = date;
  options.time = time;
}

class ErrorCounter final : public edi::ValidationListener {
 public:
  explicit ErrorCounter(edi::AckCollector& inner) : inner_(inner) {}
  void on_interchange_start(const edi::InterchangeHeader& h) override {
    inner_.on_interchange_start(h);
  }
  void on_group_start(const edi::GroupHeader& h) override { inner_.on_group_start(h); }
  void on_set_end(const edi::SetResult& s) override { inner_.on_set_end(s); }
  void on_group_end(const edi::GroupResult& g) override { inner_.on_group_end(g); }
  void on_interchange_end(const edi::InterchangeResult& r) override {
    inner_.on_interchange_end(r);
  }
  void on_problem(const edi::Problem& p) override {
    if (p.is_error()) std::cerr << edi::to_string(p) << "\n";
  }

 private:
  edi::AckCollector& inner_;
};

}  // namespace

int run_ack(edi::Source& source, const AckCommandOptions& command) {
  edi::AckOptions options;
  if (!parse_type(command.type, options.type)) {
    std::cerr << "edigate: --type must be one of auto, 997, 999, TA1, CONTRL\n";
    return 2;
  }
  options.usage = command.usage;
  stamp_now(options);
  edi::ReaderOptions reader_options;
  reader_options.segment_marks = true;  // the validator looks inside elements
  edi::Reader reader(source, reader_options);
  edi::AckCollector collector;
  ErrorCounter counter(collector);
  const std::uint64_t errors = edi::Validator().run(reader, counter);
  edi::InMemoryControlNumbers numbers(command.first_control);
  const auto acks = edi::build_acks(collector.interchanges(), options, numbers);
  bool unwritten = false;
  for (const edi::BuiltAck& ack : acks) {
    if (!ack.error.empty()) {
      std::cerr << "edigate: no acknowledgement for interchange from '" << ack.partner
                << "': " << ack.error << "\n";
      unwritten = true;
      continue;
    }
    std::cout << ack.bytes << "\n";
  }
  const auto& received = collector.interchanges();
  const bool all_acks =
      !received.empty() && std::all_of(received.begin(), received.end(),
                                       [](const auto& r) { return edi::only_acknowledgements(r); });
  if (acks.empty() && all_acks) {
    std::cerr << "edigate: nothing to acknowledge: the input holds only acknowledgements "
                 "(997/999 groups, TA1s, CONTRL messages), which are not acknowledged\n";
    return errors == 0 ? 0 : 1;
  }
  if (acks.empty()) std::cerr << "edigate: no interchange to acknowledge\n";
  return errors == 0 && !acks.empty() && !unwritten ? 0 : 1;
}

}  // namespace edigate::cli
