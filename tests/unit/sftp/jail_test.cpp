#include "jail.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "temp_dir.hpp"

using namespace edigate::sftp;

namespace {

bool accepted(const std::string& path, JailPath& out) {
  std::string reason;
  return parse_jail_path(path, 1024, out, reason);
}

std::string refusal(const std::string& path) {
  JailPath out;
  std::string reason;
  return parse_jail_path(path, 1024, out, reason) ? "" : reason;
}

}  // namespace

TEST_CASE("jail paths: the layout is the jail root, inbox/ and outbox/ with files") {
  JailPath p;
  for (const char* root : {"", "/", ".", "./", "//", "/./."}) {
    REQUIRE(accepted(root, p));
    CHECK(p.kind == JailPath::Kind::root);
  }
  REQUIRE(accepted("/inbox/order 1.edi", p));
  CHECK(p.kind == JailPath::Kind::file);
  CHECK(p.area == Area::inbox);
  CHECK(p.name == "order 1.edi");
  REQUIRE(accepted("outbox", p));
  CHECK(p.kind == JailPath::Kind::area);
  CHECK(p.area == Area::outbox);
  CHECK(display_path(p) == "/outbox");
}

TEST_CASE("jail paths: escapes, other directories, bad bytes and temp names are refused") {
  CHECK(refusal("..") == "'..' in path");
  CHECK(refusal("/inbox/../../etc/passwd") == "'..' in path");
  CHECK(refusal("inbox/..") == "'..' in path");
  CHECK(refusal("/etc/passwd") == "outside inbox/ and outbox/");
  CHECK(refusal("/home/beta/outbox/x") == "outside inbox/ and outbox/");
  CHECK(refusal("inbox/sub/x.edi") == "subdirectories are not part of the jail");
  CHECK(refusal("inbox/a\nb") == "control byte in path");
  CHECK(refusal(std::string("inbox/a\x7f", 8)) == "control byte in path");
  CHECK(refusal("inbox/.edigate-upload-0011") == "invalid file name");
  CHECK(refusal(std::string(2000, 'a')) == "path longer than the limit");
}

TEST_CASE("jail: openat2 refuses symlinks and escapes even when the policy check is bypassed") {
  edigate::test::TempDir dir;
  dir.write("jail/outbox/ok.edi", "ok");
  dir.write("secret.txt", "secret");
  ::symlink((dir.path() / "secret.txt").c_str(), (dir.path() / "jail/outbox/abs.edi").c_str());
  ::symlink("../../secret.txt", (dir.path() / "jail/outbox/rel.edi").c_str());
  Jail jail;
  REQUIRE(jail.open((dir.path() / "jail").string()).ok());
  const int outbox = jail.open_area(Area::outbox);
  REQUIRE(outbox >= 0);

  const int ok = Jail::open_beneath(outbox, "ok.edi", O_RDONLY, 0);
  CHECK(ok >= 0);
  ::close(ok);
  CHECK(Jail::open_beneath(outbox, "abs.edi", O_RDONLY, 0) == -1);
  CHECK(errno == ELOOP);
  CHECK(Jail::open_beneath(outbox, "rel.edi", O_PATH, 0) == -1);
  CHECK(errno == ELOOP);
  CHECK(Jail::open_beneath(outbox, "../../secret.txt", O_RDONLY, 0) == -1);
  CHECK(errno == EXDEV);
  CHECK(Jail::open_beneath(outbox, (dir.path() / "secret.txt").c_str(), O_RDONLY, 0) == -1);
  CHECK(errno == EXDEV);
  ::close(outbox);
  CHECK(jail.open_area(Area::inbox) == -1);  // no inbox/ in this jail
}
