// Control numbers for outbound interchanges, groups and sets (ISA13, GS06, ST02, UNB 0020,
// UNH 0062). The gateway backs this with its store, allocating transactionally per partner so
// a number is never reused; the in-memory allocator serves tests and the command line.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

namespace edigate::edi {

enum class ControlKind : unsigned char { interchange, group, transaction };

class ControlNumberAllocator {
 public:
  virtual ~ControlNumberAllocator() = default;
  // The next number of this kind for this partner, as a plain decimal number (no padding);
  // format_control() pads it for the standard.
  virtual std::uint64_t next(ControlKind kind, std::string_view partner) = 0;
};

// Counts from `first` per (kind, partner). Not persistent.
class InMemoryControlNumbers final : public ControlNumberAllocator {
 public:
  explicit InMemoryControlNumbers(std::uint64_t first = 1) : first_(first) {}
  std::uint64_t next(ControlKind kind, std::string_view partner) override;

 private:
  std::uint64_t first_;
  std::map<std::pair<ControlKind, std::string>, std::uint64_t> last_;
};

// ISA13: 9 digits zero-padded; GS06: as is; ST02: at least 4 digits zero-padded;
// EDIFACT (x12 = false): as is. Numbers beyond the field (9 digits X12, 14 EDIFACT) wrap to 1.
std::string format_control(std::uint64_t number, ControlKind kind, bool x12);

}  // namespace edigate::edi
