#include "validate_command.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "edigate/edi/validator.hpp"
#include "json_output.hpp"

namespace edigate::cli {
namespace {

using nlohmann::json;

struct Totals {
  std::uint64_t interchanges = 0;
  std::uint64_t groups = 0;
  std::uint64_t sets = 0;
  std::uint64_t sets_with_errors = 0;
  std::uint64_t errors = 0;
  std::uint64_t warnings = 0;
};

// Streams problems as they are found; memory does not grow with the input.
class Printer final : public edi::ValidationListener {
 public:
  Printer(const std::string& name, bool as_json) : name_(name), json_(as_json) {
    if (json_) std::cout << "{\"file\":" << dump(name_) << ",\"problems\":[";
  }

  void on_interchange_start(const edi::InterchangeHeader&) override { ++totals_.interchanges; }
  void on_group_end(const edi::GroupResult& g) override {
    if (!g.implied) ++totals_.groups;
  }
  void on_set_end(const edi::SetResult& s) override {
    ++totals_.sets;
    if (s.has_errors()) ++totals_.sets_with_errors;
  }
  void on_problem(const edi::Problem& p) override {
    ++(p.is_error() ? totals_.errors : totals_.warnings);
    if (json_) {
      std::cout << (first_ ? "" : ",") << "\n" << dump(problem_json(p));
      first_ = false;
    } else {
      std::cout << name_ << ":" << p.location.line << ": " << edi::to_string(p) << "\n";
    }
  }

  void finish() {
    const Totals& t = totals_;
    if (json_) {
      json summary{{"valid", t.errors == 0},
                   {"interchanges", t.interchanges},
                   {"groups", t.groups},
                   {"transaction_sets", t.sets},
                   {"sets_with_errors", t.sets_with_errors},
                   {"errors", t.errors},
                   {"warnings", t.warnings}};
      std::cout << "\n],\"summary\":" << dump(summary) << "}\n";
      return;
    }
    std::cout << name_ << ": " << (t.errors == 0 ? "valid" : "INVALID") << ": " << t.interchanges
              << " interchange(s), " << t.groups << " group(s), " << t.sets
              << " transaction set(s) (" << t.sets_with_errors << " with errors); " << t.errors
              << " error(s), " << t.warnings << " warning(s)\n";
  }

  std::uint64_t errors() const { return totals_.errors; }

 private:
  std::string name_;
  bool json_;
  bool first_ = true;
  Totals totals_;
};

}  // namespace

int run_validate(edi::Source& source, const std::string& name, bool as_json) {
  edi::ReaderOptions options;
  options.segment_marks = true;  // the validator looks inside elements
  edi::Reader reader(source, options);
  edi::Validator validator;
  Printer printer(name == "-" ? "<stdin>" : name, as_json);
  validator.run(reader, printer);
  printer.finish();
  return printer.errors() == 0 ? 0 : 1;
}

}  // namespace edigate::cli
