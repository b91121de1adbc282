#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::as2_message;
using edigate::gateway::store::test::StoreFixture;

TEST_CASE("jobs: a job enqueued already claimed, whether any is ready", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  CHECK_FALSE(store.has_ready_job(1000).value());
  // A message with two documents to deliver (no first job: nothing else is queued).
  const std::int64_t message =
      store.add_received_message(as2_message("acme", "<claimed@test>"), {}).value().message_id;
  NewDocument d;
  d.message_id = message;
  d.status = "mapped";
  const std::int64_t first = store.add_document(d).value();
  d.set_index = 1;
  const std::int64_t second = store.add_document(d).value();
  CHECK_FALSE(store.has_ready_job(1000).value());
  const auto claimed = store.enqueue_claimed("deliver:files", {message, first}, "w1", 1000);
  INFO(claimed.status().message);
  REQUIRE(claimed.ok());
  const Job& job = claimed.value();
  CHECK(job.state == JobState::running);
  CHECK(job.attempts == 1);
  CHECK(job.locked_by == "w1");
  CHECK(job.ref.message_id == message);
  CHECK(job.ref.document_id == first);
  // Running, so neither ready nor claimable by another worker; its holder completes it.
  CHECK_FALSE(store.has_ready_job(1000).value());
  CHECK_FALSE(store.claim("w2", 1000).value());
  REQUIRE(store.enqueue("process", {message, std::nullopt}, 2000).ok());
  CHECK_FALSE(store.has_ready_job(1999).value());  // not due yet
  CHECK(store.has_ready_job(2000).value());
  REQUIRE(store.complete(job).ok());
  // Released as stale after a crash, it is ready again like any job.
  const auto other = store.enqueue_claimed("deliver:files", {message, second}, "w1", 3000);
  REQUIRE(other.ok());
  CHECK(store.release_stale(3001).value() == 1);
  std::set<std::int64_t> taken;
  while (auto next = store.claim("w2", 3001).value()) taken.insert(next->id);
  CHECK(taken.contains(other.value().id));
}

TEST_CASE("jobs: a postponed claim is not an attempt", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto id = store.enqueue("notify_out", {}, 1000).value();
  auto first = store.claim("w1", 1000).value();
  REQUIRE(first);
  CHECK(first->attempts == 1);
  REQUIRE(store.postpone(*first, "circuit open", 3000).ok());
  CHECK_FALSE(store.claim("w1", 2999).value());  // it waits as asked
  auto second = store.claim("w2", 3000).value();
  REQUIRE(second);
  CHECK(second->id == id);
  CHECK(second->attempts == 1);  // the postponed claim was taken back
  CHECK(second->last_error == "circuit open");
  CHECK(store.postpone(*first, "stale", 4000).code == StoreErrc::conflict);  // not its holder
  REQUIRE(store.retry(*second, "HTTP 503", 4000).ok());
  auto third = store.claim("w1", 4000).value();
  REQUIRE(third);
  CHECK(third->attempts == 2);  // a real attempt counts
}

TEST_CASE("jobs: release_postponed makes only jobs held for that reason due", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto held = store.enqueue("deliver:erp", {}, 1000).value();
  const auto backing_off = store.enqueue("deliver:erp", {}, 1000).value();
  const auto other_reason = store.enqueue("deliver:erp", {}, 1000).value();
  const auto already_due = store.enqueue("deliver:erp", {}, 1000).value();
  for (int i = 0; i < 4; ++i) {
    auto job = store.claim("w1", 1000).value();
    REQUIRE(job);
    const std::int64_t id = job->id;
    if (id == held) REQUIRE(store.postpone(*job, "circuit open", 60000).ok());
    if (id == backing_off) REQUIRE(store.retry(*job, "HTTP 503", 60000).ok());
    if (id == other_reason) REQUIRE(store.postpone(*job, "waiting", 60000).ok());
    if (id == already_due) REQUIRE(store.postpone(*job, "circuit open", 1500).ok());
  }
  // Only the one held by the breaker and due later than now: the others back off after an
  // attempt, wait for another reason, or are due already.
  CHECK(store.release_postponed("circuit open", 2000, std::nullopt).value() == 1);
  CHECK(store.release_postponed("circuit open", 2000, std::nullopt).value() == 0);
  std::vector<std::int64_t> claimed;
  while (auto job = store.claim("w2", 2000).value()) claimed.push_back(job->id);
  std::sort(claimed.begin(), claimed.end());
  CHECK(claimed == std::vector<std::int64_t>{held, already_due});
}

TEST_CASE("jobs: release_postponed of one job leaves the others held", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto mine = store.enqueue("deliver:erp", {}, 1000).value();
  const auto other = store.enqueue("deliver:erp", {}, 1000).value();
  for (int i = 0; i < 2; ++i) {
    auto job = store.claim("w1", 1000).value();
    REQUIRE(job);
    REQUIRE(store.postpone(*job, "circuit open", 60000).ok());
  }
  CHECK(store.release_postponed("circuit open", 2000, mine).value() == 1);
  CHECK(store.release_postponed("circuit open", 2000, mine).value() == 0);
  auto job = store.claim("w2", 2000).value();
  REQUIRE(job);
  CHECK(job->id == mine);
  CHECK_FALSE(store.claim("w2", 2000).value());
  // The other is still held, and a release of all of them reaches it.
  CHECK(store.release_postponed("circuit open", 2000, std::nullopt).value() == 1);
  job = store.claim("w2", 2000).value();
  REQUIRE(job);
  CHECK(job->id == other);
}

TEST_CASE("jobs: claim, complete, retry and dead", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto a = store.enqueue("parse", {}, 1000).value();
  const auto later = store.enqueue("deliver", {}, 5000).value();

  CHECK_FALSE(store.claim("w1", 999).value());  // nothing due yet
  auto job = store.claim("w1", 1000).value();
  REQUIRE(job);
  CHECK(job->id == a);
  CHECK(job->state == JobState::running);
  CHECK(job->attempts == 1);
  CHECK(job->locked_by == "w1");
  CHECK_FALSE(store.claim("w2", 1000).value());  // the only due job is taken

  REQUIRE(store.retry(*job, "connection refused", 2000).ok());
  CHECK_FALSE(store.claim("w1", 1999).value());
  auto again = store.claim("w2", 2000).value();
  REQUIRE(again);
  CHECK(again->id == a);
  CHECK(again->attempts == 2);
  CHECK(again->last_error == "connection refused");
  // The first worker's handle is stale now.
  CHECK(store.complete(*job).code == StoreErrc::conflict);
  REQUIRE(store.complete(*again).ok());
  CHECK(store.complete(*again).code == StoreErrc::conflict);

  auto deliver = store.claim("w1", 6000).value();
  REQUIRE(deliver);
  CHECK(deliver->id == later);
  CHECK(deliver->kind == "deliver");
  REQUIRE(store.dead(*deliver, "HTTP 400").ok());
  CHECK_FALSE(store.claim("w1", 100000).value());

  auto depth = store.queue_depth().value();
  REQUIRE(depth.size() == 1);
  CHECK(depth[0].kind == "deliver");
  CHECK(depth[0].dead == 1);
  CHECK(depth[0].ready == 0);
}

TEST_CASE("jobs: stale claims are released after a crash", "[store][jobs]") {
  StoreFixture f;
  {
    auto opened = f.open();
    REQUIRE(opened.ok());
    REQUIRE(opened.value()->enqueue("parse", {}, 0).ok());
    REQUIRE(opened.value()->enqueue("parse", {}, 0).ok());
    REQUIRE(opened.value()->claim("crashed", 1000).value());
    REQUIRE(opened.value()->claim("alive", 9000).value());
  }  // the process "dies" holding both
  auto opened = f.open_store();
  Store& store = *opened;
  CHECK(store.queue_depth().value()[0].running == 2);
  CHECK(store.release_stale(5000).value() == 1);
  auto job = store.claim("w", 10000).value();
  REQUIRE(job);
  CHECK(job->attempts == 2);
  CHECK_FALSE(store.claim("w", 10000).value());
}

TEST_CASE("jobs: two threads claiming concurrently take each job once", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  constexpr int kJobs = 200;
  for (int i = 0; i < kJobs; ++i) REQUIRE(store.enqueue("parse", {}, 0).ok());

  std::mutex mu;
  std::multiset<std::int64_t> claimed;
  bool errors = false;
  auto worker = [&](const std::string& name) {
    for (;;) {
      auto job = store.claim(name, 1);
      if (!job.ok()) {
        std::lock_guard lock(mu);
        errors = true;
        return;
      }
      if (!job.value()) return;
      {
        std::lock_guard lock(mu);
        claimed.insert(job.value()->id);
      }
      if (!store.complete(*job.value()).ok()) {
        std::lock_guard lock(mu);
        errors = true;
      }
    }
  };
  std::thread t1(worker, "w1");
  std::thread t2(worker, "w2");
  t1.join();
  t2.join();
  CHECK_FALSE(errors);
  CHECK(claimed.size() == kJobs);
  CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == kJobs);
}

TEST_CASE("jobs: two store connections claiming concurrently take each job once", "[store][jobs]") {
  StoreFixture f;
  auto first = f.open();
  auto second = f.open();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  constexpr int kJobs = 100;
  for (int i = 0; i < kJobs; ++i) REQUIRE(first.value()->enqueue("parse", {}, 0).ok());
  std::mutex mu;
  std::multiset<std::int64_t> claimed;
  std::atomic<int> errors{0};
  auto worker = [&](Store* store, const std::string& name) {
    for (;;) {
      auto job = store->claim(name, 1);
      if (!job.ok()) ++errors;  // a claim that fails (busy) must not pass for "no more jobs"
      if (!job.ok() || !job.value()) return;
      std::lock_guard lock(mu);
      claimed.insert(job.value()->id);
    }
  };
  std::thread t1(worker, first.value().get(), "w1");
  std::thread t2(worker, second.value().get(), "w2");
  t1.join();
  t2.join();
  CHECK(errors == 0);
  CHECK(claimed.size() == kJobs);
  CHECK(std::set<std::int64_t>(claimed.begin(), claimed.end()).size() == kJobs);
}

TEST_CASE("jobs: completing a step and enqueuing the next is atomic", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  REQUIRE(store.enqueue("parse", {}, 0).ok());
  auto job = store.claim("w", 1).value();
  REQUIRE(job);

  // A fault while enqueuing the follow-up leaves the step running (to be retried), not done.
  REQUIRE(f.raw_sql("CREATE TRIGGER fail_next BEFORE INSERT ON jobs "
                    "BEGIN SELECT RAISE(ABORT, 'injected'); END") == SQLITE_OK);
  auto failed = store.complete_and_enqueue(*job, {{"map", {}, 5}, {"ack", {}, 5}});
  REQUIRE_FALSE(failed.ok());
  CHECK(f.raw_count("jobs WHERE state = 'running'") == 1);
  CHECK(f.raw_count("jobs") == 1);

  REQUIRE(f.raw_sql("DROP TRIGGER fail_next") == SQLITE_OK);
  auto next = store.complete_and_enqueue(*job, {{"map", {}, 5}, {"ack", {}, 5}});
  REQUIRE(next.ok());
  CHECK(next.value().size() == 2);
  CHECK(f.raw_count("jobs WHERE state = 'done'") == 1);
  auto map = store.claim("w", 5).value();
  REQUIRE(map);
  CHECK(map->kind == "map");
}

TEST_CASE("jobs: a handle from an earlier claim by the same worker name is stale",
          "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  REQUIRE(store.enqueue("parse", {}, 0).ok());
  auto before_crash = store.claim("worker-1", 1).value();
  REQUIRE(before_crash);
  REQUIRE(store.release_stale(2).value() == 1);
  auto after_restart = store.claim("worker-1", 3).value();
  REQUIRE(after_restart);
  CHECK(store.complete(*before_crash).code == StoreErrc::conflict);
  CHECK(store.complete(*after_restart).ok());
}

TEST_CASE("jobs: migration 8 marks the attempt that ended a dead delivery", "[store][jobs]") {
  StoreFixture f;
  std::int64_t doc = 0;
  {
    auto opened = f.open();
    REQUIRE(opened.ok());
    Store& store = *opened.value();
    const std::int64_t message =
        store.add_received_message(as2_message("acme", "<m8@test>"), {}).value().message_id;
    NewDocument d;
    d.message_id = message;
    d.status = "dead_letter";
    doc = store.add_document(d).value();
    REQUIRE(store.enqueue("deliver:erp", {message, doc}, 0).ok());
    auto job = store.claim("w1", 0).value();
    REQUIRE(job);
    REQUIRE(store.dead(*job, "HTTP 503").ok());
    for (const char* connector : {"erp", "files", "erp"}) {
      DeliveryAttempt a;
      a.document_id = doc;
      a.connector = connector;
      a.attempt = 1;
      a.outcome = DeliveryOutcome::retry;
      REQUIRE(store.add_delivery_attempt(a).ok());
    }
  }
  // As a store of the release before migration 8 left it.
  REQUIRE(f.raw_sql("DROP TABLE id_floors; DELETE FROM schema_version WHERE version >= 8") ==
          SQLITE_OK);
  auto reopened = f.open();
  REQUIRE(reopened.ok());
  std::vector<DeliveryOutcome> outcomes;
  const auto history = reopened.value()->list_deliveries(doc);
  REQUIRE(history.ok());
  for (const DeliveryAttempt& a : history.value()) {
    outcomes.push_back(a.outcome);
  }
  // The dead job's connector: its last attempt; the other connector's (no dead job) stays.
  CHECK(outcomes == std::vector<DeliveryOutcome>{DeliveryOutcome::retry, DeliveryOutcome::retry,
                                                 DeliveryOutcome::dead});
}

TEST_CASE("jobs: release_worker gives back only that worker's running jobs", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const std::int64_t message =
      store.add_received_message(as2_message("acme", "<stuck@test>"), {}).value().message_id;
  const auto mine = store.enqueue_claimed("deliver:files", {message, std::nullopt}, "w1", 1000);
  const auto theirs = store.enqueue_claimed("deliver:erp", {message, std::nullopt}, "w2", 1000);
  REQUIRE(mine.ok());
  REQUIRE(theirs.ok());
  CHECK(store.release_worker("w1").value() == 1);
  CHECK(store.release_worker("w1").value() == 0);  // nothing left under w1
  const auto again = store.claim("w3", 1000).value();
  REQUIRE(again);
  CHECK(again->id == mine.value().id);           // ready again, claimed by another
  CHECK_FALSE(store.claim("w3", 1000).value());  // w2's is still running
}

TEST_CASE("jobs: dead letters are listed at most kMaxListLimit at a time", "[store][jobs]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const Status made = store.batch([&]() -> Status {
    for (std::size_t i = 0; i <= kMaxListLimit; ++i) {
      if (auto id = store.enqueue("deliver:files", {}, 1000); !id.ok()) return id.status();
      auto job = store.claim("w1", 1000);
      if (!job.ok()) return job.status();
      if (!job.value()) return Status::error(StoreErrc::not_found, "nothing to claim");
      if (auto s = store.dead(*job.value(), "gone"); !s.ok()) return s;
    }
    return Status::success();
  });
  INFO(made.message);
  REQUIRE(made.ok());
  // An API caller's ?limit is not trusted to be small: the store caps it.
  const auto all = store.list_dead_jobs("", std::numeric_limits<std::size_t>::max());
  REQUIRE(all.ok());
  CHECK(all.value().size() == kMaxListLimit);
  CHECK(store.list_dead_jobs("deliver:", 5).value().size() == 5);
}
