// A view of one segment as the reader found it. Views point into the reader's buffer and stay
// valid until the next call to Reader::next() that reads a new segment (that is, while the
// events of this segment are being delivered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/location.hpp"

namespace edigate::edi {

// Iterates over the parts of a value separated by `separator`, honouring an EDIFACT release
// character (a released separator is data, not a boundary). Parts are raw (still escaped).
class PartIterator {
 public:
  PartIterator(std::string_view value, char separator, char release)
      : rest_(value), separator_(separator), release_(release), done_(false) {}
  // Returns false when there are no more parts.
  bool next(std::string_view& part);

 private:
  std::string_view rest_;
  char separator_;
  char release_;
  bool done_;
};

// Removes release characters: "A?+B" -> "A+B". Returns the input unchanged when release is 0.
std::string unescape(std::string_view raw, char release);

class Segment {
 public:
  // Which separators below the element level occur in the segment, as the reader saw while
  // scanning it (ReaderOptions::segment_marks). Without kKnown every separator bit is set,
  // meaning "maybe": a consumer must look. With kKnown a clear bit means "certainly absent"; a
  // set bit means "look" (a release character may escape it). kComponentMap says that
  // component_map() holds the position of every component separator.
  enum Marks : std::uint8_t {
    kComponent = 1,
    kRepetition = 2,
    kRelease = 4,
    kAnyMark = kComponent | kRepetition | kRelease,
    kKnown = 8,
    kComponentMap = 16,
  };

  Segment() = default;
  Segment(const char* data, const std::uint32_t* bounds, std::size_t count,
          const Delimiters* delimiters, const Location* location, std::uint8_t marks = kAnyMark,
          std::uint64_t component_map = 0)
      : data_(data),
        bounds_(bounds),
        count_(count),
        delimiters_(delimiters),
        location_(location),
        component_map_(component_map),
        marks_(marks) {}

  // The segment id ("BEG", "UNH").
  std::string_view tag() const { return {data_, bounds_[0]}; }
  // The whole segment without its terminator.
  std::string_view raw() const { return {data_, bounds_[count_]}; }
  // Number of data elements after the tag, as written (trailing empty ones included).
  std::size_t size() const { return count_; }
  // Raw element at a 1-based position; empty when absent.
  std::string_view operator[](std::size_t position) const {
    if (position == 0 || position > count_) return {};
    const std::uint32_t begin = bounds_[position - 1] + 1;
    return {data_ + begin, bounds_[position] - begin};
  }
  // The same for a position known to be in [1, size()], without the range check (the
  // validator's loop over a segment's elements).
  std::string_view present_element(std::size_t position) const {
    const std::uint32_t begin = bounds_[position - 1] + 1;
    return {data_ + begin, bounds_[position] - begin};
  }
  // Raw component (1-based) of the given repetition (1-based) of an element.
  std::string_view component(std::size_t position, std::size_t component,
                             std::size_t repetition = 1) const;
  // Element with release characters removed.
  std::string text(std::size_t position) const;
  // Byte offset of an element's first byte relative to the segment start.
  std::uint32_t element_offset(std::size_t position) const;
  const Delimiters& delimiters() const { return *delimiters_; }
  // Location of the segment's first byte (element, component, repetition are 0).
  const Location& location() const { return *location_; }
  // Location of an element (and optionally a component) of this segment.
  Location location_of(std::size_t position, std::size_t component = 0,
                       std::size_t repetition = 0) const;
  // Segment::Marks bits: which inner separators may occur in it.
  std::uint8_t marks() const { return marks_; }
  // With kComponentMap (segments shorter than 64 bytes without release characters): bit i is
  // set when byte i of raw() is a component separator.
  std::uint64_t component_map() const { return component_map_; }
  // Back to "maybe" for every separator: the reader calls it when the delimiters change after
  // the segment was scanned (a syntax 4 UNB without UNA brings its repetition separator).
  void forget_marks() {
    marks_ = kAnyMark;
    component_map_ = 0;
  }

 private:
  const char* data_ = nullptr;
  // bounds_[i] is the offset of the separator that ends part i (0 = tag); bounds_[count_] is
  // the segment length.
  const std::uint32_t* bounds_ = nullptr;
  std::size_t count_ = 0;
  const Delimiters* delimiters_ = nullptr;
  const Location* location_ = nullptr;
  std::uint64_t component_map_ = 0;
  std::uint8_t marks_ = kAnyMark;
};

}  // namespace edigate::edi
