#include <catch2/catch.hpp>

#include "edigate/edi/control_numbers.hpp"

using namespace edigate::edi;

TEST_CASE("control numbers are padded for their field and wrap past it", "[control_numbers]") {
  CHECK(format_control(41, ControlKind::interchange, true) == "000000041");
  CHECK(format_control(41, ControlKind::group, true) == "41");
  CHECK(format_control(41, ControlKind::transaction, true) == "0041");
  CHECK(format_control(123456, ControlKind::transaction, true) == "123456");
  CHECK(format_control(999'999'999, ControlKind::interchange, true) == "999999999");
  CHECK(format_control(1'000'000'000, ControlKind::interchange, true) == "000000001");
  CHECK(format_control(1'000'000'000, ControlKind::group, true) == "1");
  CHECK(format_control(0, ControlKind::group, true) == "1");
  CHECK(format_control(41, ControlKind::interchange, false) == "41");
  CHECK(format_control(100'000'000'000'000ULL, ControlKind::interchange, false) == "1");
}

TEST_CASE("the in-memory allocator counts per kind and partner", "[control_numbers]") {
  InMemoryControlNumbers numbers(7);
  CHECK(numbers.next(ControlKind::interchange, "ACME") == 7);
  CHECK(numbers.next(ControlKind::interchange, "ACME") == 8);
  CHECK(numbers.next(ControlKind::group, "ACME") == 7);
  CHECK(numbers.next(ControlKind::interchange, "OTHER") == 7);
}
