// libFuzzer target: the canonical mapper. An input (an X12 856 group body unless it brings its
// own ISA/UNA/UNB) is validated and mapped with the standard maps, sets with errors included.
// Every document must be valid JSON with a type; each is then written back out through the
// same maps, and what the renderer writes must read back without reader problems of its own
// making (it may still fail schema rules: fuzzed data need not be sensible).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/document.hpp"
#include "edigate/edi/mapping.hpp"
#include "edigate/edi/validator.hpp"

#ifndef EDIGATE_STANDARD_MAPS
#define EDIGATE_STANDARD_MAPS "mappings/standard"
#endif

namespace {

using namespace edigate;

constexpr std::string_view kHeader =
    "ISA*00*          *00*          *ZZ*FUZZSENDER     *ZZ*FUZZRECEIVER   *241105*1432*U*00401*"
    "000000001*0*T*>~\nGS*SH*FUZZSENDER*FUZZRECEIVER*20241105*1432*1*X*004010~\n";

void check(bool condition) {
  if (!condition) std::abort();
}

const edi::mapping::Partner& partner() {
  static const edi::mapping::Partner p = [] {
    edi::mapping::Partner made;
    made.id = "fuzz";
    std::vector<edi::mapping::Issue> issues;
    made.standard_maps = edi::mapping::load_standard_maps(EDIGATE_STANDARD_MAPS, issues);
    check(issues.empty() && !made.standard_maps.empty());
    edi::mapping::Identity x12;
    x12.our_qualifier = x12.their_qualifier = "ZZ";
    x12.our_id = x12.our_group_id = "US";
    x12.their_id = x12.their_group_id = "THEM";
    x12.version = "004010";
    x12.delimiters = edi::Delimiters::x12_default();
    x12.delimiters.repetition = 0;
    made.x12 = x12;
    edi::mapping::Identity edifact = x12;
    edifact.version = "D96A";
    edifact.syntax = "UNOC";
    edifact.syntax_version = "3";
    edifact.delimiters = edi::Delimiters::edifact_default();
    made.edifact = edifact;
    return made;
  }();
  return p;
}

class Collect final : public edi::mapping::DocumentSink {
 public:
  void on_document(const edi::mapping::MappedDocument& d) override {
    if (d.json.empty()) return;
    nlohmann::json doc = nlohmann::json::parse(d.json, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("type")) {
      std::fprintf(stderr, "not a canonical document: %.*s\n", static_cast<int>(d.json.size()),
                   d.json.data());
      std::abort();
    }
    if (documents.size() < 8) documents.push_back(std::move(doc));
    standard = d.interchange->standard;
  }
  std::vector<nlohmann::json> documents;
  edi::Standard standard = edi::Standard::x12;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string input;
  if (!(raw.starts_with("ISA") || raw.starts_with("UNA") || raw.starts_with("UNB"))) {
    input.assign(kHeader);
  }
  input.append(raw);
  edi::ReaderOptions reader_options;
  reader_options.segment_marks = (size & 1) != 0;  // both ways
  edi::Reader reader(input, reader_options);
  Collect collect;
  edi::mapping::InboundOptions options;
  options.map_sets_with_errors = true;
  edi::mapping::InboundMapper mapper(partner(), collect, nullptr, options);
  edi::ValidatorOptions validator;
  validator.deliver_segments = true;
  edi::Validator(edi::SchemaRegistry::builtin(), validator).run(reader, mapper);
  if (collect.documents.empty()) return 0;
  edi::InMemoryControlNumbers numbers;
  const auto out =
      edi::mapping::render_interchange(partner(), collect.standard, collect.documents, numbers);
  if (!out.ok()) return 0;  // a value the EDI could not hold: reported, not written
  const edi::Document back = edi::read_document(out.bytes);
  for (const edi::Problem& p : back.problems) {
    // The renderer writes its own envelopes: those must always be right.
    check(edi::scope_of(p.code) != edi::Scope::interchange &&
          edi::scope_of(p.code) != edi::Scope::group && edi::scope_of(p.code) != edi::Scope::input);
  }
  return 0;
}
