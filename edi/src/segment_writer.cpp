#include "segment_writer.hpp"

#include <cctype>

namespace edigate::edi::detail {
namespace {

bool usable(char c) {
  return c != 0 && c != ' ' && std::isalnum(static_cast<unsigned char>(c)) == 0;
}

// Number of parts up to and including the last non-empty one.
std::size_t used(const SegmentData::Components& components) {
  std::size_t n = components.size();
  while (n > 0 && components[n - 1].empty()) --n;
  return n;
}

std::size_t used(const SegmentData::Element& element) {
  std::size_t n = element.size();
  while (n > 0 && used(element[n - 1]) == 0) --n;
  return n;
}

std::size_t used_elements(const SegmentData& segment) {
  std::size_t n = segment.elements.size();
  while (n > 0 && used(segment.elements[n - 1]) == 0) --n;
  return n;
}

bool valid_tag(std::string_view tag) {
  if (tag.size() < 2 || tag.size() > 3) return false;
  for (char c : tag) {
    if (std::isupper(static_cast<unsigned char>(c)) == 0 &&
        std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return false;
    }
  }
  return true;
}

std::string describe_char(char c) {
  if (std::isprint(static_cast<unsigned char>(c)) != 0) return std::string("'") + c + "'";
  return "byte " + std::to_string(static_cast<unsigned char>(c));
}

}  // namespace

std::string delimiter_trouble(const Delimiters& d) {
  const char required[] = {d.element, d.component, d.segment};
  for (char c : required) {
    if (!usable(c)) return "delimiter " + describe_char(c) + " is missing, a space or alphanumeric";
  }
  const char all[] = {d.element, d.component, d.segment, d.repetition, d.release};
  for (std::size_t i = 0; i < 5; ++i) {
    if (i >= 3 && all[i] == 0) continue;
    if (!usable(all[i]))
      return "delimiter " + describe_char(all[i]) + " is a space or alphanumeric";
    for (std::size_t j = i + 1; j < 5; ++j) {
      if (all[i] == all[j]) return "delimiter " + describe_char(all[i]) + " is used twice";
    }
  }
  return {};
}

SegmentWriter::SegmentWriter(Standard standard, const Delimiters& delimiters,
                             std::string line_break)
    : standard_(standard), delimiters_(delimiters), line_break_(std::move(line_break)) {}

void SegmentWriter::fail(WriteErrorCode code, std::string message, std::string_view tag,
                         std::size_t element, std::size_t component, std::size_t repetition) {
  if (error_) return;
  error_ = WriteError{code,    std::move(message), std::string(tag), segments_ + 1,
                      element, component,          repetition};
}

void SegmentWriter::write_formatted(std::string_view bytes, bool counted) {
  out_ += bytes;
  out_ += line_break_;
  if (counted) ++segments_;
}

bool SegmentWriter::write(const SegmentData& segment) {
  if (error_) return false;
  if (!valid_tag(segment.tag)) {
    fail(WriteErrorCode::invalid_tag,
         "segment tag '" + segment.tag + "' is not 2-3 letters or digits", segment.tag);
    return false;
  }
  const std::size_t mark = out_.size();
  out_ += segment.tag;
  const std::size_t count = used_elements(segment);
  for (std::size_t i = 0; i < count; ++i) {
    out_.push_back(delimiters_.element);
    if (!write_element(segment, i)) {
      out_.resize(mark);
      return false;
    }
  }
  out_.push_back(delimiters_.segment);
  write_formatted({}, true);
  return true;
}

bool SegmentWriter::write_element(const SegmentData& segment, std::size_t index) {
  const SegmentData::Element& element = segment.elements[index];
  const std::size_t reps = used(element);
  if (reps > 1 && delimiters_.repetition == 0) {
    fail(WriteErrorCode::repetition_unsupported,
         "element has " + std::to_string(reps) +
             " repetitions but the interchange has no repetition separator",
         segment.tag, index + 1, 0, 2);
    return false;
  }
  for (std::size_t r = 0; r < reps; ++r) {
    if (r > 0) out_.push_back(delimiters_.repetition);
    const SegmentData::Components& components = element[r];
    const std::size_t n = used(components);
    for (std::size_t c = 0; c < n; ++c) {
      if (c > 0) out_.push_back(delimiters_.component);
      const std::size_t component = n > 1 ? c + 1 : 0;
      const std::size_t repetition = reps > 1 ? r + 1 : 0;
      if (!write_value(components[c], segment, index + 1, component, repetition)) return false;
    }
  }
  return true;
}

bool SegmentWriter::needs_escape(char c) const { return delimiters_.is_delimiter(c); }

bool SegmentWriter::write_value(std::string_view value, const SegmentData& segment,
                                std::size_t element, std::size_t component,
                                std::size_t repetition) {
  for (char c : value) {
    if (!needs_escape(c)) {
      out_.push_back(c);
    } else if (standard_ == Standard::edifact && delimiters_.release != 0) {
      out_.push_back(delimiters_.release);
      out_.push_back(c);
    } else {
      const std::string why = standard_ == Standard::x12
                                  ? "X12 has no escape character"
                                  : "the interchange has no release character";
      fail(WriteErrorCode::delimiter_in_data,
           segment.tag + " value '" + std::string(value) + "' holds the delimiter " +
               describe_char(c) + " and " + why,
           segment.tag, element, component, repetition);
      return false;
    }
  }
  return true;
}

}  // namespace edigate::edi::detail
