#include <catch2/catch.hpp>

#include "edigate/sftp/server_config.hpp"
#include "temp_dir.hpp"

using namespace edigate::sftp;

TEST_CASE("sftp config: partners, keys, limits and paths relative to the file") {
  edigate::test::TempDir dir;
  const auto file = dir.write("conf/sftp.xml", R"(<sftp listen="127.0.0.1" port="0">
    <limits max_open_handles="3" idle_seconds="9"/>
    <partner id="acme" jail="jails/acme" legacy_algorithms="true">
      <key>ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA acme</key>
    </partner>
  </sftp>)");
  auto config = load_server_config(file.string());
  REQUIRE(config.ok());
  const ServerConfig& c = config.value();
  CHECK(c.port == 0);
  CHECK(c.limits.max_open_handles == 3);
  CHECK(c.limits.idle_seconds == 9);
  CHECK(c.limits.max_read_bytes == kDefaultMaxReadBytes);
  REQUIRE(c.partners.size() == 1);
  CHECK(c.partners[0].jail_dir == (dir.path() / "conf/jails/acme").string());
  CHECK(c.partners[0].legacy_algorithms);
  CHECK(c.host_key_dir == (dir.path() / "conf/host_keys").string());
}

TEST_CASE("sftp config: clear errors for bad files") {
  edigate::test::TempDir dir;
  CHECK(load_server_config((dir.path() / "missing.xml").string()).status().code ==
        ErrorCode::bad_config);
  const auto no_key = dir.write("a.xml", R"(<sftp><partner id="x" jail="j"/></sftp>)");
  CHECK(load_server_config(no_key.string())
            .status()
            .message.find("has neither a <key> nor a <password_hash>") != std::string::npos);
  const auto bad_limit = dir.write("b.xml", R"(<sftp><limits max_open_handles="-1"/>
      <partner id="x" jail="j"><key>k</key></partner></sftp>)");
  CHECK(load_server_config(bad_limit.string()).status().message.find("max_open_handles") !=
        std::string::npos);
  // A session holds a request and a reply of these sizes: 16 MiB each at most.
  const auto huge = dir.write("h.xml", R"(<sftp><limits max_packet_bytes="16777217"/>
      <partner id="x" jail="j"><key>k</key></partner></sftp>)");
  CHECK(load_server_config(huge.string()).status().message ==
        huge.string() + ": limits/@max_packet_bytes must be a positive number up to 16777216");
  const auto huge_read = dir.write("r.xml", R"(<sftp><limits max_read_bytes="4294967295"/>
      <partner id="x" jail="j"><key>k</key></partner></sftp>)");
  CHECK(load_server_config(huge_read.string()).status().message.find("max_read_bytes") !=
        std::string::npos);
  const auto at_ceiling = dir.write("e.xml", R"(<sftp><limits max_packet_bytes="16777216"/>
      <partner id="x" jail="j"><key>k</key></partner></sftp>)");
  auto ceiling = load_server_config(at_ceiling.string());
  REQUIRE(ceiling.ok());
  CHECK(ceiling.value().limits.max_packet_bytes == 16777216);
  const auto broken = dir.write("c.xml", "<sftp><partner");
  CHECK(!load_server_config(broken.string()).ok());
}

TEST_CASE(
    "sftp config: a password hash enables password authentication, a plain password is refused") {
  edigate::test::TempDir dir;
  auto hash = hash_password("correct horse");
  REQUIRE(hash.ok());
  const auto with_hash = dir.write("p.xml", "<sftp><partner id=\"x\" jail=\"j\"><password_hash>" +
                                                hash.value() + "</password_hash></partner></sftp>");
  auto config = load_server_config(with_hash.string());
  REQUIRE(config.ok());
  REQUIRE(config.value().partners[0].password.has_value());
  CHECK(config.value().partners[0].authorized_keys.empty());
  CHECK(verify_password("correct horse", *config.value().partners[0].password));

  const auto plain = dir.write("q.xml", R"(<sftp><partner id="x" jail="j">
      <password_hash>correct horse</password_hash></partner></sftp>)");
  auto refused = load_server_config(plain.string());
  REQUIRE(!refused.ok());
  CHECK(refused.status().message.find("not a $scrypt$ string") != std::string::npos);
  CHECK(refused.status().message.find("correct horse") == std::string::npos);
}

TEST_CASE("sftp config: upload names held until renamed, per partner") {
  edigate::test::TempDir dir;
  const auto file = dir.write("s.xml", R"(<sftp>
    <partner id="a" jail="j"><key>k</key></partner>
    <partner id="b" jail="j" temporary_suffixes=".tmp  .in-progress"><key>k</key></partner>
    <partner id="c" jail="j" temporary_suffixes=""><key>k</key></partner></sftp>)");
  auto config = load_server_config(file.string());
  REQUIRE(config.ok());
  const auto& p = config.value().partners;
  CHECK(p[0].temporary_suffixes == kDefaultTemporarySuffixes);
  CHECK(p[1].temporary_suffixes == std::vector<std::string>{".tmp", ".in-progress"});
  CHECK(p[2].temporary_suffixes.empty());

  CHECK(is_temporary_name("order.edi.filepart", kDefaultTemporarySuffixes));
  CHECK(is_temporary_name(".order.edi.part", kDefaultTemporarySuffixes));
  CHECK_FALSE(is_temporary_name(".filepart", kDefaultTemporarySuffixes));  // nothing before it
  CHECK_FALSE(is_temporary_name("order.edi", kDefaultTemporarySuffixes));
  CHECK_FALSE(is_temporary_name("order.partial", kDefaultTemporarySuffixes));
  CHECK_FALSE(is_temporary_name("order.edi.filepart", {}));

  for (const char* bad : {"part", ".", ".a/b", ".a b", ".0123456789012345678901234567890123"}) {
    CAPTURE(bad);
    CHECK_FALSE(check_temporary_suffixes({bad}).ok());
  }
  CHECK(check_temporary_suffixes({"." + std::string(31, 'x')}).ok());  // 32 bytes in all
  CHECK_FALSE(check_temporary_suffixes({"." + std::string(32, 'x')}).ok());
  CHECK(check_temporary_suffixes({".a", ".b", ".c", ".d", ".e", ".f", ".g", ".h"}).ok());
  CHECK_FALSE(
      check_temporary_suffixes({".a", ".b", ".c", ".d", ".e", ".f", ".g", ".h", ".i"}).ok());
  const auto bad = dir.write("t.xml", R"(<sftp>
    <partner id="a" jail="j" temporary_suffixes="filepart"><key>k</key></partner></sftp>)");
  CHECK(load_server_config(bad.string()).status().message ==
        bad.string() +
            ": partner 'a': temporary suffix 'filepart' is not a dot and 1-31 of letters, digits, "
            "'.', '_', '~', '-'");
}
