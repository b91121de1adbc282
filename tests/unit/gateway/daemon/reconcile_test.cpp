// A partner's acknowledgements reconciled with our outbound documents (daemon/reconcile.hpp),
// on a real store: per-set answers, group and interchange answers that cover every set, a TA1
// that accepts (says nothing) or rejects (takes every set), CONTRL, other partners untouched.
#include "daemon/reconcile.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "../store/store_fixture.hpp"

using namespace edigate::gateway;
using edigate::edi::AckKind;
using edigate::edi::AckReport;
using edigate::edi::AckStatus;
using edigate::edi::GroupAck;
using edigate::edi::InterchangeAck;
using edigate::edi::SetAck;
using edigate::gateway::daemon::reconcile_acks;

namespace {

// An outbound message to `partner` with one document per set control, all in one interchange
// and group.
std::int64_t outbound(store::Store& st, const std::string& partner, const std::string& id,
                      const std::string& interchange, const std::string& group,
                      const std::vector<std::string>& sets) {
  store::NewMessage m = store::test::as2_message(partner, id);
  auto added = st.add_outbound_message(m, "send_out", "admin:erp");
  REQUIRE(added.ok());
  for (std::size_t i = 0; i < sets.size(); ++i) {
    store::NewDocument d;
    d.message_id = added.value().message_id;
    d.set_index = static_cast<int>(i);
    d.type = "ship_notice";
    d.standard = "x12";
    d.transaction = "856";
    d.interchange_control = interchange;
    d.group_control = group;
    d.set_control = sets[i];
    d.status = std::string(store::document_status::awaiting_ack);
    REQUIRE(st.add_document(d).ok());
  }
  return added.value().message_id;
}

std::vector<std::string> statuses(store::Store& st, std::int64_t message) {
  auto docs = st.list_documents(message);
  REQUIRE(docs.ok());
  std::vector<std::string> out;
  for (const store::Document& d : docs.value()) out.push_back(d.status);
  return out;
}

std::string message_status(store::Store& st, std::int64_t message) {
  auto m = st.get_message(message);
  REQUIRE(m.ok());
  REQUIRE(m.value());
  return m.value()->status;
}

SetAck set_ack(const std::string& control, AckStatus status, std::vector<std::string> codes = {}) {
  SetAck s;
  s.id = "856";
  s.control_number = control;
  s.status = status;
  s.codes = std::move(codes);
  return s;
}

GroupAck group_ack(const std::string& control, AckStatus status, std::vector<SetAck> sets = {}) {
  GroupAck g;
  g.origin.kind = AckKind::x997;
  g.functional_id = "SH";
  g.control_number = control;
  g.status = status;
  g.sets = std::move(sets);
  return g;
}

InterchangeAck interchange_ack(AckKind kind, const std::string& control, AckStatus status,
                               std::vector<SetAck> sets = {}) {
  InterchangeAck a;
  a.origin.kind = kind;
  a.control_number = control;
  a.status = status;
  a.note_code = kind == AckKind::ta1 ? "022" : "";
  a.sets = std::move(sets);
  return a;
}

}  // namespace

TEST_CASE("reconcile: a 997 answers each set, the message follows its documents", "[reconcile]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const auto first = outbound(*st, "acme", "<out-1@us>", "000000007", "7", {"0001", "0002"});
  const auto other = outbound(*st, "other", "<out-2@us>", "000000007", "7", {"0001"});
  const auto audits = f.raw_count("audit");

  AckReport report;
  report.groups.push_back(group_ack(
      "7", AckStatus::partially_accepted,
      {set_ack("0001", AckStatus::accepted), set_ack("0002", AckStatus::rejected, {"5"})}));
  REQUIRE(reconcile_acks(*st, "acme", report, 99).ok());
  CHECK(statuses(*st, first) == std::vector<std::string>{"accepted", "rejected"});
  CHECK(message_status(*st, first) == "rejected");
  auto docs = st->list_documents(first);
  REQUIRE(docs.ok());
  CHECK(docs.value()[1].error == "997: rejected (codes 5)");
  // Another partner's documents with the same numbers are not this partner's to answer.
  CHECK(statuses(*st, other) == std::vector<std::string>{"awaiting_ack"});
  CHECK(message_status(*st, other) == "processing");
  CHECK(f.raw_count("audit") == audits + 1);  // outbound.acknowledged, once for the message
  // The ERP's status event for the change is queued with it, for that message only, naming
  // the status it tells of (notify_out:<status>).
  const auto notify_jobs = [&](std::int64_t message) {
    auto jobs = st->list_jobs(message);
    REQUIRE(jobs.ok());
    const std::string kind = "notify_out:" + message_status(*st, message);
    return std::count_if(jobs.value().begin(), jobs.value().end(),
                         [&](const store::Job& j) { return j.kind == kind; });
  };
  CHECK(notify_jobs(first) == 1);
  CHECK(notify_jobs(other) == 0);

  // Run again (a process step redone): the same verdicts, and no second event.
  REQUIRE(reconcile_acks(*st, "acme", report, 99).ok());
  CHECK(statuses(*st, first) == std::vector<std::string>{"accepted", "rejected"});
  CHECK(notify_jobs(first) == 1);
}

TEST_CASE("reconcile: a group answer without set detail covers every set", "[reconcile]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const auto m = outbound(*st, "acme", "<out-1@us>", "000000008", "8", {"0001", "0002"});
  AckReport partial;
  partial.groups.push_back(group_ack("8", AckStatus::partially_accepted));
  REQUIRE(reconcile_acks(*st, "acme", partial, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"awaiting_ack", "awaiting_ack"});
  AckReport accepted;
  accepted.groups.push_back(group_ack("8", AckStatus::accepted));
  REQUIRE(reconcile_acks(*st, "acme", accepted, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"accepted", "accepted"});
  CHECK(message_status(*st, m) == "accepted");
}

TEST_CASE("reconcile: a TA1 that rejects takes every set, one that accepts says nothing",
          "[reconcile]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const auto m = outbound(*st, "acme", "<out-1@us>", "000000009", "9", {"0001", "0002"});
  AckReport accepted;
  accepted.interchanges.push_back(interchange_ack(AckKind::ta1, "000000009", AckStatus::accepted));
  REQUIRE(reconcile_acks(*st, "acme", accepted, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"awaiting_ack", "awaiting_ack"});
  AckReport rejected;
  rejected.interchanges.push_back(interchange_ack(AckKind::ta1, "000000009", AckStatus::rejected));
  REQUIRE(reconcile_acks(*st, "acme", rejected, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"rejected", "rejected"});
  CHECK(message_status(*st, m) == "rejected");
  auto docs = st->list_documents(m);
  REQUIRE(docs.ok());
  CHECK(docs.value()[0].error == "TA1: rejected (note 022)");
}

TEST_CASE("reconcile: CONTRL per message, or for the whole interchange", "[reconcile]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const auto m = outbound(*st, "acme", "<out-1@us>", "101", "", {"1", "2"});
  AckReport received;  // CONTRL 8: received, not yet checked
  received.interchanges.push_back(interchange_ack(AckKind::contrl, "101", AckStatus::received));
  REQUIRE(reconcile_acks(*st, "acme", received, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"awaiting_ack", "awaiting_ack"});
  AckReport one;
  one.interchanges.push_back(
      interchange_ack(AckKind::contrl, "101", AckStatus::received,
                      {set_ack("2", AckStatus::accepted_with_errors, {"12"})}));
  REQUIRE(reconcile_acks(*st, "acme", one, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"awaiting_ack", "accepted_with_errors"});
  CHECK(message_status(*st, m) == "processing");  // not every document answered yet
  AckReport all;
  all.interchanges.push_back(interchange_ack(AckKind::contrl, "101", AckStatus::accepted,
                                             {set_ack("2", AckStatus::accepted_with_errors)}));
  REQUIRE(reconcile_acks(*st, "acme", all, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"accepted", "accepted_with_errors"});
  CHECK(message_status(*st, m) == "accepted");
}

TEST_CASE("reconcile: a CONTRL group (UCF) that rejects outweighs an accepting UCI",
          "[reconcile]") {
  store::test::StoreFixture f;
  auto st = f.open_store();
  const auto m = outbound(*st, "acme", "<out-1@us>", "102", "G1", {"1"});
  AckReport report;
  InterchangeAck uci = interchange_ack(AckKind::contrl, "102", AckStatus::accepted);
  GroupAck ucf = group_ack("G1", AckStatus::rejected);
  ucf.codes = {"18"};
  uci.groups.push_back(ucf);
  report.interchanges.push_back(uci);
  REQUIRE(reconcile_acks(*st, "acme", report, 99).ok());
  CHECK(statuses(*st, m) == std::vector<std::string>{"rejected"});
  auto docs = st->list_documents(m);
  REQUIRE(docs.ok());
  CHECK(docs.value()[0].error == "CONTRL: rejected (codes 18)");
}
