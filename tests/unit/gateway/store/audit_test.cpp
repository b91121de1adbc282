#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "store/audit_chain.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::StoreFixture;

namespace {

void append_three(Store& store) {
  REQUIRE(store.append_audit({"admin:alice", "config.reloaded", "config", R"({"ok":true})"}).ok());
  REQUIRE(store.append_audit({"as2", "message.received", "message:1", "{}"}).ok());
  REQUIRE(store.append_audit({"admin:bob", "message.resend", "message:1", R"({"n":1})"}).ok());
}

// Tampering as someone with the sqlite3 shell would: drop the guard, then edit.
int tamper(const StoreFixture& f, const std::string& sql) {
  return f.raw_sql("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; " + sql);
}

}  // namespace

TEST_CASE("audit entries form a verifiable hash chain", "[store][audit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  auto empty = store.verify_audit();
  REQUIRE(empty.ok());
  CHECK(empty.value().ok);
  CHECK(empty.value().entries == 0);

  append_three(store);
  auto v = store.verify_audit();
  REQUIRE(v.ok());
  CHECK(v.value().ok);
  CHECK(v.value().entries == 3);
  CHECK(v.value().head_hash.size() == 64);

  CHECK(store.append_audit({"a", "b", "c", "not json"}).status().code == StoreErrc::bad_input);
  CHECK(store.append_audit({"a", "b", "c", std::string(kMaxAuditDetails + 1, ' ')}).status().code ==
        StoreErrc::too_large);
  CHECK(store.verify_audit().value().entries == 3);
}

TEST_CASE("the audit table refuses UPDATE and DELETE through SQL", "[store][audit]") {
  StoreFixture f;
  auto opened = f.open();
  REQUIRE(opened.ok());
  append_three(*opened.value());
  CHECK(f.raw_sql("UPDATE audit SET actor = 'mallory' WHERE seq = 2") != SQLITE_OK);
  CHECK(f.raw_sql("DELETE FROM audit WHERE seq = 2") != SQLITE_OK);
  CHECK(opened.value()->verify_audit().value().ok);
}

TEST_CASE("audit verify finds edits, deletions and reordering behind the triggers' back",
          "[store][audit]") {
  StoreFixture f;
  {
    auto opened = f.open();
    REQUIRE(opened.ok());
    append_three(*opened.value());
  }
  std::int64_t bad_seq = 0;
  SECTION("an edited field") {
    REQUIRE(tamper(f, "UPDATE audit SET actor = 'mallory' WHERE seq = 2") == SQLITE_OK);
    bad_seq = 2;
  }
  SECTION("a replaced hash") {
    REQUIRE(tamper(f, "UPDATE audit SET hash = '" + std::string(64, 'f') + "' WHERE seq = 2") ==
            SQLITE_OK);
    bad_seq = 2;
  }
  SECTION("a replaced prev_hash") {
    REQUIRE(tamper(f, "UPDATE audit SET prev_hash = '" + std::string(64, '0') +
                          "' WHERE seq = 3") == SQLITE_OK);
    bad_seq = 3;
  }
  SECTION("a deleted entry") {
    REQUIRE(tamper(f, "DELETE FROM audit WHERE seq = 2") == SQLITE_OK);
    bad_seq = 3;
  }
  SECTION("swapped entries") {
    REQUIRE(tamper(f,
                   "UPDATE audit SET seq = -1 WHERE seq = 2; "
                   "UPDATE audit SET seq = 2 WHERE seq = 3; "
                   "UPDATE audit SET seq = 3 WHERE seq = -1") == SQLITE_OK);
    bad_seq = 2;
  }
  auto opened = f.open();
  REQUIRE(opened.ok());
  auto v = opened.value()->verify_audit();
  REQUIRE(v.ok());
  CHECK_FALSE(v.value().ok);
  REQUIRE(v.value().first_bad_seq);
  CHECK(*v.value().first_bad_seq == bad_seq);
  CHECK_FALSE(v.value().reason.empty());
}

TEST_CASE("audit export writes JSON lines an auditor can re-hash", "[store][audit]") {
  StoreFixture f;
  auto opened = f.open();
  REQUIRE(opened.ok());
  append_three(*opened.value());
  std::ostringstream out;
  REQUIRE(opened.value()->export_audit(out).ok());
  std::istringstream in(out.str());
  std::string line;
  std::string prev{kAuditGenesisHash};
  int n = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    AuditEntry e;
    e.seq = j.at("seq").get<std::int64_t>();
    e.time = j.at("time").get<std::int64_t>();
    e.actor = j.at("actor").get<std::string>();
    e.action = j.at("action").get<std::string>();
    e.subject = j.at("subject").get<std::string>();
    e.details = j.at("details").get<std::string>();
    e.prev_hash = j.at("prev_hash").get<std::string>();
    e.hash = j.at("hash").get<std::string>();
    CHECK(e.seq == ++n);
    CHECK(e.prev_hash == prev);
    CHECK(audit_hash(e) == e.hash);
    prev = e.hash;
  }
  CHECK(n == 3);
  CHECK(prev == opened.value()->verify_audit().value().head_hash);
}

TEST_CASE("the canonical serialisation is length-prefixed", "[store][audit]") {
  AuditEntry e;
  e.seq = 1;
  e.time = 2;
  e.actor = "a";
  e.action = "b:c";
  e.subject = "";
  e.details = "{}";
  e.prev_hash = "p";
  CHECK(audit_canonical(e) == "edigate-audit-v1\n1:1\n1:2\n1:a\n3:b:c\n0:\n2:{}\n1:p\n");
}

TEST_CASE("audit entries are read back by seq", "[store][audit]") {
  StoreFixture f;
  auto opened = f.open();
  REQUIRE(opened.ok());
  append_three(*opened.value());
  auto second = opened.value()->get_audit(2);
  REQUIRE(second.ok());
  REQUIRE(second.value());
  CHECK(second.value()->action == "message.received");
  CHECK(second.value()->time == 1700000000000);
  CHECK(audit_hash(*second.value()) == second.value()->hash);
  auto missing = opened.value()->get_audit(4);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value());
}
