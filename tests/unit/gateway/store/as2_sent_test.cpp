#include <catch2/catch.hpp>

#include "store/sqlite_schema.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::as2_message;
using edigate::gateway::store::test::StoreFixture;

namespace {

struct SentFixture : StoreFixture {
  std::unique_ptr<Store> store;
  std::int64_t message_id = 0;

  SentFixture() {
    auto opened = open();
    REQUIRE(opened.ok());
    store = std::move(opened.value());
    auto added = store->add_received_message(as2_message("acme", "<850@acme>"), "");
    REQUIRE(added.ok());
    message_id = added.value().message_id;
  }

  NewSentAs2 ack(const std::string& mic = "bWlj") const {
    NewSentAs2 s;
    s.message_id = message_id;
    s.partner = "acme";
    s.as2_message_id = "<edigate-ack-1@us>";
    s.carries = "ack:1";
    s.mic = mic;
    s.mic_algorithm = "sha-256";
    s.async_mdn = true;
    return s;
  }

  std::string state(std::int64_t id) const {
    auto row = store->get_as2_sent(id);
    REQUIRE(row.ok());
    REQUIRE(row.value());
    return row.value()->state;
  }

  bool move(std::int64_t id, std::string_view to, std::string disposition = "") const {
    SentAs2Change c;
    c.state = to;
    c.disposition = std::move(disposition);
    auto moved = store->update_as2_sent(id, c);
    REQUIRE(moved.ok());
    return moved.value();
  }

  std::int64_t audited(const std::string& action) const {
    return raw_count("audit WHERE action = '" + action + "'");
  }
};

}  // namespace

TEST_CASE("as2_sent: recorded before the POST, then awaiting its MDN until it comes",
          "[store][as2_sent]") {
  SentFixture f;
  auto begun = f.store->begin_as2_send(f.ack());
  REQUIRE(begun.ok());
  const SentAs2& row = begun.value();
  CHECK(row.state == "sending");
  CHECK(row.message_id == f.message_id);
  CHECK(row.carries == "ack:1");
  CHECK(row.sent_at == 0);

  f.clock->store(1700000001000);
  SentAs2Change sent;
  sent.state = as2_sent_state::awaiting_mdn;
  sent.mdn_deadline = 1700000061000;
  auto moved = f.store->update_as2_sent(row.id, sent);
  REQUIRE(moved.ok());
  CHECK(moved.value());
  auto awaiting = f.store->get_as2_sent(row.id);
  REQUIRE(awaiting.ok());
  CHECK(awaiting.value()->state == "sent-awaiting-mdn");
  CHECK(awaiting.value()->sent_at == 1700000001000);
  CHECK(awaiting.value()->mdn_deadline == 1700000061000);
  CHECK(f.audited("as2.sent") == 1);

  f.clock->store(1700000002000);
  SentAs2Change mdn;
  mdn.state = as2_sent_state::mdn_ok;
  mdn.disposition = "automatic-action/MDN-sent-automatically; processed";
  mdn.mdn_spool_id = std::string(64, 'b');
  mdn.mdn_signed = true;
  REQUIRE(f.store->update_as2_sent(row.id, mdn).value());
  auto ok = f.store->find_as2_sent("acme", "<edigate-ack-1@us>");
  REQUIRE(ok.ok());
  REQUIRE(ok.value());
  CHECK(ok.value()->state == "mdn-ok");
  CHECK(ok.value()->mdn_at == 1700000002000);
  CHECK(ok.value()->mdn_spool_id == std::string(64, 'b'));
  CHECK(ok.value()->mdn_signed);
  CHECK(ok.value()->sent_at == 1700000001000);  // not moved by the MDN
  CHECK(f.audited("as2.mdn_received") == 1);
  CHECK(f.store->verify_audit().value().ok);
}

TEST_CASE("as2_sent: a settled message never moves again", "[store][as2_sent]") {
  SentFixture f;
  const std::int64_t id = f.store->begin_as2_send(f.ack()).value().id;
  REQUIRE(f.move(id, as2_sent_state::awaiting_mdn));
  REQUIRE(f.move(id, as2_sent_state::mdn_failed, "processed/error: decryption-failed"));
  // A duplicate MDN, a positive one after it, and the timeout job: nothing is written.
  const std::int64_t audit_before = f.raw_count("audit");
  CHECK_FALSE(f.move(id, as2_sent_state::mdn_failed, "again"));
  CHECK_FALSE(f.move(id, as2_sent_state::mdn_ok));
  CHECK_FALSE(f.move(id, as2_sent_state::mdn_timeout));
  CHECK(f.raw_count("audit") == audit_before);
  auto row = f.store->get_as2_sent(id);
  CHECK(row.value()->state == "mdn-failed");
  CHECK(row.value()->disposition == "processed/error: decryption-failed");
}

TEST_CASE("as2_sent: a timeout, then a late MDN still settles it", "[store][as2_sent]") {
  SentFixture f;
  const std::int64_t id = f.store->begin_as2_send(f.ack()).value().id;
  CHECK_FALSE(f.move(id, as2_sent_state::mdn_timeout));  // not sent yet: nothing to time out
  REQUIRE(f.move(id, as2_sent_state::awaiting_mdn));
  REQUIRE(f.move(id, as2_sent_state::mdn_timeout));
  CHECK(f.audited("as2.mdn_timeout") == 1);
  CHECK(f.state(id) == "mdn-timeout");
  CHECK(f.move(id, as2_sent_state::mdn_ok));
  CHECK(f.state(id) == "mdn-ok");
}

TEST_CASE("as2_sent: an MDN for a POST we counted as failed settles it", "[store][as2_sent]") {
  SentFixture f;
  const std::int64_t id = f.store->begin_as2_send(f.ack()).value().id;
  REQUIRE(f.move(id, as2_sent_state::send_failed));
  CHECK_FALSE(f.move(id, as2_sent_state::mdn_timeout));
  CHECK(f.move(id, as2_sent_state::mdn_ok));
  CHECK(f.state(id) == "mdn-ok");
}

TEST_CASE("as2_sent: an MDN that overtakes the POST's answer is kept", "[store][as2_sent]") {
  SentFixture f;
  const std::int64_t id = f.store->begin_as2_send(f.ack()).value().id;
  REQUIRE(f.move(id, as2_sent_state::mdn_ok));
  // The send job, finishing afterwards, must not put it back to awaiting.
  CHECK_FALSE(f.move(id, as2_sent_state::awaiting_mdn));
  CHECK(f.state(id) == "mdn-ok");
}

TEST_CASE("as2_sent: one that failed or timed out may be sent again, a settled one may not",
          "[store][as2_sent]") {
  SentFixture f;
  auto begun = f.store->begin_as2_send(f.ack());
  REQUIRE(begun.ok());
  const std::int64_t id = begun.value().id;
  CHECK_FALSE(f.move(id, as2_sent_state::sending));  // in flight: nothing to send again
  REQUIRE(f.move(id, as2_sent_state::awaiting_mdn));
  CHECK_FALSE(f.move(id, as2_sent_state::sending));
  REQUIRE(f.move(id, as2_sent_state::mdn_timeout));
  f.clock->store(1700000009000);
  CHECK(f.move(id, as2_sent_state::sending));
  CHECK(f.state(id) == "sending");
  CHECK(f.store->get_as2_sent(id).value()->mdn_at == 0);  // no MDN came with that move
  REQUIRE(f.move(id, as2_sent_state::send_failed));
  CHECK(f.move(id, as2_sent_state::sending));
  REQUIRE(f.move(id, as2_sent_state::mdn_failed, "processed/error: decryption-failed"));
  CHECK(f.move(id, as2_sent_state::sending));
  CHECK(f.audited("as2.resend") == 3);
  REQUIRE(f.move(id, as2_sent_state::mdn_ok, "processed"));
  CHECK_FALSE(f.move(id, as2_sent_state::sending));
  CHECK(f.state(id) == "mdn-ok");
}

TEST_CASE("as2_sent: a retry reuses the row, the MIC is refreshed only while unsettled",
          "[store][as2_sent]") {
  SentFixture f;
  const std::int64_t id = f.store->begin_as2_send(f.ack("Zmlyc3Q=")).value().id;
  REQUIRE(f.move(id, as2_sent_state::send_failed));
  CHECK(f.audited("as2.send_failed") == 1);
  auto again = f.store->begin_as2_send(f.ack("c2Vjb25k"));
  REQUIRE(again.ok());
  CHECK(again.value().id == id);
  CHECK(again.value().state == "sending");
  CHECK(again.value().mic == "c2Vjb25k");
  REQUIRE(f.move(id, as2_sent_state::awaiting_mdn));
  auto settled = f.store->begin_as2_send(f.ack("dGhpcmQ="));
  REQUIRE(settled.ok());
  CHECK(settled.value().state == "sent-awaiting-mdn");
  CHECK(settled.value().mic == "c2Vjb25k");
  CHECK(f.raw_count("as2_sent") == 1);
}

TEST_CASE("as2_sent: the same Message-ID of another partner is another message",
          "[store][as2_sent]") {
  SentFixture f;
  NewSentAs2 other = f.ack();
  other.partner = "globex";
  REQUIRE(f.store->begin_as2_send(f.ack()).ok());
  REQUIRE(f.store->begin_as2_send(other).ok());
  auto none = f.store->find_as2_sent("initech", "<edigate-ack-1@us>");
  REQUIRE(none.ok());
  CHECK_FALSE(none.value());
  SentAs2Filter filter;
  filter.partner = "globex";
  CHECK(f.store->list_as2_sent(filter).value().size() == 1);
  filter = {};
  filter.partner_in = {"globex", "initech"};  // a partner-limited token's
  CHECK(f.store->list_as2_sent(filter).value().size() == 1);
  filter.partner_in = {"initech"};
  CHECK(f.store->list_as2_sent(filter).value().empty());
  filter = {};
  filter.message_id = f.message_id;
  CHECK(f.store->list_as2_sent(filter).value().size() == 2);
  filter.state = "mdn-ok";
  CHECK(f.store->list_as2_sent(filter).value().empty());
  auto missing = f.store->update_as2_sent(9999, {as2_sent_state::mdn_ok, "", "", "", false, 0});
  CHECK(missing.status().code == StoreErrc::not_found);
}

TEST_CASE("as2_sent: a version 2 store is migrated (3 to 9), its data kept", "[store][as2_sent]") {
  StoreFixture f;
  {
    auto opened = f.open();
    REQUIRE(opened.ok());
    REQUIRE(opened.value()->add_received_message(as2_message("acme", "<1@x>"), "").ok());
  }
  // What a store written by the release before as2_sent looks like.
  REQUIRE(f.raw_sql("DROP TABLE as2_sent; DROP INDEX documents_interchange; "
                    "DROP INDEX messages_created; DROP INDEX messages_as2_message_id; "
                    "ALTER TABLE messages DROP COLUMN raw_id; DROP INDEX jobs_document; "
                    "DROP INDEX documents_group; DROP TABLE id_floors; "
                    "DELETE FROM schema_version WHERE version >= 3") == SQLITE_OK);
  auto reopened = f.open();
  REQUIRE(reopened.ok());
  const auto kept = reopened.value()->list_messages({}).value();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].raw_id.empty());
  CHECK(f.raw_count("schema_version WHERE version IN (3, 4, 5, 6, 7, 8, 9)") == 7);
  CHECK(f.raw_count("sqlite_master WHERE type = 'index' AND name IN ('jobs_document', "
                    "'documents_group')") == 2);
  CHECK(f.raw_count("as2_sent") == 0);
  CHECK(f.raw_count("sqlite_master WHERE type = 'index' AND name IN ('documents_interchange', "
                    "'messages_created', 'messages_as2_message_id')") == 3);
  CHECK(sqlite::latest_schema_version() == 9);
}
