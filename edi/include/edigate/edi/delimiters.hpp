// The delimiters of one interchange, learned from its ISA or UNA/UNB.
#pragma once

#include <string>

namespace edigate::edi {

enum class Standard : unsigned char { x12, edifact };

const char* to_string(Standard standard);

struct Delimiters {
  char element = '*';
  char component = ':';
  char repetition = 0;  // 0: no repetition separator in this interchange
  char segment = '~';
  char release = 0;  // EDIFACT release (escape) character; 0: none (always for X12)
  char decimal = '.';

  static Delimiters x12_default() { return {'*', ':', '^', '~', 0, '.'}; }
  static Delimiters edifact_default() { return {'+', ':', 0, '\'', '?', '.'}; }
  // True when c is one of the separators (the release character included).
  bool is_delimiter(char c) const {
    return c == element || c == component || c == segment || (repetition && c == repetition) ||
           (release && c == release);
  }
};

}  // namespace edigate::edi
