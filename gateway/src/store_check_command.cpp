// `edigate store check`: is every byte string a row names there (after a restore, a disk
// error, a hand edit), and what is kept that nothing names (a crash between a spool write and
// its commit, a purge interrupted before its file removals, a killed write's temp file)?
// --verify-bytes also hashes every byte string against its id; --remove-orphans removes what
// nothing names, with the same one-hour grace as a purge so that a running daemon's write in
// flight is left alone.
#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "store/blobs.hpp"
#include "store/sha256.hpp"
#include "store/spool.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_json.hpp"
#include "store_commands.hpp"

namespace edigate::cli {
namespace {

namespace st = gateway::store;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kProblems = 1;
constexpr int kCannotRun = 2;
// Problems printed one per line; the counts cover all of them.
constexpr std::size_t kMaxListed = 20;

struct CheckOptions {
  std::string db;
  std::string spool;
  bool verify_bytes = false;
  bool remove_orphans = false;
  bool remove_unnamed_blobs = false;
};

struct Findings {
  std::int64_t missing = 0;
  std::vector<st::BlobReference> missing_refs;
  std::int64_t corrupt = 0;
  std::int64_t spool_files = 0;
  std::vector<std::string> orphan_files;  // spool ids no row names
  std::vector<fs::path> temp_files;       // a killed write's leftovers
  std::int64_t unknown_files = 0;         // neither: not ours
  std::size_t listed = 0;

  void problem(const std::string& line) {
    if (listed++ < kMaxListed) std::cerr << line << "\n";
  }
};

std::int64_t mtime_ms(const fs::path& p) {
  struct stat s {};
  if (::stat(p.c_str(), &s) != 0) return 0;
  return std::int64_t{s.st_mtim.tv_sec} * 1000 + s.st_mtim.tv_nsec / 1000000;
}

// Rows that name spool files: each file must be there (and, verified, hold its bytes).
std::set<std::string> check_named_files(const st::BlobCensus& census, st::Spool& spool, bool verify,
                                        Findings& f) {
  std::set<std::string> named;
  for (const st::BlobReference& ref : census.outside) {
    const std::string where = ref.table + " " + std::to_string(ref.row) + ": " + ref.id;
    if (!named.insert(ref.id).second) continue;
    if (!spool.exists(ref.id)) {
      f.missing_refs.push_back(ref);  // reported by still_named
    } else if (verify) {
      auto bytes = spool.read(ref.id);
      if (!bytes.ok() && bytes.status().code == st::StoreErrc::not_found) {
        f.missing_refs.push_back(ref);  // removed since exists(): a purge, perhaps; looked at again
      } else if (!bytes.ok()) {
        ++f.corrupt;
        f.problem("corrupt: " + where + ": " + bytes.status().message);
      }
    }
  }
  return named;
}

// A file the census named may have gone with its row since (a purge running meanwhile): only
// what a second look still names (by any row: the one first seen may be the one purged), and
// still cannot find, is missing. False when the store cannot be read.
bool still_named(st::Store& store, const st::Spool& spool, Findings& f) {
  auto again = store.blob_census();
  if (!again.ok()) {
    std::cerr << "edigate: " << again.status().message << "\n";
    return false;
  }
  std::set<std::string> ids;
  for (const st::BlobReference& ref : again.value().outside) ids.insert(ref.id);
  for (const st::BlobReference& ref : f.missing_refs) {
    if (!ids.contains(ref.id) || spool.exists(ref.id)) continue;
    ++f.missing;
    f.problem("missing: " + ref.table + " " + std::to_string(ref.row) + ": " + ref.id +
              " (neither in the database nor a spool file)");
  }
  return true;
}

st::Status verify_stored(st::Store& store, Findings& f) {
  return store.for_each_stored_blob([&](std::string_view id, std::string_view bytes) {
    if (st::sha256_hex(bytes) != id) {
      ++f.corrupt;
      f.problem("corrupt: database blob " + std::string(id) + " does not match its id");
    }
    return st::Status::success();
  });
}

void walk_spool(const fs::path& root, const std::set<std::string>& named, Findings& f) {
  std::error_code ec;
  for (const auto& dir : fs::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path(), ec)) {
      const std::string name = file.path().filename().string();
      if (name.starts_with(".tmp-")) {
        f.temp_files.push_back(file.path());
      } else if (!st::is_sha256_hex(name) || name.substr(0, 2) != dir.path().filename()) {
        ++f.unknown_files;
      } else {
        ++f.spool_files;
        if (!named.contains(name)) f.orphan_files.push_back(name);
      }
    }
  }
}

// `idle_since` is from before the census: a file written after the census began is not in it,
// and must not look idle however long the check took.
json remove_orphans(st::Store& store, st::Spool& spool, const st::BlobCensus& census,
                    const Findings& f, std::int64_t idle_since, bool unnamed_blobs, bool& failed) {
  std::int64_t files = 0;
  std::int64_t temps = 0;
  for (const std::string& id : f.orphan_files) {
    auto removed = spool.remove_idle(id, idle_since);
    if (!removed.ok()) {
      failed = true;
      std::cerr << "edigate: " << removed.status().message << "\n";
    } else if (removed.value()) {
      ++files;
    }
  }
  for (const fs::path& temp : f.temp_files) {
    std::error_code ec;
    if (mtime_ms(temp) < idle_since && fs::remove(temp, ec)) ++temps;
  }
  json out = {{"orphan_files", files}, {"temp_files", temps}};
  if (!unnamed_blobs) return out;
  auto blobs = store.delete_unnamed_blobs(census.unnamed);
  if (!blobs.ok()) {
    failed = true;
    std::cerr << "edigate: " << blobs.status().message << "\n";
  }
  out["unnamed_blobs"] = blobs.ok() ? blobs.value() : 0;
  return out;
}

int run_store_check(const CheckOptions& o) {
  const auto store = open_existing_store(o.db);
  if (!store) return kCannotRun;
  st::Spool spool(o.spool);
  if (!fs::is_directory(o.spool)) {
    std::cerr << "edigate: no spool directory " << o.spool << "\n";
    return kCannotRun;
  }
  const std::int64_t idle_since = st::system_now_ms() - st::kSpoolPurgeGraceMs;
  auto census = store->blob_census();
  if (!census.ok()) {
    std::cerr << "edigate: " << census.status().message << "\n";
    return kCannotRun;
  }
  Findings f;
  const auto named = check_named_files(census.value(), spool, o.verify_bytes, f);
  if (!f.missing_refs.empty() && !still_named(*store, spool, f)) return kCannotRun;
  if (o.verify_bytes) {
    if (auto s = verify_stored(*store, f); !s.ok()) {
      std::cerr << "edigate: " << s.message << "\n";
      return kCannotRun;
    }
  }
  walk_spool(o.spool, named, f);
  json out = {{"database_blobs", census.value().stored},
              {"spool_files", f.spool_files},
              {"missing", f.missing},
              {"corrupt", f.corrupt},
              {"verified_bytes", o.verify_bytes},
              {"unnamed_blobs", census.value().unnamed.size()},
              {"orphan_files", f.orphan_files.size()},
              {"temp_files", f.temp_files.size()},
              {"unknown_files", f.unknown_files}};
  bool removal_failed = false;
  if (o.remove_orphans) {
    out["removed"] = remove_orphans(*store, spool, census.value(), f, idle_since,
                                    o.remove_unnamed_blobs, removal_failed);
  }
  std::cout << st::json_text(out) << "\n";
  if (removal_failed) return kCannotRun;
  return f.missing > 0 || f.corrupt > 0 ? kProblems : 0;
}

}  // namespace

void add_store_check_command(CLI::App& app, int& exit_code) {
  CLI::App* store = app.add_subcommand("store", "Check, back up and restore the store");
  store->require_subcommand(1);
  auto o = std::make_shared<CheckOptions>();
  CLI::App* c = store->add_subcommand(
      "check",
      "Every payload, MDN, acknowledgement and canonical document a row names is there; count "
      "what nothing names (exit 1 when something is missing or corrupt)");
  c->add_option("--db", o->db, "Store database file")->required();
  c->add_option("--spool", o->spool, "Spool directory")->required();
  c->add_flag("--verify-bytes", o->verify_bytes,
              "Also read every byte string and check it against its SHA-256 id");
  c->add_flag("--remove-orphans", o->remove_orphans,
              "Remove spool files nothing names and temp files, unused for an hour");
  c->add_flag("--remove-unnamed-blobs", o->remove_unnamed_blobs,
              "With --remove-orphans: also the database's byte strings no row names (in a store "
              "from before schema version 5, these include the AS2 requests as received of "
              "earlier messages)");
  c->callback([o, &exit_code] { exit_code = run_store_check(*o); });
  add_store_backup_commands(*store, exit_code);
}

}  // namespace edigate::cli
