// Checks of envelope header fields (ISA, GS, ST, UNB, UNG, UNH): presence and format.
#pragma once

#include <string>
#include <string_view>

#include "edigate/edi/problem.hpp"
#include "edigate/edi/segment.hpp"
#include "isa.hpp"

namespace edigate::edi::detail {

class ProblemSink {
 public:
  virtual ~ProblemSink() = default;
  virtual void report(ProblemCode code, Severity severity, const Location& location,
                      std::string message) = 0;
};

// ISA fields; `isa` is the ISA as a segment (for element locations).
void check_isa(const IsaResult& result, const Segment& isa, ProblemSink& sink);
void check_gs(const Segment& gs, ProblemSink& sink);
void check_st(const Segment& st, ProblemSink& sink);
void check_unb(const Segment& unb, ProblemSink& sink);
void check_ung(const Segment& ung, ProblemSink& sink);
// `s009`: the first five components of UNH S009 as the reader split them (empty past the end).
void check_unh(const Segment& unh, const std::string_view (&s009)[5], ProblemSink& sink);

}  // namespace edigate::edi::detail
