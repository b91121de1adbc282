#include "host_keys.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace edigate::sftp;

TEST_CASE("host keys: generated 0600 on first start, reused afterwards") {
  edigate::test::TempDir dir;
  const std::string keys = (dir.path() / "keys").string();
  auto first = ensure_host_keys(keys);
  REQUIRE(first.ok());
  REQUIRE(first.value().size() == 2);
  std::vector<std::string> contents;
  for (const std::string& path : first.value()) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    contents.push_back(edigate::test::read_file(path));
    CHECK(contents.back().find("PRIVATE KEY") != std::string::npos);
  }
  auto second = ensure_host_keys(keys);
  REQUIRE(second.ok());
  CHECK(edigate::test::read_file(second.value()[0]) == contents[0]);
  CHECK(edigate::test::read_file(second.value()[1]) == contents[1]);
}

TEST_CASE("host keys: a key readable by others is refused") {
  edigate::test::TempDir dir;
  const auto key = dir.write("keys/ssh_host_ed25519_key", "x");
  ::chmod(key.c_str(), 0644);
  auto result = ensure_host_keys((dir.path() / "keys").string());
  REQUIRE(!result.ok());
  CHECK(result.status().message.find("readable by others") != std::string::npos);
}
