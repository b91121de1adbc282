// Validation: runs a Reader to the end, checks every transaction set against its schema, and
// reports results per set, group and interchange to a listener as it goes (memory stays bounded
// by one set's problems, whatever the input size).
#pragma once

#include <cstdint>
#include <vector>

#include "edigate/edi/reader.hpp"
#include "edigate/edi/schema.hpp"

namespace edigate::edi {

struct SetResult {
  TransactionHeader header;
  std::vector<Problem> problems;  // envelope and schema problems of this set, in input order
  bool supported = false;         // a schema was found for it
  std::uint32_t segments = 0;     // segments counted, header and trailer included
  bool has_errors() const;
};

struct GroupResult {
  GroupHeader header;             // empty for EDIFACT messages outside UNG
  std::vector<Problem> problems;  // group-level problems
  std::uint64_t sets = 0;         // sets received
  std::uint64_t sets_with_errors = 0;
  std::uint64_t declared_sets = 0;  // the trailer's count (GE01 / UNE 0060); 0 when missing
  bool has_trailer = false;         // false when the trailer was missing (implied end)
  bool implied = false;             // EDIFACT: no UNG, a group made up for the messages
};

struct InterchangeResult {
  InterchangeHeader header;
  std::vector<Problem> problems;  // interchange-level problems
  std::uint64_t groups = 0;
};

class ValidationListener {
 public:
  virtual ~ValidationListener() = default;
  virtual void on_interchange_start(const InterchangeHeader&) {}
  virtual void on_group_start(const GroupHeader&) {}
  virtual void on_set_start(const TransactionHeader&) {}
  // With ValidatorOptions::deliver_segments: each body segment of a set after it was checked.
  // Problems appended to `problems` become problems of the set: they count as errors and reach
  // its acknowledgement.
  virtual void on_segment(const Segment&, std::vector<Problem>& /*problems*/) {}
  // With deliver_segments: the set's trailer was read (or found missing) at `end`; the last
  // chance to add problems before on_set_end.
  virtual void on_set_finish(const Location& /*end*/, std::vector<Problem>& /*problems*/) {}
  virtual void on_set_end(const SetResult&) {}
  virtual void on_group_end(const GroupResult&) {}
  virtual void on_interchange_end(const InterchangeResult&) {}
  // Every problem as it is found, whatever its scope (also those outside any interchange).
  virtual void on_problem(const Problem&) {}
};

struct ValidatorOptions {
  // Report set_not_supported for sets without a schema (otherwise they pass unchecked).
  bool require_schema = true;
  // Call ValidationListener::on_segment and on_set_finish (the inbound mapper needs them).
  bool deliver_segments = false;
};

class Validator {
 public:
  explicit Validator(const SchemaRegistry& schemas = SchemaRegistry::builtin(),
                     ValidatorOptions options = {});
  // Reads `reader` to the end. Returns the number of errors (warnings not counted).
  std::uint64_t run(Reader& reader, ValidationListener& listener);

 private:
  const SchemaRegistry& schemas_;
  ValidatorOptions options_;
};

}  // namespace edigate::edi
