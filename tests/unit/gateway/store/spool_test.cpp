#include "store/spool.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/sha256.hpp"
#include "temp_dir.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::TempDir;

namespace {

// Fails the chosen call once with EIO, like a disk that drops a write.
class FaultyOps : public PosixFileOps {
 public:
  enum class Fail { none, file_fsync, rename, dir_fsync, write };
  Fail fail = Fail::none;
  int fsyncs = 0;

  ssize_t write(int fd, const void* data, std::size_t size) override {
    if (fail == Fail::write) {
      // Half the bytes reach the file before the error, as on a full disk.
      (void)PosixFileOps::write(fd, data, size / 2);
      errno = ENOSPC;
      return -1;
    }
    return PosixFileOps::write(fd, data, size);
  }
  int fsync(int fd) override {
    ++fsyncs;
    // The file is fsync'd first, then its directory.
    if ((fail == Fail::file_fsync && fsyncs == 1) || (fail == Fail::dir_fsync && fsyncs == 2)) {
      errno = EIO;
      return -1;
    }
    return PosixFileOps::fsync(fd);
  }
  int rename(const char* from, const char* to) override {
    if (fail == Fail::rename) {
      errno = EIO;
      return -1;
    }
    return PosixFileOps::rename(from, to);
  }
};

std::size_t files_under(const std::filesystem::path& root) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("spool stores content-addressed files and reads them back", "[store][spool]") {
  TempDir dir;
  Spool spool(dir.file("spool"));
  REQUIRE(spool.open().ok());
  const std::string bytes = "ISA*00*          *00*~";
  auto id = spool.put(bytes);
  REQUIRE(id.ok());
  CHECK(id.value() == sha256_hex(bytes));
  CHECK(spool.path(id.value()) ==
        dir.file("spool") + "/" + id.value().substr(0, 2) + "/" + id.value());
  CHECK(spool.exists(id.value()));
  auto back = spool.read(id.value());
  REQUIRE(back.ok());
  CHECK(back.value() == bytes);
  CHECK(files_under(dir.path()) == 1);

  SECTION("putting the same bytes again is idempotent") {
    auto again = spool.put(bytes);
    REQUIRE(again.ok());
    CHECK(again.value() == id.value());
    CHECK(files_under(dir.path()) == 1);
  }
  SECTION("the read limit is enforced") {
    auto small = spool.read(id.value(), 4);
    REQUIRE_FALSE(small.ok());
    CHECK(small.status().code == StoreErrc::too_large);
  }
  SECTION("a malformed id is refused, not turned into a path") {
    CHECK(spool.path("../../etc/passwd").empty());
    CHECK(spool.read("../../etc/passwd").status().code == StoreErrc::bad_input);
    CHECK(spool.read(std::string(64, 'a')).status().code == StoreErrc::not_found);
  }
  SECTION("a corrupted file is detected on read") {
    {
      std::FILE* f = std::fopen(spool.path(id.value()).c_str(), "wb");
      REQUIRE(f != nullptr);
      std::fputs("tampered", f);
      std::fclose(f);
    }
    CHECK(spool.read(id.value()).status().code == StoreErrc::corrupt);
  }
  SECTION("empty payloads work") {
    auto empty = spool.put("");
    REQUIRE(empty.ok());
    CHECK(spool.read(empty.value()).value().empty());
  }
}

TEST_CASE("a failed spool write leaves nothing visible", "[store][spool]") {
  TempDir dir;
  FaultyOps ops;
  Spool spool(dir.file("spool"), ops);
  REQUIRE(spool.open().ok());
  const std::string bytes(100000, 'x');
  const std::string expected_path = spool.path(sha256_hex(bytes));

  auto fail =
      GENERATE(FaultyOps::Fail::file_fsync, FaultyOps::Fail::rename, FaultyOps::Fail::write);
  ops.fail = fail;
  auto id = spool.put(bytes);
  REQUIRE_FALSE(id.ok());
  CHECK(id.status().code == StoreErrc::io);
  CHECK_FALSE(std::filesystem::exists(expected_path));
  CHECK(files_under(dir.path()) == 0);  // no temp file left behind either

  // The same put succeeds once the disk recovers.
  ops.fail = FaultyOps::Fail::none;
  auto retry = spool.put(bytes);
  REQUIRE(retry.ok());
  CHECK(spool.read(retry.value()).value() == bytes);
}

TEST_CASE("a failed directory fsync is reported", "[store][spool]") {
  TempDir dir;
  FaultyOps ops;
  Spool spool(dir.file("spool"), ops);
  REQUIRE(spool.open().ok());
  // Make the <aa> directory exist already so the first two fsyncs are file, then directory.
  const std::string bytes = "payload";
  std::filesystem::create_directories(dir.file("spool") + "/" + sha256_hex(bytes).substr(0, 2));
  ops.fail = FaultyOps::Fail::dir_fsync;
  auto id = spool.put(bytes);
  REQUIRE_FALSE(id.ok());
  CHECK(id.status().code == StoreErrc::io);
  // The retry finds the complete file and fsyncs its directory instead of trusting it.
  ops.fail = FaultyOps::Fail::none;
  const int before = ops.fsyncs;
  auto retry = spool.put(bytes);
  REQUIRE(retry.ok());
  CHECK(ops.fsyncs == before + 1);
}

TEST_CASE("concurrent puts of the same bytes leave one complete file", "[store][spool]") {
  TempDir dir;
  Spool spool(dir.file("spool"));
  REQUIRE(spool.open().ok());
  const std::string bytes(50000, 'z');
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (spool.put(bytes).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(ok == 4);
  CHECK(files_under(dir.path()) == 1);
  CHECK(spool.read(sha256_hex(bytes)).value() == bytes);
}
