#include "connectors/file_connector.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using namespace edigate::gateway::connectors;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "edigate-fc-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Delivery doc(std::string id, std::string json) {
  Delivery d;
  d.document_id = std::move(id);
  d.idempotency_key = d.document_id;
  d.json = std::move(json);
  d.document_type = "850";
  d.partner = "acme";
  return d;
}

// Fails one chosen operation with a chosen errno; everything else goes to the real disk.
class FaultyFileSystem final : public FileSystem {
 public:
  enum class Op { write, rename, sync, mkdir };
  FaultyFileSystem(Op op, int err) : op_(op), err_(err) {}
  int write_synced(const std::string& path, std::string_view data, mode_t mode) override {
    if (op_ == Op::write) return err_;
    return posix_file_system().write_synced(path, data, mode);
  }
  int rename(const std::string& from, const std::string& to) override {
    if (op_ == Op::rename) return err_;
    return posix_file_system().rename(from, to);
  }
  int sync_directory(const std::string& dir) override {
    if (op_ == Op::sync) return err_;
    return posix_file_system().sync_directory(dir);
  }
  int make_directories(const std::string& dir, mode_t mode, std::string& at) override {
    if (op_ == Op::mkdir) {
      at = dir;
      return err_;
    }
    return posix_file_system().make_directories(dir, mode, at);
  }
  void remove(const std::string& path) override { posix_file_system().remove(path); }

 private:
  Op op_;
  int err_;
};

std::size_t entries(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), {}));
}

}  // namespace

TEST_CASE("file connector writes one JSON file per document", "[connectors]") {
  TempDir dir;
  FileConnector fc({.name = "drop", .directory = dir.path.string()});
  CHECK(fc.name() == "drop");
  const DeliveryResult r = fc.deliver(doc("PO-1.850_a", R"({"po":"1"})"));
  CHECK(r.outcome == DeliveryResult::delivered);
  CHECK(r.error.empty());
  CHECK(slurp(dir.path / "PO-1.850_a.json") == R"({"po":"1"})");
  CHECK(entries(dir.path) == 1);  // no temp file left behind
  // 0640 minus the umask: never readable by others.
  CHECK((fs::status(dir.path / "PO-1.850_a.json").permissions() & fs::perms::others_all) ==
        fs::perms::none);
}

TEST_CASE("file connector makes its missing directory, and missing parents, then delivers",
          "[connectors]") {
  TempDir dir;
  const fs::path drop = dir.path / "erp" / "inbound";
  FileConnector fc({.directory = drop.string(), .write_raw_edi = true});
  Delivery d = doc("d1", R"({"po":"1"})");
  d.raw_edi = "ISA*00*...~";
  const DeliveryResult r = fc.deliver(d);
  CHECK(r.outcome == DeliveryResult::delivered);
  CHECK(r.error.empty());
  CHECK(slurp(drop / "d1.json") == R"({"po":"1"})");
  CHECK(slurp(drop / "d1.edi") == "ISA*00*...~");
  // 0750 minus the umask, the parent made on the way too: nothing for others.
  for (const fs::path& made : {drop, drop.parent_path()}) {
    INFO(made.string());
    REQUIRE(fs::is_directory(made));
    CHECK((fs::status(made).permissions() & fs::perms::others_all) == fs::perms::none);
  }
  // A directory that exists is used as it is.
  CHECK(fc.deliver(doc("d2", "{}")).outcome == DeliveryResult::delivered);
  CHECK(entries(drop) == 3);
}

TEST_CASE("file connector says which part of its directory's path could not be made",
          "[connectors]") {
  TempDir dir;
  { std::ofstream(dir.path / "afile") << "not a directory"; }
  const fs::path drop = dir.path / "afile" / "erp" / "inbound";
  FileConnector fc({.directory = drop.string()});
  const DeliveryResult r = fc.deliver(doc("d1", "{}"));
  CHECK(r.outcome == DeliveryResult::retry);
  CHECK(r.error == "create directory " + drop.string() + ": at " + (dir.path / "afile").string() +
                       ": Not a directory");
}

TEST_CASE("file connector with create-dir false: a missing directory is retried, not made",
          "[connectors]") {
  TempDir dir;
  const fs::path drop = dir.path / "share" / "inbound";  // a share not mounted yet
  FileConnector fc({.directory = drop.string(), .create_directory = false});
  const DeliveryResult r = fc.deliver(doc("d1", "{}"));
  CHECK(r.outcome == DeliveryResult::retry);
  CHECK(r.error == "directory " + drop.string() +
                       " is missing (create-dir=\"false\": make it, or mount the file system it "
                       "is on)");
  CHECK_FALSE(fs::exists(drop.parent_path()));
  fs::create_directories(drop);  // mounted
  CHECK(fc.deliver(doc("d1", "{}")).outcome == DeliveryResult::delivered);
  CHECK(entries(drop) == 1);
}

TEST_CASE("file connector re-delivery overwrites the same file", "[connectors]") {
  TempDir dir;
  FileConnector fc({.directory = dir.path.string()});
  REQUIRE(fc.deliver(doc("d1", "first")).outcome == DeliveryResult::delivered);
  REQUIRE(fc.deliver(doc("d1", "second, longer")).outcome == DeliveryResult::delivered);
  CHECK(slurp(dir.path / "d1.json") == "second, longer");
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("file connector writes the raw EDI beside the JSON when asked", "[connectors]") {
  TempDir dir;
  FileConnector with({.directory = dir.path.string(), .write_raw_edi = true});
  Delivery d = doc("d2", "{}");
  d.raw_edi = "ISA*00*...~";
  REQUIRE(with.deliver(d).outcome == DeliveryResult::delivered);
  CHECK(slurp(dir.path / "d2.edi") == "ISA*00*...~");
  FileConnector without({.directory = dir.path.string()});
  REQUIRE(without.deliver(doc("d3", "{}")).outcome == DeliveryResult::delivered);
  CHECK_FALSE(fs::exists(dir.path / "d3.edi"));
}

TEST_CASE("file connector refuses unsafe document ids", "[connectors]") {
  TempDir dir;
  FileConnector fc({.directory = dir.path.string()});
  for (const char* bad : {"", "../etc/passwd", "a/b", ".hidden", "..", "a b", "x\ny", "ü"}) {
    INFO(bad);
    const DeliveryResult r = fc.deliver(doc(bad, "{}"));
    CHECK(r.outcome == DeliveryResult::dead);
    CHECK_FALSE(r.error.empty());
  }
  CHECK_FALSE(is_safe_document_id(std::string(kMaxDocumentIdLength + 1, 'a')));
  CHECK(is_safe_document_id(std::string(kMaxDocumentIdLength, 'a')));
  CHECK(entries(dir.path) == 0);
}

TEST_CASE("file connector I/O failures are retried with the error text", "[connectors]") {
  TempDir dir;
  SECTION("a directory that cannot be made (a file in its path)") {
    std::ofstream(dir.path / "file") << "x";
    FileConnector fc({.directory = (dir.path / "file" / "drop").string()});
    const DeliveryResult r = fc.deliver(doc("d", "{}"));
    CHECK(r.outcome == DeliveryResult::retry);
    CHECK_THAT(r.error, Catch::Contains("create directory") && Catch::Contains("Not a directory"));
  }
  SECTION("a directory that cannot be made (permission denied)") {
    FaultyFileSystem faulty(FaultyFileSystem::Op::mkdir, EACCES);
    FileConnector fc({.directory = (dir.path / "nope").string()}, faulty);
    const DeliveryResult r = fc.deliver(doc("d", "{}"));
    CHECK(r.outcome == DeliveryResult::retry);
    CHECK_THAT(r.error,
               Catch::Contains("create directory") && Catch::Contains("Permission denied"));
  }
  SECTION("disk full while writing") {
    FaultyFileSystem faulty(FaultyFileSystem::Op::write, ENOSPC);
    FileConnector fc({.directory = dir.path.string()}, faulty);
    const DeliveryResult r = fc.deliver(doc("d", "{}"));
    CHECK(r.outcome == DeliveryResult::retry);
    CHECK_THAT(r.error, Catch::Contains("No space left on device"));
  }
  SECTION("permission denied on rename leaves no temp file") {
    FaultyFileSystem faulty(FaultyFileSystem::Op::rename, EACCES);
    FileConnector fc({.directory = dir.path.string()}, faulty);
    const DeliveryResult r = fc.deliver(doc("d", "{}"));
    CHECK(r.outcome == DeliveryResult::retry);
    CHECK_THAT(r.error, Catch::Contains("Permission denied"));
    CHECK(entries(dir.path) == 0);
  }
  SECTION("directory fsync failure is not reported as delivered") {
    FaultyFileSystem faulty(FaultyFileSystem::Op::sync, EIO);
    FileConnector fc({.directory = dir.path.string()}, faulty);
    CHECK(fc.deliver(doc("d", "{}")).outcome == DeliveryResult::retry);
  }
}

TEST_CASE("concurrent deliveries of one id leave one complete file", "[connectors]") {
  TempDir dir;
  FileConnector fc({.directory = dir.path.string()});
  std::atomic<int> failures{0};  // Catch2 assertions are not thread-safe
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&fc, &failures, t] {
      const std::string body(64 * 1024, static_cast<char>('a' + t));
      for (int i = 0; i < 10; ++i)
        if (fc.deliver(doc("same", body)).outcome != DeliveryResult::delivered) ++failures;
    });
  for (std::thread& th : threads) th.join();
  CHECK(failures == 0);
  const std::string content = slurp(dir.path / "same.json");
  REQUIRE(content.size() == 64 * 1024);
  CHECK(content.find_first_not_of(content.front()) == std::string::npos);  // not interleaved
  CHECK(entries(dir.path) == 1);
}

TEST_CASE("concurrent deliveries share the directory's fsync", "[connectors]") {
  // A directory fsync that takes a while: deliveries that rename meanwhile wait for the next
  // one, which covers them all, instead of one fsync each.
  class SlowSync final : public FileSystem {
   public:
    int write_synced(const std::string& path, std::string_view data, mode_t mode) override {
      return posix_file_system().write_synced(path, data, mode);
    }
    int rename(const std::string& from, const std::string& to) override {
      return posix_file_system().rename(from, to);
    }
    int sync_directory(const std::string& dir) override {
      ++syncs;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return posix_file_system().sync_directory(dir);
    }
    int make_directories(const std::string& dir, mode_t mode, std::string& at) override {
      return posix_file_system().make_directories(dir, mode, at);
    }
    void remove(const std::string& path) override { posix_file_system().remove(path); }
    std::atomic<int> syncs{0};
  };
  TempDir dir;
  SlowSync slow;
  FileConnector fc({.directory = dir.path.string()}, slow);
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&fc, &failures, t] {
      if (fc.deliver(doc("d" + std::to_string(t), "{}")).outcome != DeliveryResult::delivered)
        ++failures;
    });
  for (std::thread& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(entries(dir.path) == kThreads);
  // The first fsync runs alone; the deliveries that came meanwhile share the next (how many
  // more depends on scheduling, so only "fewer than one each" is checked).
  CHECK(slow.syncs >= 1);
  CHECK(slow.syncs < kThreads);
  WARN("directory fsyncs for " << kThreads << " deliveries: " << slow.syncs);
}
