#include "edigate/sftp/journal_sink.hpp"

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

using namespace edigate::sftp;

TEST_CASE("journal sink: one escaped line per event, appended") {
  edigate::test::TempDir dir;
  const auto path = dir.path() / "uploads.journal";
  {
    JournalSink sink(path.string());
    REQUIRE(sink.open().ok());
    REQUIRE(sink.ingest({"acme", "order\n1\".edi", -1, 42}).ok());
    REQUIRE(sink.record_partial({"acme", "big.edi", 7, "client disconnected"}).ok());
  }
  const std::string text = edigate::test::read_file(path);
  CHECK(text.find("event=ingested partner=\"acme\" file=\"order\\x0a1\\x22.edi\" size=42\n") !=
        std::string::npos);
  CHECK(text.find("event=partial partner=\"acme\" file=\"big.edi\" bytes=7 reason=\"client "
                  "disconnected\"\n") != std::string::npos);
}

TEST_CASE("journal sink: an unopened or unwritable journal is an error, not a silent success") {
  JournalSink closed("/nonexistent-dir/journal");
  CHECK(!closed.open().ok());
  CHECK(closed.ingest({"acme", "x.edi", -1, 1}).code == ErrorCode::sink_failed);
}
