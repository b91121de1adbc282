#include "edigate/edi/writer.hpp"

#include <array>

#include "segment_writer.hpp"

namespace edigate::edi {
namespace {

using detail::SegmentWriter;

constexpr std::array<std::size_t, 17> kIsaWidths = {0, 2, 10, 2, 10, 2, 15, 2, 15,
                                                    6, 4, 1,  5, 9,  1, 1,  1};

std::string count_of(std::size_t n) { return std::to_string(n); }

bool write_all(const std::vector<SegmentData>& segments, SegmentWriter& out) {
  for (const SegmentData& s : segments) {
    if (!out.write(s)) return false;
  }
  return true;
}

// ---- X12 ---------------------------------------------------------------------------------

Delimiters x12_delimiters(const Interchange& i, const WriteOptions& options) {
  Delimiters d = options.delimiters.value_or(i.delimiters);
  d.release = 0;
  if (i.version < "00402") d.repetition = 0;  // ISA11 is the standards id "U" before 00402
  return d;
}

std::string or_none(const std::string& qualifier) { return qualifier.empty() ? "00" : qualifier; }

std::array<std::string, 17> isa_fields(const Interchange& i, const Delimiters& d) {
  return {"",
          or_none(i.authorization_qualifier),
          i.authorization,
          or_none(i.security_qualifier),
          i.security,
          i.sender_qualifier,
          i.sender_id,
          i.receiver_qualifier,
          i.receiver_id,
          i.date,
          i.time,
          d.repetition != 0 ? std::string(1, d.repetition) : std::string("U"),
          i.version,
          i.control_number,
          i.ack_requested ? "1" : "0",
          i.test ? "T" : "P",
          std::string(1, d.component)};
}

// Checks one ISA field and pads it when asked; false (error recorded) when it cannot be used.
bool prepare_isa_field(std::string& value, std::size_t position, const Delimiters& d, bool pad,
                       SegmentWriter& out) {
  const bool padded = position == 2 || position == 4 || position == 6 || position == 8;
  if (pad && padded && value.size() < kIsaWidths[position]) {
    value.resize(kIsaWidths[position], ' ');
  }
  const std::string name = "ISA" + std::string(position < 10 ? "0" : "") + count_of(position);
  if (value.size() > kIsaWidths[position]) {
    out.fail(WriteErrorCode::value_too_long,
             name + " '" + value + "' is longer than its " + count_of(kIsaWidths[position]) +
                 " characters",
             "ISA", position);
    return false;
  }
  for (char c : value) {
    if (position < 11 && d.is_delimiter(c)) {
      out.fail(WriteErrorCode::delimiter_in_data,
               name + " '" + value + "' holds a delimiter and X12 has no escape character", "ISA",
               position);
      return false;
    }
  }
  return true;
}

bool write_isa(const Interchange& i, const Delimiters& d, const WriteOptions& options,
               SegmentWriter& out) {
  if (i.version.empty() || i.control_number.empty()) {
    out.fail(WriteErrorCode::missing_value, "ISA12 version and ISA13 control number are required",
             "ISA", i.version.empty() ? 12 : 13);
    return false;
  }
  if (i.version >= "00402" && d.repetition == 0) {
    out.fail(WriteErrorCode::invalid_delimiters,
             "ISA11 needs a repetition separator from version 00402 on", "ISA", 11);
    return false;
  }
  std::array<std::string, 17> fields = isa_fields(i, d);
  std::string isa = "ISA";
  for (std::size_t k = 1; k <= 16; ++k) {
    if (!prepare_isa_field(fields[k], k, d, options.pad_isa, out)) return false;
    isa.push_back(d.element);
    isa += fields[k];
  }
  isa.push_back(d.segment);
  out.write_formatted(isa, true);
  return true;
}

bool write_x12_set(const Transaction& t, SegmentWriter& out) {
  SegmentData st("ST", {t.id, t.control_number, t.version});
  if (t.id.empty() || t.control_number.empty()) {
    out.fail(WriteErrorCode::missing_value, "ST01 and ST02 are required", "ST",
             t.id.empty() ? 1 : 2);
    return false;
  }
  if (!out.write(st) || !write_all(t.segments, out)) return false;
  return out.write(SegmentData("SE", {count_of(t.segments.size() + 2), t.control_number}));
}

bool write_x12_group(const Group& g, SegmentWriter& out) {
  if (g.control_number.empty()) {
    out.fail(WriteErrorCode::missing_value, "GS06 group control number is required", "GS", 6);
    return false;
  }
  if (!out.write(SegmentData("GS", {g.functional_id, g.sender_id, g.receiver_id, g.date, g.time,
                                    g.control_number, g.agency, g.version}))) {
    return false;
  }
  for (const Transaction& t : g.transactions) {
    if (!write_x12_set(t, out)) return false;
  }
  return out.write(SegmentData("GE", {count_of(g.transactions.size()), g.control_number}));
}

bool write_x12(const Interchange& i, const Delimiters& d, const WriteOptions& options,
               SegmentWriter& out) {
  if (!i.messages.empty()) {
    out.fail(WriteErrorCode::mixed_groups_and_messages,
             "X12 transaction sets must be inside a functional group (GS/GE)", "ST");
    return false;
  }
  if (!write_isa(i, d, options, out) || !write_all(i.interchange_segments, out)) return false;
  for (const Group& g : i.groups) {
    if (!write_x12_group(g, out)) return false;
  }
  return out.write(SegmentData("IEA", {count_of(i.groups.size()), i.control_number}));
}

// ---- EDIFACT -----------------------------------------------------------------------------

// What a reader assumes without UNA (syntax version 4 adds the repetition separator).
Delimiters edifact_implied(const Interchange& i) {
  Delimiters d = Delimiters::edifact_default();
  if (i.version == "4") d.repetition = '*';
  return d;
}

std::string una_string(const Delimiters& d) {
  return std::string("UNA") + d.component + d.element + d.decimal + (d.release ? d.release : ' ') +
         (d.repetition ? d.repetition : ' ') + d.segment;
}

bool write_una(const Interchange& i, const Delimiters& d, ServiceStringAdvice una,
               SegmentWriter& out) {
  const bool implied = d == edifact_implied(i);
  if (una == ServiceStringAdvice::never && !implied) {
    out.fail(WriteErrorCode::invalid_delimiters,
             "delimiters differ from the defaults and UNA is not to be written", "UNA");
    return false;
  }
  if (una == ServiceStringAdvice::always ||
      (una == ServiceStringAdvice::as_needed && (i.has_service_string || !implied))) {
    out.write_formatted(una_string(d), false);
  }
  return true;
}

SegmentData unb_segment(const Interchange& i) {
  SegmentData unb("UNB");
  unb.add_composite({i.syntax_id, i.version})
      .add_composite({i.sender_id, i.sender_qualifier})
      .add_composite({i.receiver_id, i.receiver_qualifier})
      .add_composite({i.date, i.time})
      .add(i.control_number)
      .add(i.recipient_reference)
      .add(i.application_reference)
      .add(i.priority)
      .add(i.ack_requested ? "1" : "")
      .add(i.agreement_id)
      .add(i.test ? "1" : "");
  return unb;
}

bool write_edifact_message(const Transaction& t, SegmentWriter& out) {
  if (t.id.empty() || t.control_number.empty()) {
    out.fail(WriteErrorCode::missing_value, "UNH message reference and type are required", "UNH",
             t.control_number.empty() ? 1 : 2);
    return false;
  }
  SegmentData unh("UNH");
  unh.add(t.control_number).add_composite({t.id, t.version, t.release, t.agency, t.association});
  if (!out.write(unh) || !write_all(t.segments, out)) return false;
  return out.write(SegmentData("UNT", {count_of(t.segments.size() + 2), t.control_number}));
}

bool write_edifact_group(const Group& g, SegmentWriter& out) {
  SegmentData ung("UNG");
  ung.add(g.functional_id)
      .add_composite({g.sender_id, g.sender_qualifier})
      .add_composite({g.receiver_id, g.receiver_qualifier})
      .add_composite({g.date, g.time})
      .add(g.control_number)
      .add(g.agency)
      .add_composite({g.version, g.release});
  if (!out.write(ung)) return false;
  for (const Transaction& t : g.transactions) {
    if (!write_edifact_message(t, out)) return false;
  }
  return out.write(SegmentData("UNE", {count_of(g.transactions.size()), g.control_number}));
}

bool write_edifact(const Interchange& i, const Delimiters& d, const WriteOptions& options,
                   SegmentWriter& out) {
  if (!i.groups.empty() && !i.messages.empty()) {
    out.fail(WriteErrorCode::mixed_groups_and_messages,
             "an EDIFACT interchange holds either groups (UNG) or messages, not both", "UNZ");
    return false;
  }
  if (d.decimal != '.' && d.decimal != ',') {
    out.fail(WriteErrorCode::invalid_delimiters, "the EDIFACT decimal mark must be '.' or ','",
             "UNA");
    return false;
  }
  if (i.control_number.empty()) {
    out.fail(WriteErrorCode::missing_value, "UNB interchange control reference is required", "UNB",
             5);
    return false;
  }
  if (!write_una(i, d, options.una, out) || !out.write(unb_segment(i)) ||
      !write_all(i.interchange_segments, out)) {
    return false;
  }
  for (const Group& g : i.groups) {
    if (!write_edifact_group(g, out)) return false;
  }
  for (const Transaction& t : i.messages) {
    if (!write_edifact_message(t, out)) return false;
  }
  const std::size_t count = i.groups.empty() ? i.messages.size() : i.groups.size();
  return out.write(SegmentData("UNZ", {count_of(count), i.control_number}));
}

}  // namespace

const char* to_string(WriteErrorCode code) {
  switch (code) {
    case WriteErrorCode::invalid_delimiters:
      return "invalid_delimiters";
    case WriteErrorCode::delimiter_in_data:
      return "delimiter_in_data";
    case WriteErrorCode::value_too_long:
      return "value_too_long";
    case WriteErrorCode::invalid_tag:
      return "invalid_tag";
    case WriteErrorCode::repetition_unsupported:
      return "repetition_unsupported";
    case WriteErrorCode::missing_value:
      return "missing_value";
    case WriteErrorCode::mixed_groups_and_messages:
      return "mixed_groups_and_messages";
  }
  return "?";
}

WriteResult write_interchange(const Interchange& interchange, const WriteOptions& options) {
  const bool x12 = interchange.standard == Standard::x12;
  const Delimiters d = x12 ? x12_delimiters(interchange, options)
                           : options.delimiters.value_or(interchange.delimiters);
  SegmentWriter out(interchange.standard, d, options.line_break);
  if (const std::string trouble = detail::delimiter_trouble(d); !trouble.empty()) {
    out.fail(WriteErrorCode::invalid_delimiters, trouble, x12 ? "ISA" : "UNA");
  } else if (x12) {
    (void)write_x12(interchange, d, options, out);
  } else {
    (void)write_edifact(interchange, d, options, out);
  }
  if (out.error()) return WriteResult{{}, out.error()};
  return WriteResult{out.take(), std::nullopt};
}

}  // namespace edigate::edi
