// Writes segments one after another with fixed delimiters, escaping or refusing data that
// holds a delimiter. Used by the interchange writer; the envelope logic lives in writer.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "edigate/edi/delimiters.hpp"
#include "edigate/edi/document.hpp"
#include "edigate/edi/writer.hpp"

namespace edigate::edi::detail {

// Checks that delimiters can be written and read back; returns what is wrong, or empty.
std::string delimiter_trouble(const Delimiters& d);

class SegmentWriter {
 public:
  // `delimiters.release` 0: values holding a delimiter are refused instead of escaped.
  SegmentWriter(Standard standard, const Delimiters& delimiters, std::string line_break);

  // Writes one segment (trailing empty parts trimmed). Returns false and sets error() when it
  // cannot; nothing more may be written after that.
  bool write(const SegmentData& segment);
  // Writes bytes that are already formatted (UNA, ISA) and ends them with a line break.
  // `counted`: the bytes are a segment and take a segment number.
  void write_formatted(std::string_view bytes, bool counted);
  // Records an error found by the caller at the next segment.
  void fail(WriteErrorCode code, std::string message, std::string_view tag, std::size_t element = 0,
            std::size_t component = 0, std::size_t repetition = 0);

  const std::optional<WriteError>& error() const { return error_; }
  std::size_t segments_written() const { return segments_; }
  std::string take() { return std::move(out_); }

 private:
  bool write_element(const SegmentData& segment, std::size_t index);
  bool write_value(std::string_view value, const SegmentData& segment, std::size_t element,
                   std::size_t component, std::size_t repetition);
  bool needs_escape(char c) const;

  Standard standard_;
  Delimiters delimiters_;
  std::string line_break_;
  std::string out_;
  std::size_t segments_ = 0;
  std::optional<WriteError> error_;
};

}  // namespace edigate::edi::detail
