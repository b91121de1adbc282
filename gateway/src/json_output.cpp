#include "json_output.hpp"

#include "store/store_json.hpp"

namespace edigate::cli {

using nlohmann::json;

std::string dump(const json& j) { return gateway::store::json_text(j); }

json problem_json(const edi::Problem& p) {
  const edi::Location& l = p.location;
  json j{{"severity", p.is_error() ? "error" : "warning"},
         {"code", std::string(edi::name_of(p.code))},
         {"message", p.message},
         {"offset", l.offset},
         {"line", l.line},
         {"segment", l.segment},
         {"segment_in_set", l.segment_in_set},
         {"element", l.element},
         {"component", l.component},
         {"repetition", l.repetition}};
  if (!p.segment_id.empty()) j["segment_id"] = p.segment_id;
  if (!p.loop_id.empty()) j["loop_id"] = p.loop_id;
  return j;
}

}  // namespace edigate::cli
