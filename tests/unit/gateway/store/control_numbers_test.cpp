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

TEST_CASE("a keyed allocator draws every number under its key", "[store][control]") {
  StoreFixture f;
  auto store = f.open_store();
  ControlNumbers acks(*store, "retailer");
  ControlNumbers outbound(*store, "retailer");
  // The EDI code asks by the received sender id and by the mapping's id: one sequence.
  CHECK(acks.next(ControlKind::interchange, "6111470100") == 1);
  CHECK(outbound.next(ControlKind::interchange, "retailer-maps") == 2);
  CHECK(acks.next(ControlKind::interchange, "6111470100") == 3);
  ControlNumbers unkeyed(*store);
  CHECK(unkeyed.next(ControlKind::interchange, "6111470100") == 1);
}

TEST_CASE("merged control numbers start above every number of the keys merged in",
          "[store][control]") {
  StoreFixture f;
  auto store = f.open_store();
  ControlNumbers numbers(*store);
  for (int i = 0; i < 7; ++i) numbers.next(ControlKind::interchange, "6111470100");  // acks
  for (int i = 0; i < 3; ++i) numbers.next(ControlKind::interchange, "retailer");    // outbound
  for (int i = 0; i < 4; ++i) numbers.next(ControlKind::group, "retailer");
  numbers.next(ControlKind::transaction, "someone-else");
  REQUIRE(store->merge_control_numbers("retailer", {"6111470100", "retailer"}).ok());
  REQUIRE(store->merge_control_numbers("retailer", {"6111470100", "retailer"}).ok());
  ControlNumbers keyed(*store, "retailer");
  CHECK(keyed.next(ControlKind::interchange, "x") == 8);  // above the acks' 7
  CHECK(keyed.next(ControlKind::group, "x") == 5);        // its own 4 kept
  CHECK(keyed.next(ControlKind::transaction, "x") == 1);  // nothing merged in
  // Never lowers: merging keys with smaller counters changes nothing.
  REQUIRE(store->merge_control_numbers("retailer", {"someone-else", "nobody"}).ok());
  CHECK(keyed.next(ControlKind::interchange, "x") == 9);
  // A partner with no counters of its own gets the legacy ones.
  REQUIRE(store->merge_control_numbers("new-partner", {"6111470100"}).ok());
  CHECK(numbers.next(ControlKind::interchange, "new-partner") == 8);
}

TEST_CASE("merged control numbers also start above those of every sender seen from the partner",
          "[store][control]") {
  StoreFixture f;
  auto store = f.open_store();
  ControlNumbers numbers(*store);
  // Acknowledgements once numbered under a second ISA06 id the partner sent with.
  for (int i = 0; i < 9; ++i) numbers.next(ControlKind::interchange, "SECONDID");
  REQUIRE(store->record_interchange("retailer", "ZZ:SECONDID", "000000042").ok());
  REQUIRE(store->merge_control_numbers("retailer", {"6111470100"}).ok());
  ControlNumbers keyed(*store, "retailer");
  CHECK(keyed.next(ControlKind::interchange, "x") == 10);
}
