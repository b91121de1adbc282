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

TEST_CASE("blobs: a received message commits its small payload with its row and first job",
          "[store][blobs]") {
  BlobsFixture x;
  Blobs blobs(*x.store, *x.spool, 1024);

  NewMessage m;
  m.transport = "https";
  m.partner = "acme";
  m.filename = "order.edi";
  const std::string small = "ISA*00*a small order~";
  auto added = blobs.add_received(m, small, "process");
  REQUIRE(added.ok());
  auto row = x.store->get_message(added.value().message_id);
  REQUIRE(row.ok());
  REQUIRE(row.value());
  CHECK(row.value()->payload_id == sha256_hex(small));
  CHECK(row.value()->size == small.size());
  CHECK(!x.spool->exists(row.value()->payload_id));
  CHECK(x.f.raw_count("blobs") == 1);
  CHECK(blobs.read(row.value()->payload_id).value() == small);
  auto jobs = x.store->list_jobs(added.value().message_id);
  REQUIRE(jobs.ok());
  REQUIRE(jobs.value().size() == 1);
  CHECK(jobs.value()[0].id == added.value().job_id);

  // A large payload is a spool file; the row names it the same way.
  const std::string large(4096, 'y');
  auto big = blobs.add_received(m, large, "process");
  REQUIRE(big.ok());
  CHECK(x.spool->exists(sha256_hex(large)));
  CHECK(x.f.raw_count("blobs") == 1);
  CHECK(blobs.read(x.store->get_message(big.value().message_id).value()->payload_id).value() ==
        large);

  // A duplicate (same partner and AS2 Message-ID) commits nothing, its payload included.
  m.as2_message_id = "<1@acme>";
  REQUIRE(blobs.add_received(m, "first", "process").ok());
  auto again = blobs.add_received(m, "second copy", "process");
  REQUIRE(!again.ok());
  CHECK(again.status().code == StoreErrc::duplicate);
  CHECK(x.f.raw_count("blobs") == 2);
  CHECK(x.f.raw_count("messages") == 3);
}
