// A complete, good gateway configuration in a temporary directory (certificates generated at
// test time, the repository's mappings), which tests then break one way at a time.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "../../sftp/temp_dir.hpp"
#include "config/config.hpp"

namespace edigate::gateway::config::test {

namespace fs = std::filesystem;

// The repository root (tests/fixtures is two levels below it).
fs::path repo_root();

// Writes a PEM key and certificate pair for `name` (cached RSA identity) at `key` and `cert`.
void write_identity(const std::string& name, const fs::path& key, const fs::path& cert);

class ConfigFixture {
 public:
  ConfigFixture();

  const fs::path& dir() const { return tmp_.path(); }
  fs::path config_file() const { return dir() / "edigate.xml"; }
  fs::path partner_file(const std::string& stem) const {
    return dir() / "partners" / (stem + ".xml");
  }
  void write(const std::string& relative, const std::string& content) const {
    tmp_.write(relative, content);
  }

  // The good texts; tests replace pieces of them.
  static std::string gateway_xml();
  static std::string partner_xml(const std::string& id, const std::string& as2_id);

 private:
  edigate::test::TempDir tmp_;
};

// The 1-based line of the first occurrence of `marker` in `text` (0 when absent).
long line_of(std::string_view text, std::string_view marker);

// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, std::string_view from, std::string_view to);

// True when `result` has an issue in `file` at `line` whose message contains `part`.
bool has_issue(const LoadResult& result, const fs::path& file, long line, std::string_view part);

// Every issue, one a line, for failure messages.
std::string all_issues(const LoadResult& result);

}  // namespace edigate::gateway::config::test
