#include "store/control_numbers.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::edi::ControlKind;
using edigate::gateway::store::test::StoreFixture;

TEST_CASE("control numbers are per partner and kind and never reused across reopen",
          "[store][control]") {
  StoreFixture f;
  std::set<std::uint64_t> acme_interchanges;
  {
    auto opened = f.open();
    REQUIRE(opened.ok());
    ControlNumbers numbers(*opened.value());
    for (int i = 0; i < 5; ++i)
      acme_interchanges.insert(numbers.next(ControlKind::interchange, "acme"));
    CHECK(numbers.next(ControlKind::group, "acme") == 1);
    CHECK(numbers.next(ControlKind::interchange, "globex") == 1);
    CHECK(numbers.last_error().ok());
  }
  CHECK(acme_interchanges == std::set<std::uint64_t>{1, 2, 3, 4, 5});
  auto opened = f.open();
  REQUIRE(opened.ok());
  ControlNumbers numbers(*opened.value());
  CHECK(numbers.next(ControlKind::interchange, "acme") == 6);
  CHECK(numbers.next(ControlKind::group, "acme") == 2);
  CHECK(numbers.next(ControlKind::transaction, "acme") == 1);
}

TEST_CASE("a control number allocation failure returns 0 with the reason", "[store][control]") {
  StoreFixture f;
  auto opened = f.open();
  REQUIRE(opened.ok());
  REQUIRE(f.raw_sql("CREATE TRIGGER no_numbers BEFORE INSERT ON control_numbers "
                    "BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  ControlNumbers numbers(*opened.value());
  CHECK(numbers.next(ControlKind::interchange, "acme") == 0);
  CHECK_FALSE(numbers.last_error().ok());
  CHECK_FALSE(numbers.first_error().ok());
}
