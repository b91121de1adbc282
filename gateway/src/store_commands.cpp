#include "store_commands.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <variant>

#include "config/config.hpp"
#include "config/partner_registry.hpp"
#include "daemon/jobs.hpp"
#include "json_output.hpp"
#include "store/blobs.hpp"
#include "store/spool.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_json.hpp"

namespace edigate::cli {

std::unique_ptr<gateway::store::Store> open_existing_store(const std::string& db, bool share_lock) {
  gateway::store::SqliteOptions options;
  options.share_lock = share_lock;
  options.create_if_missing = false;
  options.migrate = false;  // a running daemon owns the schema
  options.group_commit = false;
  auto store = gateway::store::open_sqlite_store(db, options);
  if (!store.ok()) {
    std::cerr << "edigate: " << store.status().message << "\n";
    return nullptr;
  }
  return std::move(store.value());
}

namespace {

namespace st = gateway::store;
using nlohmann::json;

// A message added from the command line holds raw EDI, so its first step is the daemon's
// process job (validate, acknowledge, map, route).
constexpr std::string_view kFirstJobForFiles = "process";
// Files submitted with `messages add` are read whole; larger ones belong on SFTP or HTTPS.
constexpr std::size_t kMaxAddFileBytes = 256U * 1024U * 1024U;

// Exit codes: 0 ok, 1 the check failed (audit broken, no such message), 2 cannot run.
constexpr int kFailed = 1;
constexpr int kCannotRun = 2;

struct VerifyOptions {
  std::string db;
  std::string anchor;  // SEQ:HASH recorded from an earlier verify
};

// A chain cannot show that its newest entries were cut off; an anchor recorded earlier can:
// the entry must still be there with the same hash.
int check_anchor(st::Store& store, const std::string& anchor) {
  const auto colon = anchor.find(':');
  std::int64_t seq = 0;
  // All of SEQ must be a number: "12junk" is not entry 12.
  const std::string_view digits = std::string_view(anchor).substr(0, colon);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  // HASH is the 64 lowercase hex digits `audit verify` prints: a cut-short copy is a mistake in
  // the input, not a chain that differs.
  const std::string_view hash =
      colon == std::string::npos ? std::string_view() : std::string_view(anchor).substr(colon + 1);
  const bool hash_ok =
      hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (colon == std::string::npos || ec != std::errc{} || end != digits.data() + digits.size() ||
      seq <= 0 || !hash_ok) {
    std::cerr << "edigate: --anchor must be SEQ:HASH (the entry's number and its 64 hex digit "
                 "hash, as audit verify prints them)\n";
    return kCannotRun;
  }
  auto entry = store.get_audit(seq);
  if (!entry.ok()) {
    std::cerr << "edigate: " << entry.status().message << "\n";
    return kCannotRun;
  }
  if (!entry.value() || entry.value()->hash != anchor.substr(colon + 1)) {
    std::cout << "audit broken at seq " << seq << ": "
              << (entry.value() ? "hash differs from the anchor" : "entry missing (truncated)")
              << "\n";
    return kFailed;
  }
  return 0;
}

int run_audit_verify(const VerifyOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return kCannotRun;
  auto v = store->verify_audit();
  if (!v.ok()) {
    std::cerr << "edigate: " << v.status().message << "\n";
    return kCannotRun;
  }
  const auto& r = v.value();
  if (!r.ok) {
    std::cout << "audit broken at seq " << r.first_bad_seq.value_or(0) << ": " << r.reason << "\n";
    return kFailed;
  }
  if (!o.anchor.empty()) {
    if (const int rc = check_anchor(*store, o.anchor); rc != 0) return rc;
  }
  std::cout << "audit ok: " << r.entries << " entries, head " << r.entries << ":" << r.head_hash
            << "\n";
  return 0;
}

int run_audit_export(const std::string& db) {
  auto store = open_existing_store(db);
  if (!store) return kCannotRun;
  if (auto s = store->export_audit(std::cout); !s.ok()) {
    std::cerr << "edigate: " << s.message << "\n";
    return kCannotRun;
  }
  return 0;
}

struct ListOptions {
  std::string db;
  st::MessageFilter filter;
  std::string since, until;  // ISO 8601 UTC, parsed into filter
  bool as_json = false;
};

int run_messages_list(ListOptions o) {
  if (const auto bad = st::set_time_range(o.filter, o.since, o.until)) {
    std::cerr << "edigate: --" << *bad << "\n";
    return kCannotRun;
  }
  auto store = open_existing_store(o.db);
  if (!store) return kCannotRun;
  auto list = store->list_messages(o.filter);
  if (!list.ok()) {
    std::cerr << "edigate: " << list.status().message << "\n";
    return kCannotRun;
  }
  if (!o.as_json) std::cout << "ID\tCREATED\tDIR\tTRANSPORT\tPARTNER\tSTATUS\tSIZE\tFILENAME\n";
  for (const auto& m : list.value()) {
    if (o.as_json) {
      std::cout << dump(st::message_json(m)) << "\n";
      continue;
    }
    std::cout << m.id << '\t' << st::iso_time(m.created_at) << '\t' << st::to_string(m.direction)
              << '\t' << m.transport << '\t' << m.partner << '\t' << m.status << '\t' << m.size
              << '\t' << m.filename << '\n';
  }
  return 0;
}

struct SentOptions {
  std::string db;
  st::SentAs2Filter filter;
  bool as_json = false;
};

// What we sent over AS2 (our acknowledgements) and where each one's MDN stands.
int run_messages_sent(const SentOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return kCannotRun;
  auto list = store->list_as2_sent(o.filter);
  if (!list.ok()) {
    std::cerr << "edigate: " << list.status().message << "\n";
    return kCannotRun;
  }
  if (!o.as_json) std::cout << "ID\tMESSAGE\tPARTNER\tCARRIES\tMDN\tSTATE\tSENT\tAS2-MESSAGE-ID\n";
  for (const auto& s : list.value()) {
    if (o.as_json) {
      std::cout << dump(st::as2_sent_json(s)) << "\n";
      continue;
    }
    std::cout << s.id << '\t' << s.message_id << '\t' << s.partner << '\t' << s.carries << '\t'
              << (s.async_mdn ? "async" : "sync") << '\t' << s.state << '\t'
              << (s.sent_at == 0 ? std::string("-") : st::iso_time(s.sent_at)) << '\t'
              << s.as2_message_id << '\n';
  }
  return 0;
}

int run_messages_show(const std::string& db, std::int64_t id) {
  auto store = open_existing_store(db);
  if (!store) return kCannotRun;
  auto m = store->get_message(id);
  if (!m.ok()) {
    std::cerr << "edigate: " << m.status().message << "\n";
    return kCannotRun;
  }
  if (!m.value()) {
    std::cerr << "edigate: no message " << id << "\n";
    return kFailed;
  }
  json out = {{"message", st::message_json(*m.value())}};
  std::string error;
  if (!st::add_documents(*store, id, out, error) ||
      !st::add_mdn_acks_jobs(*store, id, out, error)) {
    std::cerr << "edigate: " << error << "\n";
    return kCannotRun;
  }
  std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  return 0;
}

// Prints why an operator's action did not happen; its exit status: 1 when the store refused it
// (an unknown id, a row in another state), 2 when the store could not be used.
int not_done(const st::Status& why) {
  std::cerr << "edigate: " << why.message << "\n";
  return why.code == st::StoreErrc::not_found || why.code == st::StoreErrc::conflict ? kFailed
                                                                                     : kCannotRun;
}

struct RequeueOptions {
  std::string db;
  std::int64_t id = 0;
  std::vector<std::string> connectors;  // resend: where to
  std::string config;                   // resend: the configuration the names are checked in
};

// `messages resend --config FILE`: the daemon's configuration file as it is on disk (loaded and
// checked as `config check` does, but without our private keys and their passphrase: only
// names and routes are read, and a passphrase-credential exists only inside the service); null
// after saying why it could not be read. The CLI has no configuration otherwise, so without it
// connector names cannot be checked.
std::shared_ptr<const gateway::config::GatewayConfig> resend_config(const std::string& file) {
  const gateway::config::LoadResult loaded =
      gateway::config::load_config(file, gateway::config::Keys::skip);
  if (!loaded.ok()) {
    for (const auto& i : loaded.issues) std::cerr << i.to_string() << "\n";
    std::cerr << "edigate: " << file << " cannot be read: nothing resent\n";
  }
  return loaded.config;
}

// Whether every connector named with --connector is in `config`; says which one is not.
bool connectors_configured(const gateway::config::GatewayConfig& config, const RequeueOptions& o) {
  for (const std::string& name : o.connectors) {
    if (config.find_connector(name) != nullptr) continue;
    std::string known;
    for (const auto& c : config.connectors) known += (known.empty() ? "" : ", ") + c.name;
    std::cerr << "edigate: no connector '" << name << "' in " << o.config
              << " (it has: " << (known.empty() ? "none" : known) << "): nothing resent\n";
    return false;
  }
  return true;
}

// Where a resend delivers each document: the connectors named with --connector (each one
// checked when a configuration is given), or, with only --config, those the message's
// partner's routes name for the document's type (as POST /api/messages/N/resend does). Null
// after saying why not.
using ConnectorsFor = std::function<std::vector<std::string>(const st::Document&)>;
std::optional<ConnectorsFor> resend_targets(const RequeueOptions& o, const std::string& partner) {
  if (o.config.empty() && o.connectors.empty()) {
    std::cerr << "edigate: name the connectors to deliver to (--connector NAME), or give the "
                 "configuration to follow the partner's routes (--config FILE)\n";
    return std::nullopt;
  }
  std::shared_ptr<const gateway::config::GatewayConfig> config;
  if (!o.config.empty()) {
    config = resend_config(o.config);
    if (config == nullptr) return std::nullopt;
  }
  if (!o.connectors.empty()) {
    if (config != nullptr && !connectors_configured(*config, o)) return std::nullopt;
    return [names = o.connectors](const st::Document&) { return names; };
  }
  auto partners = std::make_shared<const gateway::config::PartnerRegistry>(config);
  const gateway::config::PartnerProfile* profile = partners->by_id(partner);
  if (profile == nullptr) {
    std::cerr << "edigate: partner " << partner << " is not in " << o.config
              << ": name the connectors (--connector NAME)\n";
    return std::nullopt;
  }
  return [partners, profile](const st::Document& d) {
    return gateway::daemon::routed_connectors(*profile, d);
  };
}

// Queues work for a running (or the next) daemon: its job runners poll the store.
int run_requeue(const RequeueOptions& o, bool resend) {
  const auto opened = open_existing_store(o.db);
  if (!opened) return kCannotRun;
  st::Store& store = *opened;
  auto m = store.get_message(o.id);
  if (!m.ok()) {  // the store's failure, not an answer about the message
    std::cerr << "edigate: " << m.status().message << "\n";
    return kCannotRun;
  }
  if (!m.value()) {
    std::cerr << "edigate: no message " << o.id << "\n";
    return kFailed;
  }
  if (m.value()->direction == st::Direction::outbound) {
    // An outbound message is sent, not processed or delivered: as POST .../resend does.
    if (!resend) {
      std::cerr << "edigate: message " << o.id << " is outbound: it is not processed (resend it)\n";
      return kFailed;
    }
    auto job = gateway::daemon::resend_outbound(store, *m.value(), "cli");
    if (!job.ok()) return not_done(job.status());
    std::cout << st::json_text(json{{"message", o.id}, {"jobs", json::array({job.value()})}})
              << "\n";
    return 0;
  }
  if (!resend) {
    if (const std::string why = gateway::daemon::not_processable(*m.value()); !why.empty()) {
      std::cerr << "edigate: " << why << "\n";
      return kFailed;
    }
  }
  ConnectorsFor connectors_for = [](const st::Document&) { return std::vector<std::string>{}; };
  if (resend) {
    auto targets = resend_targets(o, m.value()->partner);
    if (!targets) return kCannotRun;
    connectors_for = std::move(*targets);
  }
  auto jobs = gateway::daemon::requeue_message(store, o.id, resend, connectors_for, "cli");
  if (!jobs.ok()) {
    std::cerr << "edigate: " << jobs.status().message << "\n";
    return kCannotRun;
  }
  std::cout << st::json_text(json{{"message", o.id}, {"jobs", jobs.value()}}) << "\n";
  if (resend && jobs.value().empty()) {
    std::cerr << "edigate: nothing to resend: no mapped document of message " << o.id
              << " has a connector to go to\n";
  }
  return jobs.value().empty() ? kFailed : 0;
}

// Queues an outbound AS2 message (an acknowledgement) to be sent again by the daemon.
int run_resend_sent(const std::string& db, std::int64_t sent_id) {
  const auto opened = open_existing_store(db);
  if (!opened) return kCannotRun;
  auto job = gateway::daemon::resend_sent(*opened, sent_id, "cli");
  if (!job.ok()) return not_done(job.status());
  std::cout << st::json_text(json{{"sent", sent_id}, {"job", job.value()}}) << "\n";
  return 0;
}

struct DeadOptions {
  std::string db;
  std::string kind;  // a prefix of the job kind: deliver:erp, notify_out, ...
  std::size_t limit = 100;
  bool as_json = false;
  std::int64_t id = 0;  // retry-dead: one job (0: every revivable one of `kind`)
  bool all = false;     // retry-dead --all
};

// Dead jobs, newest first: what an operator looks at after an outage or a refusal.
int run_messages_dead(const DeadOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return kCannotRun;
  auto list = store->list_dead_jobs(o.kind, o.limit);
  if (!list.ok()) {
    std::cerr << "edigate: " << list.status().message << "\n";
    return kCannotRun;
  }
  if (!o.as_json) std::cout << "JOB\tKIND\tMESSAGE\tDOCUMENT\tATTEMPTS\tREVIVABLE\tLAST-ERROR\n";
  for (const st::Job& j : list.value()) {
    const auto revivable = gateway::daemon::revivable(*store, j);
    if (!revivable.ok()) {
      std::cerr << "edigate: " << revivable.status().message << "\n";
      return kCannotRun;
    }
    const bool can = revivable.value();
    if (o.as_json) {
      json item = st::job_json(j);
      item["revivable"] = can;
      std::cout << dump(item) << "\n";
      continue;
    }
    const auto id_or_dash = [](const std::optional<std::int64_t>& v) {
      return v ? std::to_string(*v) : std::string("-");
    };
    std::cout << j.id << '\t' << j.kind << '\t' << id_or_dash(j.ref.message_id) << '\t'
              << id_or_dash(j.ref.document_id) << '\t' << j.attempts << '\t' << (can ? "yes" : "no")
              << '\t' << j.last_error.substr(0, 200) << '\n';
  }
  return 0;
}

// Dead jobs back to work (retry_dead_jobs), audited as the CLI's.
int run_retry_dead(const DeadOptions& o) {
  const auto opened = open_existing_store(o.db);
  if (!opened) return kCannotRun;
  auto revived = gateway::daemon::retry_dead_jobs(
      *opened, o.id == 0 ? std::nullopt : std::optional<std::int64_t>(o.id), o.kind, "cli");
  if (!revived.ok()) return not_done(revived.status());
  std::cout << st::json_text(json{{"jobs", revived.value()}}) << "\n";
  return 0;
}

struct AddOptions {
  std::string db;
  std::string spool;
  std::string file;
  st::NewMessage message;
};

// The whole file, refused above kMaxAddFileBytes; nullopt (with a message) on failure.
std::optional<std::string> read_payload(const std::string& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) {
    std::cerr << "edigate: cannot read " << file << "\n";
    return std::nullopt;
  }
  const auto size = static_cast<std::size_t>(in.tellg());
  if (size > kMaxAddFileBytes) {
    std::cerr << "edigate: " << file << " is larger than " << kMaxAddFileBytes << " bytes\n";
    return std::nullopt;
  }
  in.seekg(0);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    std::cerr << "edigate: cannot read " << file << "\n";
    return std::nullopt;
  }
  return bytes;
}

int run_messages_add(AddOptions& o) {
  const auto bytes = read_payload(o.file);
  if (!bytes) return kCannotRun;
  st::Spool spool(o.spool);
  st::SqliteOptions options;
  options.group_commit = false;
  // A new store is made at the current schema; an existing one is the daemon's to migrate (a
  // newer CLI next to an older daemon must not upgrade the database under it).
  std::error_code ec;
  options.migrate = !std::filesystem::exists(o.db, ec) || std::filesystem::file_size(o.db, ec) == 0;
  auto store = st::open_sqlite_store(o.db, options);
  if (!store.ok()) {
    std::cerr << "edigate: " << store.status().message << "\n";
    return kCannotRun;
  }
  if (auto s = spool.open(); !s.ok()) {
    std::cerr << "edigate: " << s.message << "\n";
    return kCannotRun;
  }
  if (o.message.filename.empty()) {
    o.message.filename = std::filesystem::path(o.file).filename().string();
  }
  st::Blobs blobs(*store.value(), spool);
  auto added = blobs.add_received(o.message, *bytes, kFirstJobForFiles);
  if (!added.ok()) {
    std::cerr << "edigate: " << added.status().message << "\n";
    return added.status().code == st::StoreErrc::duplicate ? kFailed : kCannotRun;
  }
  std::cout << added.value().message_id << "\n";
  return 0;
}

struct PurgeOptions {
  std::string db;
  std::string spool;
  std::string before;  // ISO 8601 UTC
  int older_than_days = 0;
  std::size_t batch = 500;
  bool dry_run = false;
};

// The cutoff asked for, or a message saying why it cannot be used.
std::variant<std::int64_t, std::string> purge_cutoff(const PurgeOptions& o) {
  constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
  const std::int64_t now = st::system_now_ms();
  if (o.before.empty() == (o.older_than_days == 0)) {
    return std::string("give one of --before and --older-than-days");
  }
  std::int64_t cutoff = now - std::int64_t{o.older_than_days} * kDayMs;
  if (!o.before.empty()) {
    const auto t = st::parse_iso_time(o.before);
    if (!t) return "--before: not a UTC time (2026-11-30, 2026-11-30T07:05Z): " + o.before;
    cutoff = *t;
  }
  // A purged AS2 message is no longer recognised as a duplicate when its partner sends it
  // again, so what is still within any partner's retries stays.
  if (cutoff > now - st::kMinRetentionDays * kDayMs) {
    return "the cutoff must be at least " + std::to_string(st::kMinRetentionDays) + " day(s) ago";
  }
  return cutoff;
}

void print_purge(const PurgeOptions& o, std::int64_t cutoff, const st::PurgeSummary& total) {
  json out = {{"before", st::iso_time(cutoff)},
              {"messages", total.rows.messages},
              {"documents", total.rows.documents}};
  if (o.dry_run) {
    out["dry_run"] = true;
  } else {
    out["blobs"] = total.rows.blobs;
    out["spool_files"] = total.files;
  }
  std::cout << st::json_text(out) << "\n";
}

int run_messages_purge(const PurgeOptions& o) {
  const auto cutoff = purge_cutoff(o);
  if (const auto* why = std::get_if<std::string>(&cutoff)) {
    std::cerr << "edigate: " << *why << "\n";
    return kCannotRun;
  }
  const std::int64_t before = std::get<std::int64_t>(cutoff);
  const auto opened = open_existing_store(o.db);
  if (!opened) return kCannotRun;
  st::Spool spool(o.spool);
  st::Blobs blobs(*opened, spool);
  if (o.dry_run) {
    auto counted = opened->count_purgeable(before);
    if (!counted.ok()) {
      std::cerr << "edigate: " << counted.status().message << "\n";
      return kCannotRun;
    }
    st::PurgeSummary counts;
    counts.rows = counted.value();
    print_purge(o, before, counts);
    return 0;
  }
  // Batches, each its own transaction, so that a running daemon waits for one at a time (for up
  // to its busy timeout, 5 s).
  const st::PurgeSummary total = blobs.purge(before, o.batch, "cli", std::chrono::milliseconds(0),
                                             [](std::chrono::milliseconds d) {
                                               std::this_thread::sleep_for(d);
                                               return true;
                                             });
  print_purge(o, before, total);
  if (!total.status.ok()) {
    std::cerr << "edigate: " << total.status.message << "\n";
    return kCannotRun;
  }
  if (total.file_errors > 0) {
    std::cerr << "edigate: some spool files could not be removed: " << total.first_error << "\n";
    return kFailed;
  }
  return 0;
}

void add_messages_purge(CLI::App* messages, int& exit_code) {
  auto o = std::make_shared<PurgeOptions>();
  CLI::App* p = messages->add_subcommand(
      "purge",
      "Delete messages received before a time whose processing has ended, with their "
      "documents, MDNs, acks, deliveries, jobs and payloads (audited; the audit log stays)");
  p->add_option("--db", o->db, "Store database file")->required();
  p->add_option("--spool", o->spool, "Spool directory")->required();
  p->add_option("--before", o->before, "Received before this time (UTC)");
  p->add_option("--older-than-days", o->older_than_days, "Received more than N days ago")
      ->check(CLI::PositiveNumber);
  p->add_option("--batch", o->batch, "Messages per transaction")
      ->check(CLI::Range(std::size_t{1}, st::kMaxPurgeBatch));
  p->add_flag("--dry-run", o->dry_run, "Count what would be deleted; change nothing");
  p->callback([o, &exit_code] { exit_code = run_messages_purge(*o); });
}

void add_audit(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "Verify or export the hash-chained audit log");
  audit->require_subcommand(1);
  auto v = std::make_shared<VerifyOptions>();
  CLI::App* verify = audit->add_subcommand("verify", "Check every entry of the audit chain");
  verify->add_option("--db", v->db, "Store database file")->required();
  verify->add_option("--anchor", v->anchor,
                     "SEQ:HASH printed by an earlier verify; fails if that entry is gone");
  verify->callback([v, &exit_code] { exit_code = run_audit_verify(*v); });
  auto db = std::make_shared<std::string>();
  CLI::App* exp = audit->add_subcommand("export", "Print the audit log as JSON lines");
  exp->add_option("--db", *db, "Store database file")->required();
  exp->callback([db, &exit_code] { exit_code = run_audit_export(*db); });
}

void add_messages_add(CLI::App* messages, int& exit_code) {
  auto o = std::make_shared<AddOptions>();
  o->message.transport = "cli";
  CLI::App* c = messages->add_subcommand("add", "Store a file as a received message");
  c->add_option("FILE", o->file, "Payload file")->required()->check(CLI::ExistingFile);
  c->add_option("--db", o->db, "Store database file (created if missing)")->required();
  c->add_option("--spool", o->spool, "Spool directory (created if missing)")->required();
  c->add_option("--partner", o->message.partner, "Partner id")->required();
  c->add_option("--as2-message-id", o->message.as2_message_id, "AS2 Message-ID (duplicates)");
  c->add_option("--content-type", o->message.content_type, "Content type");
  c->add_option("--filename", o->message.filename, "Name to record (default: FILE's name)");
  c->callback([o, &exit_code] { exit_code = run_messages_add(*o); });
}

void add_messages(CLI::App& app, int& exit_code) {
  CLI::App* messages = app.add_subcommand("messages", "List and inspect stored messages");
  messages->require_subcommand(1);
  auto list = std::make_shared<ListOptions>();
  CLI::App* l = messages->add_subcommand("list", "List messages, newest first");
  l->add_option("--db", list->db, "Store database file")->required();
  l->add_option("--partner", list->filter.partner, "Only this partner");
  l->add_option("--status", list->filter.status, "Only this status")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(st::message_status::all),
                                                     std::end(st::message_status::all))));
  l->add_option("--direction", list->filter.direction, "Only in or out")
      ->check(CLI::IsMember({"in", "out"}));
  l->add_option("--as2-id", list->filter.as2_message_id,
                "The message with this AS2 Message-ID (angle brackets optional)");
  l->add_option("--control", list->filter.control,
                "Messages with an interchange of this control number (ISA13, UNB 0020, as in "
                "the EDI)");
  l->add_option("--since", list->since,
                "Received at or after (UTC: 2026-11-30, 2026-11-30T07:05Z)");
  l->add_option("--until", list->until, "Received before (UTC)");
  l->add_option("--before-id", list->filter.before_id, "Ids below this one (the next page)");
  l->add_option("--limit", list->filter.limit, "At most this many")
      ->check(CLI::Range(std::size_t{1}, st::kMaxListLimit));
  l->add_flag("--json", list->as_json, "One JSON object per line");
  l->callback([list, &exit_code] { exit_code = run_messages_list(*list); });
  auto sent = std::make_shared<SentOptions>();
  CLI::App* o = messages->add_subcommand(
      "sent", "AS2 messages we sent (acknowledgements) with their MDN state, newest first");
  o->add_option("--db", sent->db, "Store database file")->required();
  o->add_option("--partner", sent->filter.partner, "Only this partner");
  o->add_option("--state", sent->filter.state,
                "Only this state (sending, sent-awaiting-mdn, mdn-ok, mdn-failed, mdn-timeout, "
                "send-failed)");
  o->add_option("--limit", sent->filter.limit, "At most this many")
      ->check(CLI::Range(std::size_t{1}, st::kMaxListLimit));
  o->add_flag("--json", sent->as_json, "One JSON object per line");
  o->callback([sent, &exit_code] { exit_code = run_messages_sent(*sent); });
  auto db = std::make_shared<std::string>();
  auto id = std::make_shared<std::int64_t>(0);
  CLI::App* s = messages->add_subcommand("show",
                                         "A message with its documents, MDN, acks, "
                                         "deliveries and jobs as JSON");
  s->add_option("--db", *db, "Store database file")->required();
  s->add_option("ID", *id, "Message id")->required();
  s->callback([db, id, &exit_code] { exit_code = run_messages_show(*db, *id); });
  auto again = std::make_shared<RequeueOptions>();
  CLI::App* r = messages->add_subcommand(
      "reprocess", "Validate, map and route a message again (the daemon runs the job)");
  r->add_option("--db", again->db, "Store database file")->required();
  r->add_option("ID", again->id, "Message id")->required();
  r->callback([again, &exit_code] { exit_code = run_requeue(*again, false); });
  auto resend = std::make_shared<RequeueOptions>();
  CLI::App* d = messages->add_subcommand(
      "resend",
      "Deliver a received message's documents again to connectors, or send a failed outbound "
      "message again (the daemon runs the jobs)");
  d->add_option("--db", resend->db, "Store database file")->required();
  d->add_option("--connector", resend->connectors,
                "Connector name (repeat for several); a received message needs one, or --config");
  d->add_option("--config", resend->config,
                "The daemon's edigate.xml: connector names are checked in it, and without "
                "--connector each document goes where its partner's routes send it");
  d->add_option("ID", resend->id, "Message id")->required();
  d->callback([resend, &exit_code] { exit_code = run_requeue(*resend, true); });
  auto sent_db = std::make_shared<std::string>();
  auto sent_id = std::make_shared<std::int64_t>(0);
  CLI::App* a = messages->add_subcommand(
      "resend-sent",
      "Send an AS2 message we sent (an acknowledgement) again, by its id in `messages sent`, "
      "when it failed, got a negative MDN or none in time (the daemon sends it)");
  a->add_option("--db", *sent_db, "Store database file")->required();
  a->add_option("ID", *sent_id, "Sent message id (the id column of `messages sent`)")->required();
  a->callback([sent_db, sent_id, &exit_code] { exit_code = run_resend_sent(*sent_db, *sent_id); });
  auto dead = std::make_shared<DeadOptions>();
  CLI::App* dl = messages->add_subcommand(
      "dead", "Jobs in dead letter (deliveries, acknowledgements, ...), newest first");
  dl->add_option("--db", dead->db, "Store database file")->required();
  dl->add_option("--kind", dead->kind, "Only kinds starting with this (deliver:erp, notify_out)");
  dl->add_option("--limit", dead->limit, "At most this many")
      ->check(CLI::Range(std::size_t{1}, st::kMaxListLimit));
  dl->add_flag("--json", dead->as_json, "One JSON object per line");
  dl->callback([dead, &exit_code] { exit_code = run_messages_dead(*dead); });
  auto retry = std::make_shared<DeadOptions>();
  CLI::App* t = messages->add_subcommand(
      "retry-dead",
      "Put dead deliveries, ERP status events and async MDNs back to work with a full set of "
      "attempts: one by its job id, or every one whose kind starts with --kind (the daemon "
      "runs them)");
  t->add_option("--db", retry->db, "Store database file")->required();
  auto* by_id = t->add_option("ID", retry->id, "Job id (the JOB column of `messages dead`)");
  auto* by_kind =
      t->add_option("--kind", retry->kind, "Every revivable dead job whose kind starts with this");
  auto* all = t->add_flag("--all", retry->all, "Every revivable dead job");
  by_id->excludes(by_kind)->excludes(all);
  by_kind->excludes(all);
  t->callback([retry, t, &exit_code] {
    if (retry->id == 0 && t->count("--kind") == 0 && !retry->all) {
      std::cerr << "edigate: name a job id, --kind PREFIX or --all\n";
      exit_code = kCannotRun;
      return;
    }
    exit_code = run_retry_dead(*retry);
  });
  add_messages_add(messages, exit_code);
  add_messages_purge(messages, exit_code);
}

}  // namespace

void add_store_commands(CLI::App& app, int& exit_code) {
  add_audit(app, exit_code);
  add_messages(app, exit_code);
  add_store_check_command(app, exit_code);
}

}  // namespace edigate::cli
