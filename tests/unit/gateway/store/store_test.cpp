#include <catch2/catch.hpp>

#include "store/sqlite_schema.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::as2_message;
using edigate::gateway::store::test::StoreFixture;

TEST_CASE("migrations: a new store, reopened, keeps its data and schema", "[store]") {
  StoreFixture f;
  {
    auto store = f.open();
    REQUIRE(store.ok());
    REQUIRE(store.value()->add_received_message(as2_message("acme", "<1@x>"), "unwrap").ok());
  }
  {
    auto store = f.open();
    REQUIRE(store.ok());
    auto list = store.value()->list_messages({});
    REQUIRE(list.ok());
    CHECK(list.value().size() == 1);
  }
  // Each migration is recorded once, however often the store is opened.
  CHECK(f.raw_count("schema_version") == sqlite::latest_schema_version());
}

TEST_CASE("migrations: a database from a newer edigate is refused", "[store]") {
  StoreFixture f;
  { REQUIRE(f.open().ok()); }
  REQUIRE(f.raw_sql("INSERT INTO schema_version (version) VALUES (99)") == SQLITE_OK);
  auto store = f.open();
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code == StoreErrc::schema_too_new);
  CHECK_THAT(store.status().message, Catch::Contains("99"));
}

TEST_CASE("opening a missing store without create fails", "[store]") {
  StoreFixture f;
  SqliteOptions options;
  options.create_if_missing = false;
  CHECK_FALSE(open_sqlite_store(f.db_path, options).ok());
}

TEST_CASE("a received message commits with its first job and audit entry", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  auto added = store.add_received_message(as2_message("acme", "<1@x>"), "unwrap");
  REQUIRE(added.ok());
  auto m = store.get_message(added.value().message_id);
  REQUIRE(m.ok());
  REQUIRE(m.value());
  CHECK(m.value()->status == "received");
  CHECK(m.value()->partner == "acme");
  CHECK(m.value()->created_at == 1700000000000);
  auto jobs = store.list_jobs(added.value().message_id);
  REQUIRE(jobs.ok());
  REQUIRE(jobs.value().size() == 1);
  CHECK(jobs.value()[0].kind == "unwrap");
  CHECK(jobs.value()[0].id == added.value().job_id);
  CHECK(f.raw_count("audit") == 1);
}

TEST_CASE("an outbound message commits with its send job and audit entry, once per Message-ID",
          "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  NewMessage m = as2_message("acme", "<edigate-out-1@us>");
  m.payload_id = std::string(64, 'a');
  m.raw_id = std::string(64, 'b');
  auto added = store.add_outbound_message(m, "send_out", "admin:erp");
  REQUIRE(added.ok());
  auto got = store.get_message(added.value().message_id);
  REQUIRE(got.ok());
  REQUIRE(got.value());
  CHECK(got.value()->direction == Direction::outbound);
  CHECK(got.value()->status == "processing");
  CHECK(got.value()->raw_id == std::string(64, 'b'));
  auto jobs = store.list_jobs(added.value().message_id);
  REQUIRE(jobs.ok());
  REQUIRE(jobs.value().size() == 1);
  CHECK(jobs.value()[0].kind == "send_out");
  auto entry = store.get_audit(1);
  REQUIRE(entry.ok());
  REQUIRE(entry.value());
  CHECK(entry.value()->actor == "admin:erp");
  CHECK(entry.value()->action == "message.outbound");
  // The same partner and Message-ID again (a repeated request): refused, nothing added.
  auto again = store.add_outbound_message(m, "send_out", "admin:erp");
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code == StoreErrc::duplicate);
  CHECK(f.raw_count("messages") == 1);
  CHECK(f.raw_count("jobs") == 1);
  // A status changes only from the ones named: a later verdict is not overwritten.
  auto changed =
      store.change_message_status(added.value().message_id, {"processing", "failed"}, "sent", "");
  REQUIRE(changed.ok());
  CHECK(changed.value());
  REQUIRE(store.set_message_status(added.value().message_id, "accepted", "").ok());
  changed =
      store.change_message_status(added.value().message_id, {"processing", "failed"}, "sent", "");
  REQUIRE(changed.ok());
  CHECK_FALSE(changed.value());
  CHECK(store.get_message(added.value().message_id).value()->status == "accepted");
  // An inbound message may carry the same Message-ID: the key includes the direction.
  CHECK(store.add_received_message(as2_message("acme", "<edigate-out-1@us>"), "unwrap").ok());
}

TEST_CASE("a failure inside the receive transaction leaves neither message nor job", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  SECTION("the job insert fails") {
    REQUIRE(f.raw_sql("CREATE TRIGGER fail_job BEFORE INSERT ON jobs "
                      "BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  }
  SECTION("the audit append fails") {
    REQUIRE(f.raw_sql("CREATE TRIGGER fail_audit BEFORE INSERT ON audit "
                      "BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  }
  auto added = store.add_received_message(as2_message("acme", "<1@x>"), "unwrap");
  REQUIRE_FALSE(added.ok());
  CHECK_THAT(added.status().message, Catch::Contains("injected"));
  CHECK(f.raw_count("messages") == 0);
  CHECK(f.raw_count("jobs") == 0);
  CHECK(f.raw_count("audit") == 0);
  // The same message can be received once the fault is gone.
  REQUIRE(f.raw_sql("DROP TRIGGER IF EXISTS fail_job; DROP TRIGGER IF EXISTS fail_audit") ==
          SQLITE_OK);
  CHECK(store.add_received_message(as2_message("acme", "<1@x>"), "unwrap").ok());
}

TEST_CASE("duplicate AS2 messages are found with their stored MDN", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  auto first = store.add_received_message(as2_message("acme", "<1@x>"), "unwrap");
  REQUIRE(first.ok());
  const std::int64_t id = first.value().message_id;

  auto none = store.get_mdn_for("acme", "<1@x>");
  REQUIRE(none.ok());
  CHECK_FALSE(none.value());
  REQUIRE(store
              .store_mdn({id, std::string(64, 'b'),
                          "automatic-action/MDN-sent-automatically; "
                          "processed",
                          true})
              .ok());

  auto again = store.add_received_message(as2_message("acme", "<1@x>"), "unwrap");
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code == StoreErrc::duplicate);

  auto found = store.find_as2_message("acme", "<1@x>");
  REQUIRE(found.ok());
  REQUIRE(found.value());
  CHECK(found.value()->id == id);
  auto mdn = store.get_mdn_for("acme", "<1@x>");
  REQUIRE(mdn.ok());
  REQUIRE(mdn.value());
  CHECK(mdn.value()->spool_id == std::string(64, 'b'));
  CHECK(mdn.value()->signed_mdn);
  CHECK(store.store_mdn({id, std::string(64, 'c'), "x", false}).code == StoreErrc::duplicate);

  // Message-IDs are per partner and case sensitive; messages without one never collide.
  CHECK(store.add_received_message(as2_message("globex", "<1@x>"), "unwrap").ok());
  CHECK(store.add_received_message(as2_message("acme", "<1@X>"), "unwrap").ok());
  CHECK(store.add_received_message(as2_message("acme", ""), "parse").ok());
  CHECK(store.add_received_message(as2_message("acme", ""), "parse").ok());
  auto missing = store.find_as2_message("acme", "<2@x>");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value());
}

TEST_CASE("messages are listed by partner and status", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  for (int i = 0; i < 5; ++i) {
    auto p = i % 2 == 0 ? "acme" : "globex";
    REQUIRE(
        store.add_received_message(as2_message(p, "<" + std::to_string(i) + ">"), "unwrap").ok());
  }
  REQUIRE(store.set_message_status(1, "failed", "bad envelope").ok());
  CHECK(store.set_message_status(99, "failed", "").code == StoreErrc::not_found);
  CHECK(store.list_messages({}).value().size() == 5);
  CHECK(store
            .list_messages([&] {
              MessageFilter q;
              q.partner = "acme";
              return q;
            }())
            .value()
            .size() == 3);
  // One of several partners (a partner-limited admin token's), with the other conditions.
  const auto of_partners = [&](std::vector<std::string> partners, std::string partner) {
    MessageFilter q;
    q.partner_in = std::move(partners);
    q.partner = std::move(partner);
    auto listed = store.list_messages(q);
    REQUIRE(listed.ok());
    return listed.value().size();
  };
  CHECK(of_partners({"acme", "globex"}, "") == 5);
  CHECK(of_partners({"globex"}, "") == 2);
  CHECK(of_partners({"initech"}, "") == 0);
  CHECK(of_partners({"globex"}, "acme") == 0);  // both conditions hold
  CHECK(of_partners({"acme", "it's"}, "acme") == 3);
  auto failed = store
                    .list_messages([&] {
                      MessageFilter q;
                      q.status = "failed";
                      return q;
                    }())
                    .value();
  REQUIRE(failed.size() == 1);
  CHECK(failed[0].error == "bad envelope");
  auto two = store
                 .list_messages([&] {
                   MessageFilter q;
                   q.limit = 2;
                   return q;
                 }())
                 .value();
  REQUIRE(two.size() == 2);
  CHECK(two[0].id == 5);  // newest first
}

TEST_CASE("messages are found by AS2 Message-ID, interchange control number, time and page",
          "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    f.clock->store(1700000000000 + i * 60'000);  // a minute apart
    auto m = store.add_received_message(as2_message("acme", "<m" + std::to_string(i) + "@x>"), "");
    REQUIRE(m.ok());
    ids.push_back(m.value().message_id);
    NewDocument d;
    d.message_id = m.value().message_id;
    d.type = "purchase_order";
    d.standard = "x12";
    d.transaction = "850";
    d.interchange_control = i < 2 ? "000000101" : "000000102";
    d.status = "mapped";
    REQUIRE(store.add_document(d).ok());
  }
  // The ids a search finds, newest first; `set` fills in the filter.
  const auto found = [&](auto set) {
    MessageFilter q;
    set(q);
    auto list = store.list_messages(q);
    std::vector<std::int64_t> out;
    for (const Message& m : list.value()) out.push_back(m.id);
    return out;
  };
  using V = std::vector<std::int64_t>;
  using F = MessageFilter&;
  CHECK(found([](F q) { q.as2_message_id = "<m2@x>"; }) == V{ids[2]});
  CHECK(found([](F q) { q.as2_message_id = "m2@x"; }) == V{ids[2]});  // brackets optional
  CHECK(found([](F q) { q.as2_message_id = "m9@x"; }).empty());
  CHECK(found([](F q) { q.control = "000000101"; }) == V{ids[1], ids[0]});
  CHECK(found([](F q) { q.control = "101"; }).empty());  // as in the EDI, not as a number
  CHECK(found([](F q) { q.since = 1700000060000; }) == V{ids[3], ids[2], ids[1]});
  CHECK(found([](F q) {
          q.since = 1700000060000;
          q.until = 1700000120000;
        }) == V{ids[1]});
  CHECK(found([&](F q) {
          q.before_id = ids[2];
          q.limit = 1;
        }) == V{ids[1]});
  CHECK(found([](F q) {
          q.partner = "acme";
          q.direction = "in";
          q.control = "000000102";
        }) == V{ids[3], ids[2]});
  CHECK(found([](F q) { q.direction = "out"; }).empty());
}

TEST_CASE("documents are one per set and re-adding updates them", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto id =
      store.add_received_message(as2_message("acme", "<1>"), "unwrap").value().message_id;
  NewDocument d;
  d.message_id = id;
  d.set_index = 0;
  d.type = "purchase_order";
  d.standard = "x12";
  d.transaction = "850";
  d.interchange_control = "000000001";
  d.status = "parsed";
  auto doc = store.add_document(d);
  REQUIRE(doc.ok());
  d.set_index = 1;
  REQUIRE(store.add_document(d).ok());
  d.set_index = 0;
  d.status = "mapped";
  auto same = store.add_document(d);
  REQUIRE(same.ok());
  CHECK(same.value() == doc.value());
  REQUIRE(store.set_document_status(doc.value(), "delivered", std::string(64, 'd'), "").ok());
  auto docs = store.list_documents(id);
  REQUIRE(docs.ok());
  REQUIRE(docs.value().size() == 2);
  CHECK(docs.value()[0].status == "delivered");
  CHECK(docs.value()[0].canonical_id == std::string(64, 'd'));
  CHECK(docs.value()[1].set_index == 1);
  // Foreign keys are on: a document for a missing message is refused.
  d.message_id = 999;
  CHECK_FALSE(store.add_document(d).ok());
}

TEST_CASE("interchange control numbers are recorded per partner and sender", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  CHECK(store.record_interchange("acme", "ZZ:ACME", "000000001").value());
  CHECK_FALSE(store.record_interchange("acme", "ZZ:ACME", "000000001").value());
  CHECK(store.record_interchange("acme", "ZZ:ACME", "000000002").value());
  CHECK(store.record_interchange("globex", "ZZ:ACME", "000000001").value());
  // Recorded by message 7: message 7 again (its job run again after a crash) is not a
  // duplicate of itself; message 8 with the same interchange is.
  CHECK(store.record_interchange("acme", "ZZ:ACME", "000000009", 7).value());
  CHECK(store.record_interchange("acme", "ZZ:ACME", "000000009", 7).value());
  CHECK_FALSE(store.record_interchange("acme", "ZZ:ACME", "000000009", 8).value());
}

TEST_CASE("delivery attempts and acknowledgements are kept and audited", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto id =
      store.add_received_message(as2_message("acme", "<1>"), "unwrap").value().message_id;
  NewDocument d;
  d.message_id = id;
  d.status = "mapped";
  const auto doc = store.add_document(d).value();
  CHECK_FALSE(store.was_delivered(doc, "erp").value());
  DeliveryAttempt a;
  a.document_id = doc;
  a.connector = "erp";
  a.attempt = 1;
  a.outcome = DeliveryOutcome::retry;
  a.http_status = 503;
  a.response_excerpt = std::string(kMaxResponseExcerpt * 2, 'r');
  a.idempotency_key = "doc-1";
  REQUIRE(store.add_delivery_attempt(a).ok());
  CHECK_FALSE(store.was_delivered(doc, "erp").value());
  a.attempt = 2;
  a.outcome = DeliveryOutcome::delivered;
  a.http_status = 200;
  a.response_excerpt = "ok";
  REQUIRE(store.add_delivery_attempt(a).ok());
  CHECK(store.was_delivered(doc, "erp").value());
  CHECK_FALSE(store.was_delivered(doc, "other").value());
  auto attempts = store.list_deliveries(doc).value();
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].response_excerpt.size() == kMaxResponseExcerpt);
  CHECK(attempts[1].outcome == DeliveryOutcome::delivered);

  REQUIRE(store.add_ack({id, "997", "0001", std::string(64, 'e'), Direction::outbound}).ok());
  auto acks = store.list_acks(id).value();
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].type == "997");
  CHECK(acks[0].direction == Direction::outbound);
  // Received, two attempts, one ack.
  CHECK(store.verify_audit().value().entries == 4);
}

TEST_CASE("opening without migrating changes nothing and wants the current schema", "[store]") {
  StoreFixture f;
  SqliteOptions no_migrate;
  no_migrate.migrate = false;
  // A foreign SQLite file is refused and left untouched.
  REQUIRE(f.raw_sql("CREATE TABLE other (x)") == SQLITE_OK);
  auto foreign = open_sqlite_store(f.db_path, no_migrate);
  REQUIRE_FALSE(foreign.ok());
  CHECK_THAT(foreign.status().message, Catch::Contains("not an edigate store"));
  CHECK(f.raw_count("sqlite_master WHERE name = 'schema_version'") == 0);
  // Once migrated by the daemon it opens.
  { REQUIRE(f.open().ok()); }
  CHECK(open_sqlite_store(f.db_path, no_migrate).ok());
  // An older schema is not upgraded behind the daemon's back.
  REQUIRE(f.raw_sql("DELETE FROM schema_version") == SQLITE_OK);
  REQUIRE(f.raw_sql("INSERT INTO schema_version (version) VALUES (0)") == SQLITE_OK);
  CHECK_FALSE(open_sqlite_store(f.db_path, no_migrate).ok());
}

TEST_CASE("a batch commits its calls together, or none of them", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  std::int64_t id = 0;
  const Status ok = store.batch([&]() -> Status {
    auto added = store.add_received_message(as2_message("acme", "<b1@x>"), "process");
    if (!added.ok()) return added.status();
    id = added.value().message_id;
    return store.set_message_status(id, "processed", "");
  });
  REQUIRE(ok.ok());
  CHECK(store.get_message(id).value()->status == "processed");
  CHECK(f.raw_count("audit") == 1);

  // A failure after some calls succeeded: everything in the batch is undone.
  const Status failed = store.batch([&]() -> Status {
    auto added = store.add_received_message(as2_message("acme", "<b2@x>"), "process");
    REQUIRE(added.ok());
    return Status::error(StoreErrc::bad_input, "the caller changed its mind");
  });
  CHECK_FALSE(failed.ok());
  CHECK_FALSE(store.find_as2_message("acme", "<b2@x>").value().has_value());
  CHECK(f.raw_count("messages") == 1);
  CHECK(f.raw_count("audit") == 1);

  // A call that fails inside a batch rolls back its own part only.
  const Status partly = store.batch([&]() -> Status {
    auto again = store.add_received_message(as2_message("acme", "<b1@x>"), "process");
    CHECK(again.status().code == StoreErrc::duplicate);
    auto other = store.add_received_message(as2_message("acme", "<b3@x>"), "process");
    return other.ok() ? Status::success() : other.status();
  });
  CHECK(partly.ok());
  CHECK(f.raw_count("messages") == 2);
}

TEST_CASE("after a restore, ids and control numbers continue past the gaps", "[store]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  auto first = store.add_received_message(as2_message("acme", "<1@x>"), "process");
  REQUIRE(first.ok());
  REQUIRE(store.allocate_control_number("acme", "interchange").value() == 1);
  REQUIRE(store.allocate_control_number("acme", "group").value() == 1);
  REQUIRE(store.allocate_control_number("acme", "senders-merged").ok());  // a marker: left alone

  CHECK(store.mark_restored(0, 10, "cli", "{}").status().code == StoreErrc::bad_input);
  CHECK(store.mark_restored(kMaxIdGap + 1, 10, "cli", "{}").status().code == StoreErrc::bad_input);
  CHECK(store.mark_restored(1, kMaxControlGap + 1, "cli", "{}").status().code ==
        StoreErrc::bad_input);
  CHECK(store.integrity_check().ok());
  auto seq = store.mark_restored(1000, 50, "cli", R"({"from":"/backup"})");
  REQUIRE(seq.ok());
  auto entry = store.get_audit(seq.value());
  REQUIRE(entry.ok());
  REQUIRE(entry.value());
  CHECK(entry.value()->action == "store.restored");
  CHECK_THAT(entry.value()->details, Catch::Contains(R"("from":"/backup")"));
  CHECK_THAT(entry.value()->details, Catch::Contains(R"("control_counters_moved":2)"));

  // The next message, job and document ids are past the highest before plus the gap.
  auto second = store.add_received_message(as2_message("acme", "<2@x>"), "process");
  REQUIRE(second.ok());
  CHECK(second.value().message_id == first.value().message_id + 1000 + 1);
  auto jobs = store.list_jobs(second.value().message_id);
  REQUIRE(jobs.ok());
  REQUIRE(jobs.value().size() == 1);
  CHECK(jobs.value()[0].id > 1000);
  NewDocument d;
  d.message_id = second.value().message_id;
  d.status = "mapped";
  auto doc = store.add_document(d);
  REQUIRE(doc.ok());
  CHECK(doc.value() == 1001);  // no document before: the floor is 0 + 1000
  // And on from there, one at a time.
  auto third = store.add_received_message(as2_message("acme", "<3@x>"), "");
  REQUIRE(third.ok());
  CHECK(third.value().message_id == second.value().message_id + 1);
  CHECK(store.allocate_control_number("acme", "interchange").value() == 52);
  CHECK(store.allocate_control_number("acme", "group").value() == 52);
  // A counter the backup did not have may have been begun by the lost store: past the gap too.
  CHECK(store.allocate_control_number("acme", "transaction").value() == 51);
  CHECK(store.allocate_control_number("globex", "interchange").value() == 51);
  CHECK(store.verify_audit().value().ok);

  // A second restore moves both on again.
  REQUIRE(store.mark_restored(1000, 50, "cli", "{}").ok());
  CHECK(store.allocate_control_number("acme", "interchange").value() == 103);
  CHECK(store.allocate_control_number("initech", "group").value() == 101);
}
