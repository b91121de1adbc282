// Dead letters put back to work (daemon/jobs.hpp: revivable, retry_dead_jobs) on a real store:
// which kinds are revived, an acknowledgement only when no AS2 message carries it, a document
// leaving dead_letter, the audit entry, and the refusals.
#include <catch2/catch.hpp>

#include "../store/store_fixture.hpp"
#include "daemon/jobs.hpp"

using namespace edigate::gateway;
using edigate::gateway::daemon::retry_dead_jobs;
using edigate::gateway::daemon::revivable;

namespace {

// Enqueues a job of `kind` for `ref` and makes it dead; returns its id.
std::int64_t dead_job(store::Store& st, const std::string& kind, const store::JobRef& ref) {
  auto id = st.enqueue(kind, ref, 0);
  REQUIRE(id.ok());
  for (;;) {  // claim until this one comes (the others go back)
    auto job = st.claim("w", 0);
    REQUIRE(job.ok());
    REQUIRE(job.value());
    if (job.value()->id == id.value()) {
      REQUIRE(st.dead(*job.value(), "refused").ok());
      return id.value();
    }
    REQUIRE(st.retry(*job.value(), "", 0).ok());
  }
}

std::string state_of(store::Store& st, std::int64_t job) {
  auto j = st.get_job(job);
  REQUIRE(j.ok());
  REQUIRE(j.value());
  return std::string(store::to_string(j.value()->state));
}

}  // namespace

TEST_CASE("dead letters: deliveries and SFTP acknowledgements revived, AS2 sends not",
          "[daemon][dead_letters]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const std::int64_t message =
      st->add_received_message(store::test::as2_message("acme", "<dl@test>"), {})
          .value()
          .message_id;
  store::NewDocument d;
  d.message_id = message;
  d.status = "dead_letter";
  const std::int64_t first = st->add_document(d).value();
  d.set_index = 1;
  const std::int64_t second = st->add_document(d).value();
  // The second document is dead for two connectors; one is revived.
  const auto erp = dead_job(*st, "deliver:erp", {message, first});
  const auto erp2 = dead_job(*st, "deliver:erp", {message, second});
  const auto archive = dead_job(*st, "deliver:archive", {message, second});
  const auto out = dead_job(*st, "send_out", {message, std::nullopt});
  const auto as2_ack = dead_job(*st, "send_ack:1", {message, std::nullopt});
  const auto sftp_ack = dead_job(*st, "send_ack:2", {message, std::nullopt});
  store::NewSentAs2 sent;
  sent.message_id = message;
  sent.partner = "acme";
  sent.as2_message_id = "<ack-1@us>";
  sent.carries = "ack:1";
  sent.mic = "bWlj";
  sent.mic_algorithm = "sha-256";
  REQUIRE(st->begin_as2_send(sent).ok());

  const auto can = [&](std::int64_t id) {
    auto job = st->get_job(id);
    REQUIRE(job.ok());
    auto r = revivable(*st, *job.value());
    REQUIRE(r.ok());
    return r.value();
  };
  CHECK(can(erp));
  CHECK_FALSE(can(out));
  CHECK_FALSE(can(as2_ack));  // its as2_sent row is what a resend moves back
  CHECK(can(sftp_ack));

  SECTION("one by id") {
    auto revived = retry_dead_jobs(*st, erp, "", "admin:ops");
    REQUIRE(revived.ok());
    CHECK(revived.value() == std::vector<std::int64_t>{erp});
    CHECK(state_of(*st, erp) == "ready");
    CHECK(st->get_job(erp).value()->attempts == 0);
    CHECK(st->list_documents(message).value()[0].status == "mapped");
    CHECK(retry_dead_jobs(*st, erp, "", "admin:ops").status().code ==
          store::StoreErrc::conflict);  // not dead any more
    CHECK(retry_dead_jobs(*st, out, "", "admin:ops").status().code ==
          store::StoreErrc::conflict);  // resent through its own resend
    CHECK(retry_dead_jobs(*st, 99999, "", "admin:ops").status().code ==
          store::StoreErrc::not_found);
  }
  SECTION("every revivable one of a kind, or all") {
    auto archived = retry_dead_jobs(*st, std::nullopt, "deliver:archive", "cli");
    REQUIRE(archived.ok());
    CHECK(archived.value() == std::vector<std::int64_t>{archive});
    // The second document keeps dead_letter: its ERP delivery is still dead.
    CHECK(st->list_documents(message).value()[1].status == "dead_letter");
    const auto audits = f.raw_count("audit WHERE action = 'job.retry'");
    auto all = retry_dead_jobs(*st, std::nullopt, "", "cli");
    REQUIRE(all.ok());
    std::vector<std::int64_t> ids = all.value();
    std::sort(ids.begin(), ids.end());
    CHECK(ids == std::vector<std::int64_t>{erp, erp2, sftp_ack});
    CHECK(st->list_documents(message).value()[1].status == "mapped");
    CHECK(state_of(*st, out) == "dead");
    CHECK(state_of(*st, as2_ack) == "dead");
    CHECK(f.raw_count("audit WHERE action = 'job.retry'") == audits + 1);  // one for the lot
    auto none = retry_dead_jobs(*st, std::nullopt, "", "cli");
    REQUIRE(none.ok());
    CHECK(none.value().empty());
  }
}
