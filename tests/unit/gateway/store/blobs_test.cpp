#include "store/blobs.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "store/sha256.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::StoreFixture;

namespace {

// prepare + record on their own, one commit each.
Result<std::string> put(Blobs& blobs, std::string_view bytes) {
  auto pending = blobs.prepare(bytes);
  if (!pending.ok()) return pending.status();
  if (auto s = blobs.record(pending.value()); !s.ok()) return s;
  return pending.value().id;
}

// A store and a spool in one temp directory.
struct BlobsFixture {
  StoreFixture f;
  std::unique_ptr<Store> store;
  std::unique_ptr<Spool> spool;

  BlobsFixture() {
    auto opened = f.open();
    REQUIRE(opened.ok());
    store = std::move(opened.value());
    spool = std::make_unique<Spool>(f.dir.file("spool"));
    REQUIRE(spool->open().ok());
  }
};

}  // namespace

TEST_CASE("blobs: small bytes go in the database, large ones in the spool, read alike",
          "[store][blobs]") {
  BlobsFixture x;
  const StoreFixture& f = x.f;
  Spool& spool = *x.spool;
  Blobs blobs(*x.store, spool, 1024);

  const std::string small = "ISA*00*small acknowledgement~";
  const std::string large(4096, 'x');
  auto s = put(blobs, small);
  auto l = put(blobs, large);
  REQUIRE(s.ok());
  REQUIRE(l.ok());
  CHECK(s.value() == sha256_hex(small));
  CHECK(l.value() == sha256_hex(large));
  CHECK(!spool.exists(s.value()));
  CHECK(spool.exists(l.value()));
  CHECK(f.raw_count("blobs") == 1);
  CHECK(blobs.read(s.value()).value() == small);
  CHECK(blobs.read(l.value()).value() == large);
  // Putting the same bytes again changes nothing.
  REQUIRE(put(blobs, small).ok());
  CHECK(f.raw_count("blobs") == 1);
  // Limits, unknown and malformed ids.
  CHECK(blobs.read(s.value(), 4).status().code == StoreErrc::too_large);
  CHECK(blobs.read(sha256_hex("never stored")).status().code == StoreErrc::not_found);
  CHECK(blobs.read("../etc/passwd").status().code == StoreErrc::bad_input);
}

TEST_CASE("blobs: a blob recorded in a batch that fails is not kept", "[store][blobs]") {
  BlobsFixture x;
  Store& store = *x.store;
  Blobs blobs(store, *x.spool);
  const std::string bytes = "an MDN";
  auto pending = blobs.prepare(bytes);
  REQUIRE(pending.ok());
  const Status failed = store.batch([&]() -> Status {
    if (auto s = blobs.record(pending.value()); !s.ok()) return s;
    return Status::error(StoreErrc::conflict, "the row naming it could not be written");
  });
  CHECK(!failed.ok());
  CHECK(blobs.read(pending.value().id).status().code == StoreErrc::not_found);
}

TEST_CASE("blobs: bytes changed in the database are found out", "[store][blobs]") {
  BlobsFixture x;
  const StoreFixture& f = x.f;
  Blobs blobs(*x.store, *x.spool);
  auto id = put(blobs, "997 as sent");
  REQUIRE(id.ok());
  REQUIRE(f.raw_sql("UPDATE blobs SET bytes = X'00'") == SQLITE_OK);
  CHECK(blobs.read(id.value()).status().code == StoreErrc::corrupt);
}
