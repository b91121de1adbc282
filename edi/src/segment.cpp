#include "edigate/edi/segment.hpp"

namespace edigate::edi {

bool PartIterator::next(std::string_view& part) {
  if (done_) return false;
  for (std::size_t i = 0; i < rest_.size(); ++i) {
    const char c = rest_[i];
    if (release_ != 0 && c == release_) {
      ++i;  // the next byte is data
    } else if (c == separator_) {
      part = rest_.substr(0, i);
      rest_.remove_prefix(i + 1);
      return true;
    }
  }
  part = rest_;
  done_ = true;
  return true;
}

std::string unescape(std::string_view raw, char release) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (release != 0 && raw[i] == release && i + 1 < raw.size()) ++i;
    out.push_back(raw[i]);
  }
  return out;
}

std::string_view Segment::component(std::size_t position, std::size_t component,
                                    std::size_t repetition) const {
  std::string_view value = (*this)[position];
  const Delimiters& d = *delimiters_;
  // Fast paths when the reader noted which separators the segment holds (segment_marks).
  const bool known = (marks_ & kKnown) != 0;
  if (known && repetition <= 1 && (marks_ & kRepetition) == 0) {
    if ((marks_ & kComponent) == 0) return component == 1 ? value : std::string_view{};
    if ((marks_ & kRelease) == 0) {
      for (std::size_t c = 1; c < component; ++c) {
        const std::size_t at = value.find(d.component);
        if (at == std::string_view::npos) return {};
        value.remove_prefix(at + 1);
      }
      return value.substr(0, value.find(d.component));
    }
  }
  if (repetition > 1 || d.repetition != 0) {
    PartIterator reps(value, d.repetition, d.release);
    std::string_view rep;
    for (std::size_t r = 0; r < repetition; ++r) {
      if (!reps.next(rep)) return {};
    }
    value = rep;
  }
  PartIterator parts(value, d.component, d.release);
  std::string_view part;
  for (std::size_t c = 0; c < component; ++c) {
    if (!parts.next(part)) return {};
  }
  return part;
}

std::string Segment::text(std::size_t position) const {
  return unescape((*this)[position], delimiters_->release);
}

std::uint32_t Segment::element_offset(std::size_t position) const {
  if (position == 0) return 0;
  if (position > count_) return bounds_[count_];
  return bounds_[position - 1] + 1;
}

Location Segment::location_of(std::size_t position, std::size_t component,
                              std::size_t repetition) const {
  Location l = *location_;
  l.offset += element_offset(position);
  l.element = static_cast<std::uint32_t>(position);
  l.component = static_cast<std::uint32_t>(component);
  l.repetition = static_cast<std::uint32_t>(repetition);
  return l;
}

const char* to_string(Standard standard) { return standard == Standard::x12 ? "X12" : "EDIFACT"; }

}  // namespace edigate::edi
