#include "edigate/edi/document.hpp"

namespace edigate::edi {
namespace {

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

template <typename T>
void drop_trailing_empty(std::vector<T>& parts) {
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
}

SegmentData::Components split_components(std::string_view repetition, const Delimiters& d) {
  SegmentData::Components components;
  PartIterator parts(repetition, d.component, d.release);
  std::string_view part;
  while (parts.next(part)) components.push_back(unescape(part, d.release));
  drop_trailing_empty(components);
  return components;
}

SegmentData::Element split_element(std::string_view raw, const Delimiters& d) {
  SegmentData::Element element;
  if (d.repetition == 0) {
    element.push_back(split_components(raw, d));
  } else {
    PartIterator reps(raw, d.repetition, d.release);
    std::string_view rep;
    while (reps.next(rep)) element.push_back(split_components(rep, d));
  }
  drop_trailing_empty(element);
  return element;
}

SegmentData to_segment_data(const Segment& segment) {
  SegmentData data{std::string(segment.tag())};
  data.elements.reserve(segment.size());
  for (std::size_t i = 1; i <= segment.size(); ++i) {
    data.elements.push_back(split_element(segment[i], segment.delimiters()));
  }
  drop_trailing_empty(data.elements);
  return data;
}

// Builds the tree from reader events. Trailers carry nothing the tree keeps.
class DocumentBuilder {
 public:
  explicit DocumentBuilder(Reader& reader) : reader_(reader) {}

  Document run() {
    while (true) {
      const Event event = reader_.next();
      if (event.kind == EventKind::end_of_input) break;
      on_event(event.kind);
    }
    return std::move(document_);
  }

 private:
  void on_event(EventKind kind) {
    switch (kind) {
      case EventKind::interchange_start:
        return start_interchange();
      case EventKind::group_start:
        return start_group();
      case EventKind::transaction_start:
        return start_transaction();
      case EventKind::segment:
        return add_segment();
      case EventKind::group_end:
        return end_group();
      case EventKind::problem:
        return document_.problems.push_back(reader_.problem());
      default:
        return;
    }
  }

  std::string text(std::size_t position, std::size_t component = 0) const {
    const Segment& s = reader_.segment();
    const std::string_view raw = component == 0 ? s[position] : s.component(position, component);
    return unescape(raw, s.delimiters().release);
  }

  void start_interchange() {
    const InterchangeHeader& h = reader_.interchange();
    Interchange& i = document_.interchanges.emplace_back();
    i.standard = h.standard;
    i.delimiters = h.delimiters;
    i.has_service_string = h.has_service_string;
    i.syntax_id = h.syntax_id;
    i.version = h.version;
    i.sender_qualifier = h.sender_qualifier;
    i.sender_id = h.sender_id;
    i.receiver_qualifier = h.receiver_qualifier;
    i.receiver_id = h.receiver_id;
    i.date = h.date;
    i.time = h.time;
    i.control_number = h.control_number;
    i.ack_requested = h.ack_requested;
    i.test = h.test;
    if (h.standard == Standard::x12) {
      read_isa_extras(i);
    } else {
      read_unb_extras(i);
    }
    sets_ = &i.messages;
  }

  void read_isa_extras(Interchange& i) const {
    const Segment& s = reader_.segment();
    i.authorization_qualifier = std::string(s[1]);
    i.authorization = std::string(trim_right(s[2]));
    i.security_qualifier = std::string(s[3]);
    i.security = std::string(trim_right(s[4]));
  }

  void read_unb_extras(Interchange& i) const {
    i.recipient_reference = text(6, 1);
    i.application_reference = text(7);
    i.priority = text(8);
    i.agreement_id = text(10);
  }

  void start_group() {
    if (document_.interchanges.empty()) return;
    Interchange& i = document_.interchanges.back();
    Group& g = i.groups.emplace_back();
    const bool x12 = i.standard == Standard::x12;
    g.functional_id = text(1);
    g.sender_id = text(2, x12 ? 0 : 1);
    g.receiver_id = text(3, x12 ? 0 : 1);
    g.date = text(4, x12 ? 0 : 1);
    g.time = x12 ? text(5) : text(4, 2);
    g.control_number = x12 ? text(6) : text(5);
    g.agency = x12 ? text(7) : text(6);
    g.version = x12 ? text(8) : text(7, 1);
    if (!x12) {
      g.sender_qualifier = text(2, 2);
      g.receiver_qualifier = text(3, 2);
      g.release = text(7, 2);
    }
    sets_ = &g.transactions;
  }

  void end_group() {
    if (!document_.interchanges.empty()) sets_ = &document_.interchanges.back().messages;
  }

  void start_transaction() {
    if (sets_ == nullptr) return;
    Transaction& t = sets_->emplace_back();
    if (document_.interchanges.back().standard == Standard::x12) {
      t.id = text(1);
      t.control_number = text(2);
      t.version = text(3);
    } else {
      t.control_number = text(1);
      t.id = text(2, 1);
      t.version = text(2, 2);
      t.release = text(2, 3);
      t.agency = text(2, 4);
      t.association = text(2, 5);
    }
  }

  void add_segment() {
    if (!reader_.in_transaction()) {  // a TA1 between the ISA and the groups
      if (document_.interchanges.empty()) return;
      document_.interchanges.back().interchange_segments.push_back(
          to_segment_data(reader_.segment()));
    } else if (sets_ != nullptr && !sets_->empty()) {
      sets_->back().segments.push_back(to_segment_data(reader_.segment()));
    }
  }

  Reader& reader_;
  Document document_;
  std::vector<Transaction>* sets_ = nullptr;  // where the next set or message goes
};

const std::string kEmpty;

}  // namespace

bool operator==(const Delimiters& a, const Delimiters& b) {
  return a.element == b.element && a.component == b.component && a.repetition == b.repetition &&
         a.segment == b.segment && a.release == b.release && a.decimal == b.decimal;
}

SegmentData::SegmentData(std::string segment_tag,
                         std::initializer_list<std::string> simple_elements)
    : tag(std::move(segment_tag)) {
  for (const std::string& value : simple_elements) add(value);
}

SegmentData& SegmentData::add(std::string value) {
  Element& element = elements.emplace_back();
  if (!value.empty()) element.push_back({std::move(value)});
  return *this;
}

SegmentData& SegmentData::add_composite(std::vector<std::string> components) {
  drop_trailing_empty(components);
  Element& element = elements.emplace_back();
  if (!components.empty()) element.push_back(std::move(components));
  return *this;
}

const std::string& SegmentData::value(std::size_t element, std::size_t component,
                                      std::size_t repetition) const {
  if (element == 0 || element > elements.size()) return kEmpty;
  const Element& e = elements[element - 1];
  if (repetition == 0 || repetition > e.size()) return kEmpty;
  const Components& c = e[repetition - 1];
  if (component == 0 || component > c.size()) return kEmpty;
  return c[component - 1];
}

void normalize(SegmentData& segment) {
  for (SegmentData::Element& element : segment.elements) {
    for (SegmentData::Components& components : element) drop_trailing_empty(components);
    drop_trailing_empty(element);
  }
  drop_trailing_empty(segment.elements);
}

Document read_document(Reader& reader) { return DocumentBuilder(reader).run(); }

Document read_document(std::string_view bytes, const ReaderOptions& options) {
  Reader reader(bytes, options);
  return read_document(reader);
}

}  // namespace edigate::edi
