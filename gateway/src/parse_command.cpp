#include "parse_command.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "edigate/edi/reader.hpp"
#include "json_output.hpp"

namespace edigate::cli {
namespace {

using nlohmann::json;

// One element as JSON: a string, an array of components, or {"repetitions": [...]}.
json element_json(std::string_view value, const edi::Delimiters& d) {
  auto parts = [&](std::string_view v, char sep) {
    json out = json::array();
    edi::PartIterator it(v, sep, d.release);
    std::string_view part;
    while (it.next(part)) out.push_back(edi::unescape(part, d.release));
    return out;
  };
  auto simple_or_composite = [&](std::string_view v) -> json {
    if (v.find(d.component) == std::string_view::npos) return edi::unescape(v, d.release);
    return parts(v, d.component);
  };
  if (d.repetition != 0 && value.find(d.repetition) != std::string_view::npos) {
    json reps = json::array();
    edi::PartIterator it(value, d.repetition, d.release);
    std::string_view rep;
    while (it.next(rep)) reps.push_back(simple_or_composite(rep));
    return json{{"repetitions", reps}};
  }
  return simple_or_composite(value);
}

json segment_json(const edi::Segment& s) {
  json elements = json::array();
  for (std::size_t i = 1; i <= s.size(); ++i)
    elements.push_back(element_json(s[i], s.delimiters()));
  return json{{"tag", std::string(s.tag())},
              {"segment", s.location().segment},
              {"offset", s.location().offset},
              {"elements", elements}};
}

json interchange_json(const edi::InterchangeHeader& h) {
  return json{{"standard", edi::to_string(h.standard)},
              {"sender", {{"qualifier", h.sender_qualifier}, {"id", h.sender_id}}},
              {"receiver", {{"qualifier", h.receiver_qualifier}, {"id", h.receiver_id}}},
              {"date", h.date},
              {"time", h.time},
              {"control_number", h.control_number},
              {"version", h.version},
              {"test", h.test},
              {"groups", json::array()}};
}

json group_json(const edi::GroupHeader& g) {
  return json{{"functional_id", g.functional_id},
              {"sender", g.sender_id},
              {"receiver", g.receiver_id},
              {"date", g.date},
              {"time", g.time},
              {"control_number", g.control_number},
              {"version", g.version},
              {"transactions", json::array()}};
}

json transaction_json(const edi::TransactionHeader& t) {
  return json{{"id", t.id},
              {"control_number", t.control_number},
              {"version", t.version},
              {"segments", json::array()}};
}

// Prints the tree as text, one line per envelope or segment, indented by level.
class TextTree {
 public:
  void on(const edi::Event& e, const edi::Reader& r) {
    using K = edi::EventKind;
    switch (e.kind) {
      case K::interchange_start: {
        const auto& h = r.interchange();
        std::cout << "interchange " << edi::to_string(h.standard) << " " << h.version << " control "
                  << h.control_number << " from " << h.sender_qualifier << ":" << h.sender_id
                  << " to " << h.receiver_qualifier << ":" << h.receiver_id << "\n";
        break;
      }
      case K::group_start:
        std::cout << "  group " << r.group().functional_id << " control "
                  << r.group().control_number << " version " << r.group().version << "\n";
        break;
      case K::transaction_start:
        std::cout << indent(r) << "transaction " << r.transaction().id << " control "
                  << r.transaction().control_number << "\n";
        break;
      case K::segment:
        std::cout << indent(r) << "  " << r.segment().raw() << "\n";
        break;
      case K::problem:
        std::cerr << edi::to_string(r.problem()) << "\n";
        break;
      default:
        break;
    }
  }

 private:
  static const char* indent(const edi::Reader& r) { return r.in_group() ? "    " : "  "; }
};

// Builds the tree as JSON one interchange at a time, printing each as it closes.
class JsonTree {
 public:
  void on(const edi::Event& e, const edi::Reader& r) {
    using K = edi::EventKind;
    switch (e.kind) {
      case K::interchange_start:
        interchange_ = interchange_json(r.interchange());
        group_ = nullptr;
        break;
      case K::group_start:
        group_ = group_json(r.group());
        break;
      case K::group_end:
        interchange_["groups"].push_back(std::move(group_));
        group_ = nullptr;
        break;
      case K::transaction_start:
        transaction_ = transaction_json(r.transaction());
        break;
      case K::segment:
        transaction_["segments"].push_back(segment_json(r.segment()));
        break;
      case K::transaction_end:
        close_transaction();
        break;
      case K::interchange_end:
        print(interchange_);
        break;
      case K::problem:
        print(json{{"problem", problem_json(r.problem())}});
        break;
      default:
        break;
    }
  }

 private:
  void close_transaction() {
    if (group_.is_null()) {
      interchange_["transactions"].push_back(std::move(transaction_));
    } else {
      group_["transactions"].push_back(std::move(transaction_));
    }
  }
  static void print(const json& j) { std::cout << dump(j) << "\n"; }
  json interchange_;
  json group_;
  json transaction_;
};

}  // namespace

int run_parse(edi::Source& source, bool as_json) {
  edi::Reader reader(source);
  TextTree text;
  JsonTree tree;
  bool errors = false;
  for (edi::Event e = reader.next(); e.kind != edi::EventKind::end_of_input; e = reader.next()) {
    if (e.kind == edi::EventKind::problem && reader.problem().is_error()) errors = true;
    if (as_json) {
      tree.on(e, reader);
    } else {
      text.on(e, reader);
    }
  }
  return errors ? 1 : 0;
}

}  // namespace edigate::cli
