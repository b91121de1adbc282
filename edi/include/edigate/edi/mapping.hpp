// Mapping between EDI transaction sets and canonical documents (docs/canonical.md), driven by
// mapping files (docs/mapping.md). One compiled map serves both directions.
//
// Inbound, the mapper is a ValidationListener: it rides on the Validator's single pass over a
// Reader, so a file of many sets maps in constant memory and the partner's stricter rules
// become problems of the set (and reach its 997/999/CONTRL):
//
//   std::vector<mapping::Issue> issues;
//   auto partner = mapping::load_partner("mappings/partners/retailer", standard_dir, issues);
//   mapping::InboundMapper mapper(*partner, sink, &ack_collector);   // sink gets one JSON per set
//   edi::ValidatorOptions options;
//   options.deliver_segments = true;
//   edi::Validator(edi::SchemaRegistry::builtin(), options).run(reader, mapper);
//
// Outbound, render_interchange() turns canonical documents into one interchange with the
// partner's identities, delimiters and fresh control numbers. Errors are values throughout.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edigate/edi/control_numbers.hpp"
#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/validator.hpp"

namespace edigate::edi::mapping {

enum class DocumentType : unsigned char {
  purchase_order,
  ship_notice,
  freight_invoice,
  shipment_status
};
const char* to_string(DocumentType type);
std::optional<DocumentType> parse_document_type(std::string_view name);

// A problem in a mapping or partner file, or in a canonical document handed to the renderer.
struct Issue {
  std::string file;  // the file, or "document 2" for outbound input
  long line = 0;     // 1-based; 0 when it has none
  std::string message;
  std::string to_string() const;  // "file:line: message"
};

class Map;  // a compiled mapping file: immutable, shareable between threads

struct MapInfo {
  DocumentType document = DocumentType::purchase_order;
  Standard standard = Standard::x12;
  std::string transaction;                 // "850", "ORDERS"
  std::vector<std::string> versions;       // "004010", "D96A"; empty: any
  std::string file;                        // the file it was loaded from
  std::vector<std::string> extends_chain;  // the files it extends, nearest first
};
const MapInfo& info_of(const Map& map);

// Loads, XSD-checks and compiles a mapping file, following `extends`: a path relative to the
// file, or "standard:x12/850.xml", relative to `standard_dir` (the standard maps), so that an
// overlay copied anywhere still finds its base. On failure returns null and appends what is
// wrong to `issues`.
std::shared_ptr<const Map> load_map(const std::filesystem::path& file, std::vector<Issue>& issues,
                                    const std::filesystem::path& standard_dir = {});

// How we and the partner appear in one standard's envelopes (partner.xml <x12>/<edifact>).
struct Identity {
  std::string our_qualifier, our_id;
  std::string their_qualifier, their_id;
  std::string our_group_id, their_group_id;  // X12 GS02/GS03 (default: the interchange ids)
  std::string version;                       // "004010", "D96A"
  std::string syntax;                        // EDIFACT "UNOC"
  std::string syntax_version;                // EDIFACT UNB S001 0002 ("3"); X12: from version
  Delimiters delimiters;
  bool line_break = false;  // a newline after each segment terminator
  bool test = false;
};

struct Partner {
  std::string id;
  std::string name;
  std::filesystem::path dir;
  std::optional<Identity> x12;
  std::optional<Identity> edifact;
  std::vector<std::shared_ptr<const Map>> maps;           // the partner's own, first choice
  std::vector<std::shared_ptr<const Map>> standard_maps;  // mappings/standard, the fallback

  // The map for a received set; null when there is none.
  const Map* find_inbound(Standard standard, std::string_view transaction,
                          std::string_view version) const;
  // The map to write a document type in a standard (the partner's identity version); null
  // when there is none.
  const Map* find_outbound(DocumentType type, Standard standard) const;
};

// Loads DIR/partner.xml, its maps, and every map under `standard_dir` (mappings/standard).
std::optional<Partner> load_partner(const std::filesystem::path& dir,
                                    const std::filesystem::path& standard_dir,
                                    std::vector<Issue>& issues);
// The same with standard maps already loaded (shared by every partner of a gateway, so they
// are read and compiled once, not once per partner); `standard_dir` is where they are, for
// "standard:" in `extends`.
std::optional<Partner> load_partner(const std::filesystem::path& dir,
                                    std::vector<std::shared_ptr<const Map>> standard_maps,
                                    std::vector<Issue>& issues,
                                    const std::filesystem::path& standard_dir = {});
// Loads only the standard maps (no partner): for checking and for the benchmark.
std::vector<std::shared_ptr<const Map>> load_standard_maps(const std::filesystem::path& dir,
                                                           std::vector<Issue>& issues);

// One transaction set, mapped.
struct MappedDocument {
  const InterchangeHeader* interchange = nullptr;
  const GroupHeader* group = nullptr;
  const SetResult* set = nullptr;  // its header and every problem, partner rules included
  const Map* map = nullptr;        // null: no map for this set (json is empty)
  std::string_view json;           // the canonical document, one line, valid until return
};

class DocumentSink {
 public:
  virtual ~DocumentSink() = default;
  virtual void on_document(const MappedDocument& document) = 0;
};

struct InboundOptions {
  std::string received_at;  // envelope.received_at (ISO 8601); empty: left out
  std::string message_id;   // envelope.message_id; empty: left out
  std::string partner_id;   // envelope.partner; empty: the mapping profile's id
  // Map sets that have errors too (the document then says what could be read). Off: a set
  // with errors is reported to the sink with empty json.
  bool map_sets_with_errors = false;
};

// Maps each set the Validator reads. Run the Validator with deliver_segments = true. Every
// callback is forwarded to `next` (an AckCollector, a report) after the mapper has added its
// problems to the set.
class InboundMapper final : public ValidationListener {
 public:
  InboundMapper(const Partner& partner, DocumentSink& sink, ValidationListener* next = nullptr,
                InboundOptions options = {});
  ~InboundMapper() override;

  void on_interchange_start(const InterchangeHeader& header) override;
  void on_group_start(const GroupHeader& header) override;
  void on_set_start(const TransactionHeader& header) override;
  void on_segment(const Segment& segment, std::vector<Problem>& problems) override;
  void on_set_finish(const Location& end, std::vector<Problem>& problems) override;
  void on_set_end(const SetResult& result) override;
  void on_group_end(const GroupResult& result) override;
  void on_interchange_end(const InterchangeResult& result) override;
  void on_problem(const Problem& problem) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct RenderOptions {
  std::string date;  // CCYYMMDD for the envelope; empty: today (UTC)
  std::string time;  // HHMM; empty: now (UTC)
};

struct [[nodiscard]] RenderResult {
  std::string bytes;          // the interchange when ok()
  std::vector<Issue> issues;  // what stopped it, with the JSON path of each bad value
  bool ok() const { return issues.empty(); }
};

// Writes canonical documents (all for this partner, all in `standard`) as one interchange.
RenderResult render_interchange(const Partner& partner, Standard standard,
                                const std::vector<nlohmann::json>& documents,
                                ControlNumberAllocator& control_numbers,
                                const RenderOptions& options = {});

}  // namespace edigate::edi::mapping
