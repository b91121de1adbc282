// EDI throughput benchmark. Generates realistic X12 004010 856 and EDIFACT D96A DESADV inputs
// in memory, measures the reader and the validator against a memchr tokenizer measured in the
// same run, then the peak RSS of `edigate edi validate` on a 1 GB file.
//
//   edi_bench [--quick] [--no-rss] [--cpu-time] [PATH_TO_EDIGATE]
//
// --cpu-time times each pass by the CPU time of the measuring thread instead of the wall
// clock (baseline included, so ratios stay comparable): on a machine shared with other jobs
// it leaves out the time the thread waited for a core, though not the slowdown of sharing one.
//
// It prints figures and never judges time. It fails (exit 1) only when a generated input does
// not read or validate cleanly, which means the generator is wrong: the figures would then
// measure the error path instead of real files.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/mapping.hpp"
#include "edigate/edi/reader.hpp"
#include "edigate/edi/validator.hpp"

#ifndef EDIGATE_BINARY
#define EDIGATE_BINARY "edigate"
#endif

namespace {

using namespace edigate;

constexpr int kRuns = 3;
constexpr std::size_t kShownProblems = 5;

// ---------------------------------------------------------------------------------------------
// Input generation

// xorshift64*: fast and deterministic, so every run measures the same bytes.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed ? seed : 1) {}
  std::uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  std::uint32_t between(std::uint32_t low, std::uint32_t high) {
    return low + static_cast<std::uint32_t>(next() % (high - low + 1));
  }

 private:
  std::uint64_t state_;
};

// Decimal digits of n, left-padded with zeros to `width`.
std::string digits(std::uint64_t n, std::size_t width = 0) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof buf, n);
  std::string s(buf, result.ptr);
  if (s.size() < width) s.insert(0, width - s.size(), '0');
  return s;
}

// Appends the GS1 mod-10 check digit (GTIN, UPC, SSCC) to a string of digits.
std::string with_check_digit(std::string body) {
  unsigned sum = 0;
  bool triple = true;  // the rightmost digit of the body weighs 3
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    const auto d = static_cast<unsigned>(*it - '0');
    sum += triple ? 3 * d : d;
    triple = !triple;
  }
  body.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return body;
}

// Writes the segments of one interchange and counts those of the current set.
class SegmentOut {
 public:
  SegmentOut(std::string& out, char element, std::string_view terminator)
      : out_(out), element_(element), terminator_(terminator) {}

  void put(std::initializer_list<std::string_view> parts) {
    bool first = true;
    for (const std::string_view part : parts) {
      if (!first) out_.push_back(element_);
      out_.append(part);
      first = false;
    }
    out_.append(terminator_);
    ++in_set_;
  }
  void start_set() { in_set_ = 0; }
  // The count for the trailer, which is about to be written: header to trailer inclusive.
  std::string trailer_count() const { return digits(in_set_ + 1); }

 private:
  std::string& out_;
  char element_;
  std::string_view terminator_;
  std::uint32_t in_set_ = 0;
};

struct Generated {
  std::uint64_t interchanges = 0;
  std::uint64_t sets = 0;
};

// A serial shipping container code: extension digit, GS1 company prefix, serial, check digit.
std::string sscc(Rng& rng, std::uint64_t serial) {
  return with_check_digit(digits(rng.between(0, 9)) + "0614141" + digits(serial % 1000000000, 9));
}

std::string gtin13(std::uint32_t item) { return with_check_digit("400086" + digits(item, 6)); }
std::string upc_a(std::uint32_t item) { return with_check_digit("0614140" + digits(item, 4)); }

// X12 856, hierarchical structure 0001: shipment, orders, packs (cartons), items.
class ShipNotice {
 public:
  ShipNotice(SegmentOut& out, Rng& rng, std::uint64_t shipment)
      : out_(out), rng_(rng), shipment_(shipment) {}

  void write(std::string_view control) {
    out_.start_set();
    out_.put({"ST", "856", control});
    out_.put({"BSN", "00", "SH" + digits(shipment_, 9), "20241105", "1432", "0001"});
    out_.put({"DTM", "011", "20241105", "1432"});
    shipment_level();
    const std::uint32_t orders = rng_.between(1, 3);
    for (std::uint32_t i = 0; i < orders; ++i) order_level(i);
    out_.put({"CTT", digits(hl_)});
    out_.put({"SE", out_.trailer_count(), control});
  }

 private:
  std::string hl(std::uint32_t parent, std::string_view level) {
    const std::string id = digits(++hl_);
    out_.put({"HL", id, parent ? digits(parent) : "", level});
    return id;
  }

  void shipment_level() {
    hl(0, "S");
    const std::uint32_t weight = rng_.between(100, 99999);
    out_.put({"TD1", "CTN25", digits(rng_.between(1, 60)), "", "", "", "G",
              digits(weight / 10) + "." + digits(weight % 10), "LB"});
    out_.put({"TD5", "B", "2", "UPSN", "M", "UPS GROUND"});
    out_.put({"REF", "BM", "BOL" + digits(shipment_, 10)});
    out_.put({"DTM", "067", "20241108"});
    out_.put({"N1", "ST", "BIGRETAIL DC " + digits(rng_.between(1, 99)), "92",
              digits(rng_.between(1, 9999), 4)});
    out_.put({"N3", "1200 COMMERCE PARKWAY", "DOCK 4"});
    out_.put({"N4", "SPRINGFIELD", "IL", "62701", "US"});
    out_.put({"N1", "SF", "ACME SUPPLY CO", "92", "ACME01"});
  }

  void order_level(std::uint32_t index) {
    const std::uint32_t order = hl_ + 1;
    hl(1, "O");
    out_.put({"PRF", "PO" + digits(shipment_ * 4 + index, 8), "", "", "20241101"});
    const std::uint32_t packs = rng_.between(1, 6);
    for (std::uint32_t p = 0; p < packs; ++p) pack_level(order);
  }

  void pack_level(std::uint32_t order) {
    const std::uint32_t pack = hl_ + 1;
    hl(order, "P");
    out_.put({"MAN", "GM", "00" + sscc(rng_, shipment_ * 32 + hl_)});
    const std::uint32_t items = rng_.between(1, 4);
    for (std::uint32_t i = 0; i < items; ++i) {
      hl(pack, "I");
      const std::uint32_t item = rng_.between(1, 9999);
      out_.put({"LIN", "", "UP", upc_a(item), "VP", "VP-" + digits(item, 5)});
      out_.put({"SN1", "", digits(rng_.between(1, 144)), "EA"});
    }
  }

  SegmentOut& out_;
  Rng& rng_;
  std::uint64_t shipment_;
  std::uint32_t hl_ = 0;
};

void x12_interchange(std::string& out, Rng& rng, Generated& count) {
  const std::uint64_t number = ++count.interchanges;
  SegmentOut seg(out, '*', "~\n");
  const std::string control = digits(number, 9);
  seg.put({"ISA", "00", "          ", "00", "          ", "ZZ", "ACMESUPPLY     ", "ZZ",
           "BIGRETAIL      ", "241105", "1432", "U", "00401", control, "0", "P", ">"});
  seg.put(
      {"GS", "SH", "ACMESUPPLY", "BIGRETAIL", "20241105", "1432", digits(number), "X", "004010"});
  const std::uint32_t sets = rng.between(5, 40);
  for (std::uint32_t i = 1; i <= sets; ++i) {
    ShipNotice(seg, rng, ++count.sets).write(digits(i, 4));
  }
  seg.put({"GE", digits(sets), digits(number)});
  seg.put({"IEA", "1", control});
}

// EDIFACT D96A DESADV (EANCOM style): consignment, pallets with SSCC, lines per pallet.
class DespatchAdvice {
 public:
  DespatchAdvice(SegmentOut& out, Rng& rng, std::uint64_t number)
      : out_(out), rng_(rng), number_(number) {}

  void write(std::string_view reference) {
    out_.start_set();
    out_.put({"UNH", reference, "DESADV:D:96A:UN:EAN005"});
    out_.put({"BGM", "351", "DES" + digits(number_, 9), "9"});
    out_.put({"DTM", "137:20241105:102"});
    out_.put({"DTM", "11:20241105:102"});
    out_.put({"DTM", "17:20241108:102"});
    out_.put({"RFF", "ON:PO" + digits(number_, 8)});
    out_.put({"DTM", "171:20241101:102"});
    parties();
    out_.put({"TDT", "20", "", "30", "31", "5412345000099::9"});
    packaging();
    out_.put({"CNT", "2:" + digits(lines_)});
    out_.put({"UNT", out_.trailer_count(), reference});
  }

 private:
  void parties() {
    out_.put({"NAD", "BY", "5412345000013::9"});
    out_.put({"NAD", "SU", "8712345000017::9"});
    // A released '+' in the name, as real party names have.
    out_.put({"NAD", "DP", "5412345000020::9", "",
              "BIGRETAIL DC " + digits(rng_.between(1, 99)) + " ?+ ANNEX", "1200 COMMERCE PARKWAY",
              "SPRINGFIELD", "", "62701", "US"});
  }

  void packaging() {
    const std::uint32_t pallets = rng_.between(1, 8);
    out_.put({"CPS", "1"});
    out_.put({"PAC", digits(pallets), "", "201"});
    for (std::uint32_t p = 0; p < pallets; ++p) {
      out_.put({"CPS", digits(p + 2), "1"});
      out_.put({"PAC", "1", "", "201"});
      out_.put({"PCI", "33E"});
      out_.put({"GIN", "BJ", sscc(rng_, number_ * 16 + p)});
      const std::uint32_t lines = rng_.between(1, 6);
      for (std::uint32_t i = 0; i < lines; ++i) line();
    }
  }

  void line() {
    const std::uint32_t item = rng_.between(1, 99999);
    out_.put({"LIN", digits(++lines_), "", gtin13(item) + ":SRV"});
    out_.put({"PIA", "1", "ART" + digits(item, 6) + ":SA"});
    out_.put({"QTY", "12:" + digits(rng_.between(1, 480))});
  }

  SegmentOut& out_;
  Rng& rng_;
  std::uint64_t number_;
  std::uint32_t lines_ = 0;
};

void edifact_interchange(std::string& out, Rng& rng, Generated& count) {
  const std::uint64_t number = ++count.interchanges;
  out.append("UNA:+.? '");
  SegmentOut seg(out, '+', "'");
  const std::string reference = digits(number, 14);
  seg.put({"UNB", "UNOC:3", "5412345000013:14", "8712345000017:14", "241105:1432", reference});
  const std::uint32_t messages = rng.between(5, 40);
  for (std::uint32_t i = 1; i <= messages; ++i) {
    DespatchAdvice(seg, rng, ++count.sets).write(digits(i));
  }
  seg.put({"UNZ", digits(messages), reference});
}

using InterchangeWriter = void (*)(std::string&, Rng&, Generated&);

std::string generate(InterchangeWriter write, std::size_t target, Generated& count) {
  std::string out;
  out.reserve(target + 256 * 1024);
  Rng rng(0x5eed'0856);
  while (out.size() < target) write(out, rng, count);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measurements

volatile std::uint64_t g_sink = 0;  // keeps the optimiser from dropping measured work
bool g_cpu_time = false;            // --cpu-time

double now_seconds() {
  if (g_cpu_time) {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <class Work>
double best_seconds(Work&& work) {
  double best = std::numeric_limits<double>::max();
  for (int i = 0; i < kRuns; ++i) {
    // Memory may have changed: memchr's result cannot be reused from the previous run.
    asm volatile("" ::: "memory");
    const double start = now_seconds();
    g_sink = g_sink + work();
    best = std::min(best, now_seconds() - start);
  }
  return best;
}

// What a minimal tokenizer does at least: find each segment terminator, one memchr per segment.
std::uint64_t memchr_per_segment(std::string_view input, char terminator) {
  std::uint64_t segments = 0;
  const char* p = input.data();
  const char* const end = p + input.size();
  while (p < end) {
    const void* hit = std::memchr(p, terminator, static_cast<std::size_t>(end - p));
    if (hit == nullptr) break;
    ++segments;
    p = static_cast<const char*>(hit) + 1;
  }
  return segments;
}

// One memchr over the whole buffer for a byte that does not occur: the memory bandwidth bound.
std::uint64_t memchr_whole(std::string_view input) {
  return std::memchr(input.data(), '\x01', input.size()) == nullptr ? 1 : 0;
}

struct ReadTally {
  std::uint64_t segments = 0;
  std::uint64_t elements = 0;
  std::uint64_t sets = 0;
  std::uint64_t problems = 0;
};

void show_problem(const edi::Problem& p, std::uint64_t seen) {
  if (seen <= kShownProblems) std::fprintf(stderr, "  problem: %s\n", edi::to_string(p).c_str());
}

ReadTally tokenize(std::string_view input) {
  edi::Reader reader(input);
  ReadTally t;
  // Each event made in place, as the validator reads them (assigning each over the last one
  // copies it, reading back what the reader has just stored: a stall per segment).
  while (true) {
    const edi::Event e = reader.next();
    if (e.kind == edi::EventKind::end_of_input) break;
    if (e.kind == edi::EventKind::problem) {
      show_problem(reader.problem(), ++t.problems);
      continue;
    }
    if (e.kind == edi::EventKind::transaction_start) ++t.sets;
    if (e.implied) continue;
    ++t.segments;
    t.elements += reader.segment().size();
  }
  return t;
}

class CountingListener final : public edi::ValidationListener {
 public:
  void on_set_end(const edi::SetResult&) override { ++sets; }
  void on_problem(const edi::Problem& p) override { show_problem(p, ++problems); }

  std::uint64_t sets = 0;
  std::uint64_t problems = 0;
};

struct ValidateTally {
  std::uint64_t errors = 0;
  std::uint64_t sets = 0;
  std::uint64_t problems = 0;
};

ValidateTally validate(std::string_view input, const edi::ValidatorOptions& options) {
  edi::ReaderOptions reader_options;
  reader_options.segment_marks = true;  // as `edigate edi validate` reads
  edi::Reader reader(input, reader_options);
  CountingListener listener;
  edi::Validator validator(edi::SchemaRegistry::builtin(), options);
  const std::uint64_t errors = validator.run(reader, listener);
  return {errors, listener.sets, listener.problems};
}

// EDI -> canonical JSON with the standard maps, on the Validator's pass (as `edigate map in`).
class JsonCounter final : public edi::mapping::DocumentSink {
 public:
  void on_document(const edi::mapping::MappedDocument& d) override {
    if (d.json.empty()) ++unmapped;
    ++documents;
    json_bytes += d.json.size();
  }
  std::uint64_t documents = 0, unmapped = 0, json_bytes = 0;
};

struct MapTally {
  std::uint64_t errors = 0, documents = 0, unmapped = 0, json_bytes = 0;
};

MapTally map_to_json(std::string_view input, const edi::mapping::Partner& partner) {
  edi::ReaderOptions reader_options;
  reader_options.segment_marks = true;
  edi::Reader reader(input, reader_options);
  JsonCounter counter;
  edi::mapping::InboundMapper mapper(partner, counter);
  edi::ValidatorOptions options;
  options.deliver_segments = true;
  const std::uint64_t errors =
      edi::Validator(edi::SchemaRegistry::builtin(), options).run(reader, mapper);
  return {errors, counter.documents, counter.unmapped, counter.json_bytes};
}

const edi::mapping::Partner& bench_partner() {
  static const edi::mapping::Partner partner = [] {
    edi::mapping::Partner p;
    p.id = "bench";
    std::vector<edi::mapping::Issue> issues;
    p.standard_maps = edi::mapping::load_standard_maps(EDIGATE_STANDARD_MAPS, issues);
    for (const auto& i : issues) std::printf("  map problem: %s\n", i.to_string().c_str());
    return p;
  }();
  return partner;
}

double mb_per_s(std::size_t bytes, double seconds) {
  return static_cast<double>(bytes) / 1e6 / seconds;
}

void print_row(const char* what, std::size_t bytes, double seconds, double baseline_mbps) {
  const double mbps = mb_per_s(bytes, seconds);
  std::printf("  %-38s %11zu %9.4f %9.1f %7.3f\n", what, bytes, seconds, mbps,
              mbps / baseline_mbps);
}

struct Case {
  const char* name;
  char terminator;
  edi::Standard standard;
  const char* version;
  const char* set_id;
  InterchangeWriter writer;
};

// Measures one input; returns false when it did not read or validate cleanly.
bool measure(const Case& c, std::size_t target) {
  Generated generated;
  const std::string input = generate(c.writer, target, generated);
  const std::string_view in = input;
  std::printf("\n%s: %zu bytes, %llu interchanges, %llu sets; best of %d; MB = 10^6 bytes\n",
              c.name, input.size(), static_cast<unsigned long long>(generated.interchanges),
              static_cast<unsigned long long>(generated.sets), kRuns);
  std::printf("  %-38s %11s %9s %9s %7s\n", "measurement", "bytes", "seconds", "MB/s", "ratio");
  const double base = best_seconds([&] { return memchr_per_segment(in, c.terminator); });
  const double base_mbps = mb_per_s(input.size(), base);
  print_row("memchr per segment (baseline)", input.size(), base, base_mbps);
  print_row("memchr whole buffer (scale)", input.size(),
            best_seconds([&] { return memchr_whole(in); }), base_mbps);

  ReadTally read;
  print_row("Reader, default options", input.size(), best_seconds([&] {
              read = tokenize(in);
              return read.elements;
            }),
            base_mbps);

  edi::ValidatorOptions options;
  const bool have_schema =
      edi::SchemaRegistry::builtin().find(c.standard, c.version, c.set_id) != nullptr;
  options.require_schema = have_schema;
  ValidateTally valid;
  print_row(have_schema ? "Validator, envelope + schema" : "Validator, envelope only (no schema)",
            input.size(), best_seconds([&] {
              valid = validate(in, options);
              return valid.sets;
            }),
            base_mbps);
  if (!have_schema) {
    std::printf("  note: no builtin schema for %s %s: the schema check did not run\n", c.set_id,
                c.version);
  }
  MapTally mapped;
  print_row("Mapper, EDI -> canonical JSON", input.size(), best_seconds([&] {
              mapped = map_to_json(in, bench_partner());
              return mapped.documents;
            }),
            base_mbps);
  std::printf("  (%llu documents, %.1f MB of JSON)\n",
              static_cast<unsigned long long>(mapped.documents),
              static_cast<double>(mapped.json_bytes) / 1e6);
  const bool clean = read.problems == 0 && read.sets == generated.sets && valid.errors == 0 &&
                     valid.problems == 0 && valid.sets == generated.sets &&
                     mapped.documents == generated.sets && mapped.unmapped == 0;
  if (!clean) {
    std::printf(
        "  GENERATOR CHECK FAILED: reader %llu problems, %llu/%llu sets; validator %llu "
        "problems (%llu errors), %llu sets; mapper %llu unmapped\n",
        static_cast<unsigned long long>(read.problems), static_cast<unsigned long long>(read.sets),
        static_cast<unsigned long long>(generated.sets),
        static_cast<unsigned long long>(valid.problems),
        static_cast<unsigned long long>(valid.errors), static_cast<unsigned long long>(valid.sets),
        static_cast<unsigned long long>(mapped.unmapped));
  }
  return clean;
}

// ---------------------------------------------------------------------------------------------
// Peak RSS of `edigate edi validate` and `edigate map in` on a big file

bool write_big_x12(const std::string& path, std::uint64_t target) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  Rng rng(0xb16'f11e);
  Generated count;
  std::string chunk;
  std::uint64_t written = 0;
  bool ok = true;
  while (ok && written < target) {
    x12_interchange(chunk, rng, count);
    if (chunk.size() >= 4 * 1024 * 1024 || written + chunk.size() >= target) {
      ok = std::fwrite(chunk.data(), 1, chunk.size(), f) == chunk.size();
      written += chunk.size();
      chunk.clear();
    }
  }
  return std::fclose(f) == 0 && ok;
}

struct ChildResult {
  int status = 0;
  double seconds = 0;
  long max_rss_kb = 0;
};

bool run_child(const std::vector<std::string>& args, ChildResult& result) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    execv(argv[0], const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  rusage usage{};
  if (wait4(pid, &result.status, 0, &usage) != pid) return false;
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  result.seconds = took.count();
  result.max_rss_kb = usage.ru_maxrss;  // kilobytes on Linux
  return true;
}

void measure_rss(const std::string& binary, std::uint64_t target) {
  std::printf(
      "\nPeak RSS of `edigate edi validate` and `edigate map in` on a %.0f MB X12 856 "
      "file (map in writes its JSON to /dev/null)\n",
      static_cast<double>(target) / 1e6);
  if (access(binary.c_str(), X_OK) != 0) {
    std::printf("  skipped: %s is not an executable\n", binary.c_str());
    return;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/edi_bench.XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::printf("  skipped: cannot create a temp directory: %s\n", std::strerror(errno));
    return;
  }
  const std::string file = dir + "/big-856.edi";
  if (!write_big_x12(file, target)) {
    std::printf("  skipped: cannot write %s\n", file.c_str());
  } else {
    struct stat st {};
    stat(file.c_str(), &st);
    const std::vector<std::vector<std::string>> commands = {
        {binary, "edi", "validate", file},
        {binary, "map", "in", "--partner", EDIGATE_PLAIN_PARTNER, "--standard-maps",
         EDIGATE_STANDARD_MAPS, file},
    };
    for (const auto& command : commands) {
      ChildResult child;
      if (!run_child(command, child)) {
        std::printf("  could not run %s: %s\n", binary.c_str(), std::strerror(errno));
        continue;
      }
      const int code =
          WIFEXITED(child.status) ? WEXITSTATUS(child.status) : -WTERMSIG(child.status);
      std::printf("  edigate %s %s: exit status %d, %.2f s, %.1f MB/s, peak RSS %.1f MB\n",
                  command[1].c_str(), command[2].c_str(), code, child.seconds,
                  mb_per_s(static_cast<std::size_t>(st.st_size), child.seconds),
                  static_cast<double>(child.max_rss_kb) / 1024);
    }
  }
  std::remove(file.c_str());
  rmdir(dir.c_str());
}

struct Options {
  bool quick = false;
  bool rss = true;
  std::string edigate = EDIGATE_BINARY;
};

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--no-rss") {
      options.rss = false;
    } else if (arg == "--cpu-time") {
      g_cpu_time = true;
    } else if (!arg.empty() && arg[0] != '-') {
      options.edigate = arg;
    } else {
      std::fprintf(stderr, "usage: %s [--quick] [--no-rss] [--cpu-time] [PATH_TO_EDIGATE]\n",
                   argv[0]);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) return 2;
  const std::size_t size = options.quick ? 10'000'000 : 100'000'000;
  const std::uint64_t big = options.quick ? 100'000'000ULL : 1'000'000'000ULL;
  std::printf("edi_bench%s: ratio = throughput / memchr-per-segment throughput%s\n",
              options.quick ? " (quick)" : "",
              g_cpu_time ? "; seconds are the thread's CPU time" : "");

  const Case cases[] = {
      {"X12 004010 856", '~', edi::Standard::x12, "004010", "856", x12_interchange},
      {"EDIFACT D96A DESADV", '\'', edi::Standard::edifact, "D96A", "DESADV", edifact_interchange},
  };
  bool clean = true;
  for (const Case& c : cases) clean = measure(c, size) && clean;
  if (options.rss) measure_rss(options.edigate, big);
  std::fflush(stdout);
  return clean ? 0 : 1;
}
