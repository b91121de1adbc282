#include <catch2/catch.hpp>
#include <filesystem>

#include "store/store_lock.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::StoreFixture;

// flock locks belong to an open file description, so two StoreUsers in one process contend as
// two processes would.
TEST_CASE("store users: many share, a restore is alone", "[store]") {
  StoreFixture f;
  StoreUsers a;
  StoreUsers b;
  CHECK(a.share(f.db_path).empty());
  CHECK(b.share(f.db_path).empty());
  CHECK(std::filesystem::exists(f.db_path + ".users"));

  StoreUsers restore;
  CHECK_THAT(restore.take_alone(f.db_path), Catch::Contains("has the store"));
  a = StoreUsers();
  CHECK_THAT(restore.take_alone(f.db_path), Catch::Contains("has the store"));
  b = StoreUsers();
  REQUIRE(restore.take_alone(f.db_path).empty());

  StoreUsers late;
  CHECK_THAT(late.share(f.db_path), Catch::Contains("a restore into the store"));
  {
    StoreUsers moved(std::move(restore));  // the lock goes with the move and ends with `moved`
    CHECK_THAT(late.share(f.db_path), Catch::Contains("is under way"));
  }
  CHECK(late.share(f.db_path).empty());
}

TEST_CASE("store users: an open store holds its share until closed", "[store]") {
  StoreFixture f;
  {
    auto store = f.open_store();
    StoreUsers restore;
    CHECK_THAT(restore.take_alone(f.db_path), Catch::Contains("has the store"));
    auto second = f.open();  // another opener shares
    CHECK(second.ok());
  }
  StoreUsers restore;
  REQUIRE(restore.take_alone(f.db_path).empty());
  auto refused = f.open();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code == StoreErrc::conflict);
  CHECK_THAT(refused.status().message, Catch::Contains("edigate store restore"));

  // The restore's own open of a copy takes no share.
  SqliteOptions options;
  options.share_lock = false;
  CHECK(open_sqlite_store(f.db_path, options).ok());
}
