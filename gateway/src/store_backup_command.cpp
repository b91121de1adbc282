// `edigate store backup` and `edigate store restore`.
//
// backup: a consistent copy of the database (one read transaction, the daemon goes on) and of
// every spool file that copy names, each checked against its SHA-256 id, into a new directory;
// removals from the spool wait while it runs, so a purge cannot take a file the copy names
// before it is copied.
//
// restore: with no daemon on the store, the backup's database and the spool files it names put
// in place (the database it replaces, with its -wal and -shm, set aside under a new name, not
// deleted), then ids and control numbers moved past what the lost store may have handed out
// after the backup (Store::mark_restored), audited as `store.restored`.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "store/file_ops.hpp"
#include "store/spool.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_json.hpp"
#include "store/store_lock.hpp"
#include "store_commands.hpp"

namespace edigate::cli {
namespace {

namespace st = gateway::store;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kProblems = 1;
constexpr int kCannotRun = 2;
constexpr const char* kDatabaseName = "edigate.db";
// Default gaps (see Store::mark_restored): ids are 64-bit, so a billion per restore costs
// nothing; X12 control numbers have nine digits, so theirs must stay well under a billion.
constexpr std::int64_t kDefaultIdGap = 1'000'000'000;
constexpr std::int64_t kDefaultControlGap = 1'000'000;

struct BackupOptions {
  std::string db;
  std::string spool;
  std::string to;
};

struct RestoreOptions {
  std::string from;
  std::string db;
  std::string spool;
  std::int64_t id_gap = kDefaultIdGap;
  std::int64_t control_gap = kDefaultControlGap;
  bool accept_missing = false;  // restore even without spool files the backup lacks
};

int cannot(const std::string& why) {
  std::cerr << "edigate: " << why << "\n";
  return kCannotRun;
}

// The spool ids the database at `db` names (each once).
std::optional<std::set<std::string>> named_files(st::Store& store) {
  auto census = store.blob_census();
  if (!census.ok()) {
    std::cerr << "edigate: " << census.status().message << "\n";
    return std::nullopt;
  }
  std::set<std::string> ids;
  for (const st::BlobReference& ref : census.value().outside) ids.insert(ref.id);
  return ids;
}

// Copies each of `ids` from `from` into `into` (read checked against its id, written durably).
// With `check_into`, a file `into` has already is read and checked too, and replaced when it
// does not match its id (a restore after a disk fault); without, it is taken as it is.
struct Copied {
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::vector<std::string> missing;  // in neither (or only damaged)
  std::vector<std::string> damaged;  // `from`'s copy does not match its id
  std::string error;                 // a failure to read or write (not a missing file)
};
Copied copy_files(const std::set<std::string>& ids, st::Spool& from, st::Spool& into,
                  bool check_into) {
  // Whatever the daemon accepted (body-bytes has no ceiling) must be copied.
  constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();
  Copied out;
  for (const std::string& id : ids) {
    bool replace = false;
    if (into.exists(id)) {
      if (!check_into) continue;
      auto have = into.read(id, kNoLimit);
      if (have.ok()) continue;
      if (have.status().code != st::StoreErrc::corrupt) {
        out.error = have.status().message;
        return out;
      }
      replace = true;
    }
    if (!from.exists(id)) {
      out.missing.push_back(id);
      continue;
    }
    auto bytes = from.read(id, kNoLimit);
    if (!bytes.ok()) {
      if (bytes.status().code != st::StoreErrc::corrupt) {
        out.error = bytes.status().message;
        return out;
      }
      out.damaged.push_back(id);
      out.missing.push_back(id);
      continue;
    }
    // A damaged file of the same size would be taken as the good one: it goes first.
    std::error_code ec;
    if (replace && !fs::remove(into.path(id), ec) && ec) {
      out.error = "cannot remove the damaged " + into.path(id) + ": " + ec.message();
      return out;
    }
    auto put = into.put(bytes.value());
    if (!put.ok()) {
      out.error = put.status().message;
      return out;
    }
    ++out.files;
    out.bytes += static_cast<std::int64_t>(bytes.value().size());
  }
  return out;
}

void list_missing(const Copied& copied) {
  const std::set<std::string> damaged(copied.damaged.begin(), copied.damaged.end());
  for (std::size_t i = 0; i < copied.missing.size() && i < 20; ++i) {
    const std::string& id = copied.missing[i];
    std::cerr << (damaged.count(id) != 0 ? "damaged: spool file " : "missing: spool file ") << id
              << "\n";
  }
}

int run_backup(const BackupOptions& o) {
  const fs::path to(o.to);
  std::error_code ec;
  if (fs::exists(to, ec) && !fs::is_empty(to, ec)) {
    return cannot(o.to + " is not empty: back up into a new directory");
  }
  if (!fs::is_directory(o.spool)) return cannot("no spool directory " + o.spool);
  fs::create_directories(to, ec);
  if (ec) return cannot("cannot create " + o.to + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, ec);

  const auto live = open_existing_store(o.db);
  if (!live) return kCannotRun;
  st::Spool spool(o.spool);
  // From before the snapshot until its files are copied: no removal takes one of them.
  auto hold = spool.hold_removals();
  if (!hold.ok()) return cannot(hold.status().message);
  const std::string copy = (to / kDatabaseName).string();
  if (auto s = live->copy_to(copy); !s.ok())
    return cannot("cannot copy the database: " + s.message);

  const auto copied_store = open_existing_store(copy, false);  // no edigate.db.users beside it
  if (!copied_store) return kCannotRun;
  const auto ids = named_files(*copied_store);
  if (!ids) return kCannotRun;
  st::Spool backup_spool((to / "spool").string());
  if (auto s = backup_spool.open(); !s.ok()) return cannot(s.message);
  const Copied copied = copy_files(*ids, spool, backup_spool, false);
  if (!copied.error.empty()) return cannot(copied.error);
  auto audit = copied_store->verify_audit();
  if (!audit.ok()) return cannot(audit.status().message);
  // The spool directory's entry in the backup, and the backup's in its parent.
  for (const fs::path& dir : {to, fs::absolute(to).parent_path()}) {
    if (const std::string why = st::fsync_path(dir.string(), true); !why.empty()) {
      return cannot(why);
    }
  }

  list_missing(copied);
  std::cout << st::json_text(json{{"database", copy},
                                  {"spool_files", copied.files},
                                  {"spool_bytes", copied.bytes},
                                  // Each file once: missing (not there) or damaged (there,
                                  // with other bytes); neither is in the backup.
                                  {"missing", copied.missing.size() - copied.damaged.size()},
                                  {"damaged", copied.damaged.size()},
                                  {"audit_ok", audit.value().ok},
                                  {"audit_head", std::to_string(audit.value().entries) + ":" +
                                                     audit.value().head_hash}})
            << "\n";
  return copied.missing.empty() && audit.value().ok ? 0 : kProblems;
}

// Renames `from` to `to` when it exists; false (after saying why) when that fails.
bool set_aside(const fs::path& from, const fs::path& to, json& moved) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return true;
  fs::rename(from, to, ec);
  if (ec) {
    std::cerr << "edigate: cannot move " << from.string() << " aside: " << ec.message() << "\n";
    return false;
  }
  moved.push_back(to.string());
  return true;
}

// The staged database and its -wal/-shm, removed when a restore stops before putting it in
// place (left once it has begun to: the store refuses to open while it is there).
class Staged {
 public:
  explicit Staged(std::string path) : path_(std::move(path)) { remove(); }
  ~Staged() {
    if (!keep_) remove();
  }
  Staged(const Staged&) = delete;
  Staged& operator=(const Staged&) = delete;
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  void remove() const {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_ + suffix, ec);
  }
  std::string path_;
  bool keep_ = false;
};

// The restored database gets the mode (and, for root, the owner) of the one it replaces, not
// the umask of the shell restore runs in.
std::string take_mode_of(const std::string& old_db, const std::string& staged) {
  struct stat was {};
  if (::stat(old_db.c_str(), &was) != 0) return {};
  if (::chmod(staged.c_str(), was.st_mode & 07777) != 0) {
    return "cannot set the mode of " + staged + ": " + std::strerror(errno);
  }
  if (::geteuid() == 0 && ::chown(staged.c_str(), was.st_uid, was.st_gid) != 0) {
    return "cannot set the owner of " + staged + ": " + std::strerror(errno);
  }
  return {};
}

int run_restore(const RestoreOptions& given) {
  // Through a link to the database file, the file it points to is what is replaced (and what
  // the lock, the staged copy and the set-aside names go beside), not the link.
  RestoreOptions o = given;
  std::error_code link_ec;
  if (fs::is_symlink(given.db, link_ec)) o.db = st::resolved_store_path(given.db);
  const fs::path from(o.from);
  const fs::path backup_db = from / kDatabaseName;
  if (!fs::is_regular_file(backup_db)) return cannot("no " + backup_db.string());
  if (o.id_gap < 1 || o.id_gap > st::kMaxIdGap || o.control_gap < 0 ||
      o.control_gap > st::kMaxControlGap) {
    return cannot("--id-gap must be from 1 to " + std::to_string(st::kMaxIdGap) +
                  " and --control-gap from 0 to " + std::to_string(st::kMaxControlGap));
  }
  const fs::path target_dir =
      fs::path(o.db).parent_path().empty() ? fs::path(".") : fs::path(o.db).parent_path();
  if (!fs::is_directory(target_dir)) {
    return cannot("no directory " + target_dir.string() + " for " + o.db +
                  ": create it (owned by the daemon's user) first");
  }
  st::StoreLock lock;
  if (const std::string why = lock.take(o.db); !why.empty()) {
    return cannot(why + ": stop the daemon before a restore");
  }
  // No command may have the store open either, nor open it until this has finished.
  st::StoreUsers users;
  if (const std::string why = users.take_alone(o.db); !why.empty()) return cannot(why);
  // The backup's database is copied next to the store's and made current there (migrated when
  // it is from an older release, as the daemon would), checked, and only then put in place.
  Staged staged(o.db + st::kRestoringSuffix);
  std::error_code ec;
  fs::copy_file(backup_db, staged.path(), ec);
  if (ec) return cannot("cannot copy " + backup_db.string() + ": " + ec.message());
  if (const std::string why = take_mode_of(o.db, staged.path()); !why.empty()) {
    return cannot(why);
  }
  json summary;
  {
    st::SqliteOptions options;
    options.create_if_missing = false;
    options.group_commit = false;
    options.share_lock = false;  // a file of its own beside the staged copy is not wanted
    auto opened = st::open_sqlite_store(staged.path(), options);
    if (!opened.ok()) return cannot(backup_db.string() + ": " + opened.status().message);
    st::Store& store = *opened.value();
    if (auto s = store.integrity_check(); !s.ok()) {
      std::cout << backup_db.string() << ": " << s.message << ": nothing restored\n";
      return s.code == st::StoreErrc::corrupt ? kProblems : kCannotRun;
    }
    auto audit = store.verify_audit();
    if (!audit.ok()) return cannot(audit.status().message);
    if (!audit.value().ok) {
      std::cout << "audit broken at seq " << audit.value().first_bad_seq.value_or(0) << ": "
                << audit.value().reason << ": nothing restored\n";
      return kProblems;
    }
    const auto ids = named_files(store);
    if (!ids) return kCannotRun;
    st::Spool backup_spool((from / "spool").string());
    st::Spool spool(o.spool);
    if (auto s = spool.open(); !s.ok()) return cannot(s.message);
    const Copied copied = copy_files(*ids, backup_spool, spool, true);
    if (!copied.error.empty()) return cannot(copied.error);
    if (!copied.missing.empty()) {
      list_missing(copied);
      std::cerr << "edigate: " << copied.missing.size()
                << " spool file(s) the backup names are sound in neither its spool nor " << o.spool;
      if (!o.accept_missing) {
        std::cerr << ": nothing restored (--accept-missing restores without them)\n";
        return kProblems;
      }
      std::cerr << ": restoring without them (--accept-missing); what needs them will fail\n";
    }
    json details = {{"from", fs::absolute(from).lexically_normal().string()},
                    {"backup_audit_head",
                     std::to_string(audit.value().entries) + ":" + audit.value().head_hash}};
    if (!copied.missing.empty()) {
      // The audit keeps how many were accepted as lost, and which (the first thousand).
      constexpr std::size_t kListed = 1000;
      const std::size_t listed = std::min(copied.missing.size(), kListed);
      details["missing_spool_files"] = copied.missing.size();
      details["missing_spool_ids"] =
          std::vector<std::string>(copied.missing.begin(), copied.missing.begin() + listed);
    }
    auto seq = store.mark_restored(o.id_gap, o.control_gap, "cli", st::json_text(details));
    if (!seq.ok()) return cannot(seq.status().message);
    summary = {{"spool_files", copied.files},
               {"spool_bytes", copied.bytes},
               {"missing", copied.missing.size()},
               {"backup_audit_head", details["backup_audit_head"]},
               {"audit_seq", seq.value()}};
  }  // closed: SQLite checkpoints the staged copy's WAL into it and removes the WAL
  if (fs::exists(staged.path() + "-wal", ec)) {
    return cannot(staged.path() + "-wal is still there after closing it: nothing restored");
  }
  const std::string dir = fs::absolute(o.db).parent_path().string();
  if (std::string why = st::fsync_path(staged.path(), false); !why.empty()) return cannot(why);
  if (std::string why = st::fsync_path(dir, true); !why.empty()) return cannot(why);

  // From here the staged file stays until it is the store: while it is there the store refuses
  // to open (open_sqlite_store), so a stop half way cannot start a daemon on a store set aside
  // or missing. The store being replaced goes aside under one new name, its WAL (which may hold
  // commits the database file does not yet, and would be replayed into the restored database)
  // first: nothing of it is deleted.
  staged.keep();
  const std::string aside = o.db + ".before-restore-" + std::to_string(st::system_now_ms());
  json moved = json::array();
  if (!set_aside(o.db + "-wal", aside + "-wal", moved) ||
      !set_aside(o.db + "-shm", aside + "-shm", moved) || !set_aside(o.db, aside, moved)) {
    std::cerr << "edigate: the restore stopped half way (set aside so far: " << moved.dump()
              << "): run it again\n";
    return kCannotRun;
  }
  fs::rename(staged.path(), o.db, ec);
  if (ec) {
    return cannot("cannot move " + staged.path() + " to " + o.db + ": " + ec.message() +
                  " (set aside so far: " + moved.dump() + "): run the restore again");
  }
  fs::remove(staged.path() + "-shm", ec);
  if (const std::string why = st::fsync_path(dir, true); !why.empty()) return cannot(why);
  summary["database"] = o.db;
  summary["set_aside"] = moved;
  std::cout << st::json_text(summary) << "\n";
  return 0;
}

}  // namespace

void add_store_backup_commands(CLI::App& store, int& exit_code) {
  auto b = std::make_shared<BackupOptions>();
  CLI::App* backup = store.add_subcommand(
      "backup",
      "Copy the database (a consistent snapshot, the daemon may run) and every spool file it "
      "names, checked against its id, into a new directory (exit 1 when a named file is "
      "missing or the audit chain is broken)");
  backup->add_option("--db", b->db, "Store database file")->required();
  backup->add_option("--spool", b->spool, "Spool directory")->required();
  backup->add_option("--to", b->to, "New (or empty) directory for the backup")->required();
  backup->callback([b, &exit_code] { exit_code = run_backup(*b); });

  auto r = std::make_shared<RestoreOptions>();
  CLI::App* restore = store.add_subcommand(
      "restore",
      "Put a backup in place (the daemon stopped): the database it replaces is set aside, "
      "ids and control numbers move past what was handed out after the backup");
  restore->add_option("--from", r->from, "Directory `store backup` wrote")->required();
  restore->add_option("--db", r->db, "Store database file to restore to")->required();
  restore->add_option("--spool", r->spool, "Spool directory to restore to")->required();
  restore->add_option("--id-gap", r->id_gap,
                      "New ids start this far past the backup's highest (default 1000000000)");
  restore->add_option("--control-gap", r->control_gap,
                      "Control number counters move on by this much (default 1000000)");
  restore->add_flag("--accept-missing", r->accept_missing,
                    "Restore even when spool files the backup names are sound in neither its "
                    "spool nor the store's (listed, and audited); the messages and documents "
                    "that need them fail when used");
  restore->callback([r, &exit_code] { exit_code = run_restore(*r); });
}

}  // namespace edigate::cli
