#include "map_commands.hpp"

#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "edigate/edi/ack.hpp"
#include "edigate/edi/mapping.hpp"
#include "input.hpp"
#include "pipeline/process.hpp"

namespace edigate::cli {
namespace {

namespace fs = std::filesystem;
namespace mapping = edi::mapping;

struct MapOptions {
  std::string partner;
  std::string standard_maps;
  std::string file;
  std::string type;
  std::string standard = "x12";
  std::string acks;
  bool keep_errors = false;
  std::uint64_t first_control = 1;
  std::vector<std::string> files;
};

// Where the standard maps are: --standard-maps, else beside the partner directory
// (mappings/partners/X -> mappings/standard, however the directory is written: ".", a trailing
// slash), else the installed copy (under /usr or /usr/local).
fs::path standard_dir(const MapOptions& o) {
  if (!o.standard_maps.empty()) return o.standard_maps;
  std::error_code ec;
  fs::path partner = fs::absolute(o.partner.empty() ? "." : o.partner, ec).lexically_normal();
  if (!partner.has_filename()) partner = partner.parent_path();  // "dir/" -> "dir"
  const fs::path beside = partner.parent_path().parent_path() / "standard";
  if (fs::is_directory(beside, ec)) return beside;
  for (const char* installed :
       {"/usr/share/edigate/mappings/standard", "/usr/local/share/edigate/mappings/standard"}) {
    if (fs::is_directory(installed, ec)) return installed;
  }
  return "/usr/share/edigate/mappings/standard";
}

void print(const std::vector<mapping::Issue>& issues) {
  for (const mapping::Issue& i : issues) std::cerr << i.to_string() << "\n";
}

std::optional<mapping::Partner> partner_of(const MapOptions& o) {
  std::vector<mapping::Issue> issues;
  auto partner = mapping::load_partner(o.partner, standard_dir(o), issues);
  print(issues);
  return partner;
}

class LinePrinter final : public mapping::DocumentSink {
 public:
  explicit LinePrinter(std::string name) : name_(std::move(name)) {}
  void on_document(const mapping::MappedDocument& d) override {
    ++sets_;
    if (!d.json.empty()) {
      std::cout << d.json << "\n";
      ++mapped_;
    } else if (d.map == nullptr) {
      std::cerr << name_ << ":" << d.set->header.location.line << ": no map for "
                << d.set->header.id << " version " << d.set->header.version << "\n";
    }
    for (const edi::Problem& p : d.set->problems) {
      std::cerr << name_ << ":" << p.location.line << ": " << edi::to_string(p) << "\n";
    }
  }
  std::uint64_t sets_ = 0, mapped_ = 0;

 private:
  std::string name_;
};

// Problems outside sets (envelopes) go to stderr; set problems are printed with their set.
// Acknowledgements are collected only when asked for (--acks): the collector keeps every
// interchange's results, which would make memory grow with the input.
class EnvelopeProblems final : public edi::ValidationListener {
 public:
  EnvelopeProblems(std::string name, edi::AckCollector* acks)
      : name_(std::move(name)), acks_(acks) {}
  void on_interchange_start(const edi::InterchangeHeader& h) override {
    if (acks_ != nullptr) acks_->on_interchange_start(h);
  }
  void on_group_start(const edi::GroupHeader& h) override {
    if (acks_ != nullptr) acks_->on_group_start(h);
  }
  void on_set_end(const edi::SetResult& s) override {
    if (acks_ != nullptr) acks_->on_set_end(s);
  }
  void on_group_end(const edi::GroupResult& g) override {
    if (acks_ != nullptr) acks_->on_group_end(g);
    report(g.problems);
  }
  void on_interchange_end(const edi::InterchangeResult& r) override {
    if (acks_ != nullptr) acks_->on_interchange_end(r);
    report(r.problems);
  }

 private:
  void report(const std::vector<edi::Problem>& problems) {
    for (const edi::Problem& p : problems) {
      std::cerr << name_ << ":" << p.location.line << ": " << edi::to_string(p) << "\n";
    }
  }
  std::string name_;
  edi::AckCollector* acks_;
};

std::string utc(const char* format) {
  const std::time_t now = std::time(nullptr);
  std::tm t{};
  gmtime_r(&now, &t);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, format, &t);
  return buffer;
}

int write_acks(const edi::AckCollector& collector, const MapOptions& o) {
  edi::AckOptions options;
  options.date = utc("%Y%m%d");
  options.time = utc("%H%M");
  edi::InMemoryControlNumbers numbers(o.first_control);
  std::ofstream out(o.acks, std::ios::binary);
  for (const edi::BuiltAck& ack : edi::build_acks(collector.interchanges(), options, numbers)) {
    if (!ack.error.empty()) {
      std::cerr << "edigate: no acknowledgement for '" << ack.partner << "': " << ack.error << "\n";
      continue;
    }
    out << ack.bytes << "\n";
  }
  out.flush();
  if (!out) {
    std::cerr << "edigate: cannot write " << o.acks << "\n";
    return 2;
  }
  return 0;
}

int run_in(const MapOptions& o) {
  const auto partner = partner_of(o);
  if (!partner) return 2;
  InputFile input(o.file);
  if (!input.ok()) {
    std::cerr << "edigate: " << input.error() << "\n";
    return 2;
  }
  edi::ReaderOptions reader_options;
  reader_options.segment_marks = true;
  edi::Reader reader(input.source(), reader_options);
  const std::string name = o.file == "-" ? "<stdin>" : o.file;
  LinePrinter printer(name);
  edi::AckCollector collector;
  EnvelopeProblems envelope(name, o.acks.empty() ? nullptr : &collector);
  mapping::InboundOptions options;
  options.received_at = utc("%Y-%m-%dT%H:%M:%SZ");
  options.map_sets_with_errors = o.keep_errors;
  mapping::InboundMapper mapper(*partner, printer, &envelope, options);
  edi::ValidatorOptions validator_options;
  validator_options.deliver_segments = true;
  const std::uint64_t errors =
      edi::Validator(edi::SchemaRegistry::builtin(), validator_options).run(reader, mapper);
  if (!o.acks.empty() && write_acks(collector, o) != 0) return 2;
  if (printer.sets_ == 0) std::cerr << name << ": no transaction set found\n";
  return errors == 0 && printer.sets_ > 0 && printer.mapped_ == printer.sets_ ? 0 : 1;
}

bool read_documents(const std::string& file, std::vector<nlohmann::json>& docs) {
  std::ifstream in(file == "-" ? "/dev/stdin" : file, std::ios::binary);
  if (!in) {
    std::cerr << "edigate: cannot read " << file << "\n";
    return false;
  }
  // One document, an array of documents, or one document per line.
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    nlohmann::json whole = nlohmann::json::parse(text);
    if (whole.is_array()) {
      for (auto& d : whole) docs.push_back(std::move(d));
    } else {
      docs.push_back(std::move(whole));
    }
    return true;
  } catch (const nlohmann::json::parse_error&) {
  }
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    ++line_number;
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      docs.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::parse_error& e) {
      std::cerr << file << ":" << line_number << ": not JSON: " << e.what() << "\n";
      return false;
    }
  }
  return true;
}

int run_out(const MapOptions& o) {
  const auto partner = partner_of(o);
  if (!partner) return 2;
  std::vector<nlohmann::json> docs;
  if (!read_documents(o.file, docs)) return 2;
  if (docs.empty()) {
    std::cerr << "edigate: " << o.file << " holds no document\n";
    return 2;
  }
  if (!o.type.empty()) {
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].is_object() || docs[i].value("type", std::string()) != o.type) {
        std::cerr << o.file << ": document " << i + 1 << ": /type: not " << o.type << "\n";
        return 1;
      }
    }
  }
  edi::InMemoryControlNumbers numbers(o.first_control);
  const edi::Standard standard =
      o.standard == "edifact" ? edi::Standard::edifact : edi::Standard::x12;
  const mapping::RenderResult result =
      mapping::render_interchange(*partner, standard, docs, numbers);
  for (const mapping::Issue& i : result.issues)
    std::cerr << o.file << ": " << i.to_string() << "\n";
  if (!result.ok()) return 1;
  std::cout << result.bytes;
  if (!result.bytes.empty() && result.bytes.back() != '\n') std::cout << "\n";
  // Read back as the partner will read it (as POST /api/outbound does before it takes them): a
  // value the maps let through but the standard does not (a code, a length) is an error here
  // rather than in the partner's acknowledgement. The interchange is still written, to look at.
  gateway::ProcessOptions check;
  check.send_acks = false;
  const std::vector<std::string> errors =
      gateway::readback_errors(gateway::process_edi(result.bytes, *partner, check));
  for (const std::string& e : errors) {
    std::cerr << o.file << ": the interchange written does not validate: " << e << "\n";
  }
  return errors.empty() ? 0 : 1;
}

int run_check(const MapOptions& o) {
  int status = 0;
  for (const std::string& f : o.files) {
    std::vector<mapping::Issue> issues;
    if (fs::path(f).filename() == "partner.xml") {
      MapOptions p = o;
      p.partner = fs::path(f).parent_path().string();
      if (p.partner.empty()) p.partner = ".";
      mapping::load_partner(p.partner, standard_dir(p), issues);
    } else {
      MapOptions p = o;
      p.partner = fs::path(f).parent_path().string();
      mapping::load_map(f, issues, standard_dir(p));
    }
    print(issues);
    if (issues.empty()) {
      std::cout << f << ": ok\n";
    } else {
      status = 1;
    }
  }
  return status;
}

}  // namespace

void add_map_commands(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MapOptions>();
  CLI::App* map = app.add_subcommand("map", "Canonical JSON documents from EDI and back");
  map->require_subcommand(1);

  CLI::App* in = map->add_subcommand(
      "in",
      "Map every transaction set of an EDI file to canonical JSON, one document per line.\n"
      "Exit status: 0 all mapped, 1 problems found, 2 cannot read or bad usage");
  in->add_option("--partner", options->partner, "Partner mapping directory (holds partner.xml)")
      ->required();
  in->add_option("--standard-maps", options->standard_maps, "Standard maps directory");
  in->add_option("--acks", options->acks,
                 "Also write the acknowledgements (partner rules included) to this file");
  in->add_flag("--keep-errors", options->keep_errors, "Map sets that have errors too");
  in->add_option("FILE", options->file, "EDI file, - for stdin")->required();
  in->callback([options, &exit_code] { exit_code = run_in(*options); });

  CLI::App* out = map->add_subcommand(
      "out",
      "Write canonical JSON documents as one interchange for the partner.\n"
      "Exit status: 0 written, 1 a document cannot be written or the interchange does not validate, 2 cannot read or bad usage");
  out->add_option("--partner", options->partner, "Partner mapping directory")->required();
  out->add_option("--standard-maps", options->standard_maps, "Standard maps directory");
  out->add_option("--type", options->type, "Expected document type (checked)");
  out->add_option("--standard", options->standard, "x12 (default) or edifact")
      ->check(CLI::IsMember({"x12", "edifact"}));
  out->add_option("--first-control", options->first_control, "First control number");
  out->add_option("FILE", options->file, "JSON: one document, an array, or one per line")
      ->required();
  out->callback([options, &exit_code] { exit_code = run_out(*options); });

  CLI::App* check = map->add_subcommand(
      "check", "Check mapping files (and partner.xml profiles): file:line for each problem");
  check->add_option("--standard-maps", options->standard_maps, "Standard maps directory");
  check->add_option("FILES", options->files, "Mapping files")->required();
  check->callback([options, &exit_code] { exit_code = run_check(*options); });
}

}  // namespace edigate::cli
