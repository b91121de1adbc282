#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/wal_sync.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::as2_message;
using edigate::gateway::store::test::StoreFixture;

TEST_CASE("group commit: writes are on disk when they return, and flushes are shared",
          "[store][group-commit]") {
  StoreFixture f;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::uint64_t flushes = 0;
  {
    auto opened = f.open_store();
    Store& store = *opened;
    // Group commit is on for a file database: the first write flushes once.
    REQUIRE(store.append_audit({"test", "start", "store", "{}"}).ok());
    CHECK(store.flushes() == 1);

    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = "<" + std::to_string(t) + "-" + std::to_string(i) + "@test>";
          if (!store.add_received_message(as2_message("acme", id), "process").ok()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    flushes = store.flushes();
    // Never more flushes than commits; concurrent writers share them (how much depends on
    // the machine, so only "not one each" is checked).
    CHECK(flushes >= 2);
    CHECK(flushes <= 1 + kThreads * kPerThread);
    CHECK(store.sync().ok());
  }
  // Another connection (and so the disk, as far as SQLite is concerned) sees every write.
  CHECK(f.raw_count("messages") == kThreads * kPerThread);
  CHECK(f.raw_count("jobs") == kThreads * kPerThread);
  auto reopened = f.open();
  REQUIRE(reopened.ok());
  CHECK(reopened.value()->verify_audit().value().entries == 1 + kThreads * kPerThread);
  WARN("flushes for " << kThreads * kPerThread << " writes: " << flushes);
}

TEST_CASE("group commit: the pages each commit writes to the WAL are counted",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  REQUIRE(store.append_audit({"test", "start", "store", "{}"}).ok());
  const std::uint64_t before = store.wal_pages();
  CHECK(before >= 1);
  // 40,000 bytes are ten 4 KiB overflow pages at least, plus the rows' own pages.
  REQUIRE(store.put_blob(std::string(64, 'b'), std::string(40000, 'x')).ok());
  const std::uint64_t blob = store.wal_pages() - before;
  CHECK(blob >= 10);
  CHECK(blob <= 20);
  // Counted the same way after the WAL has started over (a restart checkpoint empties it).
  REQUIRE(f.raw_sql("PRAGMA wal_checkpoint(RESTART)") == SQLITE_OK);
  const std::uint64_t restarted = store.wal_pages();
  REQUIRE(store.put_blob(std::string(64, 'c'), std::string(40000, 'y')).ok());
  CHECK(store.wal_pages() - restarted >= 10);
  CHECK(store.wal_pages() - restarted <= 20);
}

TEST_CASE("group commit: off for operator commands, each commit is on disk by itself",
          "[store][group-commit]") {
  StoreFixture f;
  REQUIRE(f.open_store()->append_audit({"test", "created", "store", "{}"}).ok());
  SqliteOptions options;
  options.create_if_missing = false;
  options.group_commit = false;
  auto opened = open_sqlite_store(f.db_path, options);
  REQUIRE(opened.ok());
  Store& store = *opened.value();
  REQUIRE(store.add_received_message(as2_message("acme", "<cli@test>"), "process").ok());
  // Neither shared commits nor shared flushes are counted: there are none.
  CHECK(store.commits() == 0);
  CHECK(store.flushes() == 0);
  CHECK(store.sync().ok());
  CHECK(f.raw_count("messages") == 1);
  CHECK(store.verify_audit().value().entries == 2);
}

TEST_CASE("group commit: a write inside a batch waits with the batch, once",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const std::uint64_t before = store.flushes();
  REQUIRE(store
              .batch([&]() -> Status {
                auto m = store.add_received_message(as2_message("acme", "<b1@test>"), "process");
                if (!m.ok()) return m.status();
                return store.set_message_status(m.value().message_id, "processing", "");
              })
              .ok());
  CHECK(store.flushes() == before + 1);
  // A write that fails commits nothing and waits for nothing.
  CHECK(store.add_received_message(as2_message("acme", "<b1@test>"), "process").status().code ==
        StoreErrc::duplicate);
  CHECK(store.flushes() == before + 1);
}

TEST_CASE("group commit: a redoable batch waits for the commits before it, not its own",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  // A redoable batch adding one message; `fail` makes it give up after adding it.
  const auto add = [&](const std::string& id, bool fail = false) {
    return store.batch_redoable([&]() -> Status {
      auto m = store.add_received_message(as2_message("acme", id), "process");
      if (!m.ok() || !fail) return m.status();
      return Status::error(StoreErrc::bad_input, "gives up");
    });
  };
  REQUIRE(store.add_received_message(as2_message("acme", "<r0@test>"), "process").ok());
  const std::uint64_t flushed = store.flushes();
  const std::uint64_t committed = store.commits();
  // Everything before it is on disk already: it commits and returns without a flush.
  REQUIRE(add("<r1@test>").ok());
  CHECK(store.commits() == committed + 1);
  CHECK(store.flushes() == flushed);
  // The next one waits for that commit: one flush, and it covers the one before.
  REQUIRE(add("<r2@test>").ok());
  CHECK(store.flushes() == flushed + 1);
  // That flush took everything written by then, the waiting batch's own commit too: a third
  // returns without one, and sync() flushes it.
  REQUIRE(add("<r3@test>").ok());
  CHECK(store.flushes() == flushed + 1);
  REQUIRE(store.sync().ok());
  CHECK(store.flushes() == flushed + 2);
  // One that fails keeps nothing.
  CHECK(add("<r4@test>", true).code == StoreErrc::bad_input);
  CHECK(f.raw_count("messages") == 4);
}

TEST_CASE(
    "group commit: writes queued meanwhile share one transaction, a failing one is rolled "
    "back alone",
    "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  REQUIRE(store.add_received_message(as2_message("acme", "<first@test>"), "process").ok());
  const std::uint64_t commits_before = store.commits();

  // A batch holds the store until the other writers are queued behind it; they then run in the
  // combined transactions that follow (at most a few, however the threads were scheduled).
  constexpr int kWriters = 6;
  std::atomic<int> started{0};
  std::vector<std::thread> writers;
  std::atomic<int> added{0};
  Status duplicate;
  Status failed_batch;
  Status held;
  std::atomic<bool> holding{false};
  std::thread holder([&] {
    held = store.batch([&]() -> Status {
      holding = true;
      while (started < kWriters + 2) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return store.append_audit({"test", "held", "store", "{}"}).status();
    });
  });
  while (!holding) std::this_thread::yield();  // the others start once the holder holds
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      ++started;
      const std::string id = "<w" + std::to_string(i) + "@test>";
      if (store.add_received_message(as2_message("acme", id), "process").ok()) ++added;
    });
  }
  writers.emplace_back([&] {
    ++started;
    duplicate = store.add_received_message(as2_message("acme", "<first@test>"), "process").status();
  });
  writers.emplace_back([&] {
    ++started;
    // Its first write succeeds inside it, then it fails: neither may be kept.
    failed_batch = store.batch([&]() -> Status {
      auto m = store.add_received_message(as2_message("acme", "<rolled-back@test>"), "process");
      if (!m.ok()) return m.status();
      return Status::error(StoreErrc::bad_input, "the batch gives up");
    });
  });
  holder.join();
  for (auto& t : writers) t.join();

  CHECK(held.ok());
  CHECK(added == kWriters);
  CHECK(duplicate.code == StoreErrc::duplicate);
  CHECK(failed_batch.code == StoreErrc::bad_input);
  // The holder's commit plus the others in fewer commits than writes (they were all queued).
  const std::uint64_t commits = store.commits() - commits_before;
  CHECK(commits >= 2);
  CHECK(commits <= 1 + (kWriters + 2) / 2);
  WARN("commits for " << kWriters + 3 << " writes: " << commits);
  REQUIRE(store.sync().ok());
  CHECK(f.raw_count("messages") == 1 + kWriters);
  CHECK(store.find_as2_message("acme", "<rolled-back@test>").value() == std::nullopt);
  CHECK(store.verify_audit().value().ok);
}

TEST_CASE("group commit: the WAL is copied into the database file by the background checkpointer",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const auto db_size = [&] { return std::filesystem::file_size(f.db_path); };
  const auto before = db_size();
  // Well over the 1000-page threshold (4 KiB pages) of small commits.
  const std::string bytes(3000, 'x');
  for (int i = 0; i < 1500; ++i) {
    char id[65];
    std::snprintf(id, sizeof id, "%064x", i);
    REQUIRE(store.put_blob(id, bytes).ok());
  }
  // The checkpoint runs on its own thread: wait for the database file to grow.
  for (int i = 0; i < 100 && db_size() < before + 1000 * 4096; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(db_size() >= before + 1000 * 4096);
  CHECK(f.raw_count("blobs") == 1500);
}

TEST_CASE(
    "group commit: a checkpoint is asked for once per 1000 pages the WAL grows, not per commit",
    "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const std::uint64_t pages_before = store.wal_pages();
  // Small commits (a page or three each) that take the WAL past 1000 pages, then well on,
  // short of the 4000 where a restart checkpoint is asked for.
  const std::string bytes(3000, 'x');
  for (int i = 0; i < 600; ++i) {
    char id[65];
    std::snprintf(id, sizeof id, "%064x", i);
    REQUIRE(store.put_blob(id, bytes).ok());
  }
  const std::uint64_t pages = store.wal_pages() - pages_before;
  INFO("WAL pages written: " << pages);
  REQUIRE(pages > 1000);
  REQUIRE(pages < 4000);
  for (int i = 0; i < 100 && store.checkpoints() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Asked for at 1000, 2000 and 3000 pages: never more often (each costs two fsyncs), and
  // each copies a page the commits between wrote again and again (a table's last page, an
  // index's) once.
  CHECK(store.checkpoints() >= 1);
  CHECK(store.checkpoints() <= pages / 1000);
}

TEST_CASE("group commit: the WAL stays bounded under writes that never pause",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  const std::string wal = f.db_path + "-wal";
  const auto wal_size = [&] {
    std::error_code ec;
    const auto n = std::filesystem::file_size(wal, ec);
    return ec ? std::uintmax_t{0} : n;
  };
  // 96 MB through the WAL from two writers back to back: a passive checkpoint alone never
  // catches up with them, so without a stronger one the WAL would grow by all of it.
  const std::string bytes(16 * 1024, 'x');
  constexpr int kPerWriter = 3000;
  std::atomic<std::uintmax_t> largest{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        char id[65];
        std::snprintf(id, sizeof id, "%032x%032x", w, i);
        REQUIRE(store.put_blob(id, bytes).ok());
        std::uintmax_t seen = wal_size();
        std::uintmax_t was = largest.load();
        while (seen > was && !largest.compare_exchange_weak(was, seen)) {
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  CHECK(f.raw_count("blobs") == 2 * kPerWriter);
  INFO("largest WAL: " << largest.load() << " bytes");
  // The restart threshold is ~16 MB (4000 pages); without it this reached 44 MB.
  CHECK(largest.load() < 32U * 1024U * 1024U);
}

TEST_CASE("group commit: after a failed flush every write fails and health() says why",
          "[store][group-commit]") {
  StoreFixture f;
  auto opened = f.open_store();
  Store& store = *opened;
  REQUIRE(store.append_audit({"test", "start", "store", "{}"}).ok());
  CHECK(store.health().ok());
  // The WAL file swapped for a directory under its name: the next flush cannot open it. (A
  // disk that fails fdatasync would do the same, and cannot be made to on purpose.)
  const std::string wal = f.db_path + "-wal";
  REQUIRE(std::filesystem::remove(wal));
  REQUIRE(std::filesystem::create_directory(wal));
  CHECK_FALSE(store.append_audit({"test", "lost?", "store", "{}"}).ok());
  const Status health = store.health();
  CHECK_FALSE(health.ok());
  CHECK_THAT(health.message, Catch::Contains("restart the daemon"));
  // Final: a write after it fails too, even with the WAL file back.
  std::filesystem::remove(wal);
  CHECK_FALSE(store.append_audit({"test", "after", "store", "{}"}).ok());
  CHECK_FALSE(store.health().ok());
}

namespace {

// How many of this process's descriptors are open on `path` as it is now, and on a file that
// stood there and was removed.
std::pair<int, int> descriptors_on(const std::filesystem::path& path) {
  int current = 0;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (target == path.string()) ++current;
    if (target == path.string() + " (deleted)") ++removed;
  }
  return {current, removed};
}

}  // namespace

TEST_CASE("group commit: a WAL file removed and made again is the one flushed",
          "[store][group-commit]") {
  edigate::gateway::store::test::TempDir dir;
  const std::filesystem::path wal = dir.path() / "store.db-wal";
  std::FILE* f = std::fopen(wal.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  WalSync sync(wal.string());
  REQUIRE(sync.wait_durable(sync.committed()).ok());
  CHECK(descriptors_on(wal) == std::pair{1, 0});
  // Another process closing the last connection removes the WAL; a later one makes it again.
  std::filesystem::remove(wal);
  f = std::fopen(wal.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  REQUIRE(sync.wait_durable(sync.committed()).ok());
  CHECK(descriptors_on(wal) == std::pair{1, 0});  // the old one closed, the new one open
  REQUIRE(sync.wait_durable(sync.committed()).ok());
  CHECK(descriptors_on(wal) == std::pair{1, 0});  // kept while it stays
  CHECK(sync.flushes() == 3);
  // Removed and not made again: nothing was committed through it, nothing to flush.
  std::filesystem::remove(wal);
  CHECK(sync.wait_durable(sync.committed()).ok());
}
