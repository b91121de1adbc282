#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/blobs.hpp"
#include "store_fixture.hpp"

using namespace edigate::gateway::store;
using edigate::gateway::store::test::as2_message;
using edigate::gateway::store::test::StoreFixture;

namespace {

constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;

// A store and a spool whose byte strings over 1 KiB are files.
struct PurgeFixture {
  StoreFixture f;
  std::unique_ptr<Store> store = f.open_store();
  Spool spool{f.dir.file("spool")};
  Blobs blobs{*store, spool, 1024};

  PurgeFixture() { REQUIRE(spool.open().ok()); }

  // A purge run of batches of `batch`, stopped after `batches` of them (the pause says stop).
  PurgeSummary purge(std::int64_t before, std::size_t batch, int batches = 1000) {
    int done = 0;
    return blobs.purge(before, batch, "test", std::chrono::milliseconds(0),
                       [&](std::chrono::milliseconds) { return ++done < batches; });
  }

  std::string put(std::string_view bytes) {
    auto pending = blobs.prepare(bytes);
    REQUIRE(pending.ok());
    REQUIRE(blobs.record(pending.value()).ok());
    return pending.value().id;
  }

  // A received message with no work left (first_job empty) or with its first job waiting.
  std::int64_t message(const std::string& as2_id, const std::string& payload,
                       std::string_view first_job = {}) {
    NewMessage m = as2_message("acme", as2_id);
    m.payload_id = put(payload);
    m.raw_id = put("POST /as2 HTTP/1.1\r\n\r\nsigned and encrypted " + payload);
    auto added = store->add_received_message(m, first_job);
    REQUIRE(added.ok());
    return added.value().message_id;
  }

  // Everything a processed message has: a document with its canonical JSON, its delivery, an
  // acknowledgement, the MDN.
  void processed(std::int64_t id, const std::string& tag) {
    NewDocument d;
    d.message_id = id;
    d.type = "purchase_order";
    d.status = "delivered";
    d.canonical_id = put("{\"order\":\"" + tag + "\"}");
    auto doc = store->add_document(d);
    REQUIRE(doc.ok());
    DeliveryAttempt a;
    a.document_id = doc.value();
    a.connector = "erp";
    a.attempt = 1;
    a.outcome = DeliveryOutcome::delivered;
    REQUIRE(store->add_delivery_attempt(a).ok());
    REQUIRE(store->add_ack({id, "997", "0001", put("997 for " + tag), Direction::outbound}).ok());
    REQUIRE(store->store_mdn({id, put("MDN for " + tag), "processed", true}).ok());
  }

  bool has_blob(const std::string& id) {
    auto got = blobs.read(id);
    return got.ok();
  }
};

void age_file(const std::string& path, std::int64_t seconds) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  const timespec times[2] = {{st.st_atim.tv_sec - seconds, 0}, {st.st_mtim.tv_sec - seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("purge: ended messages before the cutoff go with their rows and bytes, others stay",
          "[store][purge]") {
  PurgeFixture x;
  const std::int64_t t0 = x.f.clock->load();
  const std::int64_t done = x.message("<done@acme>", "ISA*done~", "process");
  auto job = x.store->claim("runner", t0);
  REQUIRE(job.ok());
  REQUIRE(job.value());
  REQUIRE(job.value()->ref.message_id == done);
  REQUIRE(x.store->complete(*job.value()).ok());
  x.processed(done, "done");
  const std::string large(4096, 'L');
  const std::int64_t big = x.message("<big@acme>", large);
  const std::int64_t waiting = x.message("<waiting@acme>", "ISA*waiting~", "process");
  const std::int64_t shared_old = x.message("<shared-old@acme>", "ISA*same payload~");
  const std::int64_t awaiting = x.message("<awaiting@acme>", "ISA*awaiting~");
  REQUIRE(x.store->begin_as2_send({awaiting, "acme", "<ack@us>", "ack:1", "mic", "sha-256", true})
              .ok());
  REQUIRE(x.store->record_interchange("acme", "ACME", "000000001", done).ok());
  x.f.clock->store(t0 + 10 * kDay);
  const std::int64_t recent = x.message("<recent@acme>", "ISA*recent~");
  const std::int64_t shared_new = x.message("<shared-new@acme>", "ISA*same payload~");
  x.processed(recent, "recent");  // the highest document and acknowledgement ids are recent

  auto before = x.store->get_message(done);
  REQUIRE(before.ok());
  REQUIRE(before.value());
  const Message done_row = *before.value();
  auto docs = x.store->list_documents(done);
  REQUIRE(docs.ok());
  REQUIRE(docs.value().size() == 1);
  const std::string canonical = docs.value()[0].canonical_id;
  auto big_row = x.store->get_message(big);
  REQUIRE(big_row.ok());
  const std::string big_payload = big_row.value()->payload_id;
  REQUIRE(x.spool.exists(big_payload));
  auto shared_row = x.store->get_message(shared_old);
  const std::string shared_payload = shared_row.value()->payload_id;
  const std::int64_t audit_before = x.f.raw_count("audit");

  SECTION("a dry run counts and changes nothing") {
    auto r = x.store->count_purgeable(t0 + 5 * kDay);
    REQUIRE(r.ok());
    CHECK(r.value().messages == 3);  // done, big, shared_old
    CHECK(r.value().documents == 1);
    CHECK(x.spool.exists(big_payload));  // no file removed
    CHECK(x.f.raw_count("messages") == 7);
    CHECK(x.f.raw_count("audit") == audit_before);
    CHECK(x.has_blob(done_row.payload_id));
  }

  SECTION("a purge") {
    age_file(x.spool.path(big_payload), 2 * 60 * 60);  // written more than the grace ago
    auto r = x.purge(t0 + 5 * kDay, 100);
    REQUIRE(r.status.ok());
    CHECK(r.rows.messages == 3);
    CHECK(r.rows.documents == 1);
    CHECK(r.files == 1);
    CHECK(r.file_errors == 0);
    for (std::int64_t gone : {done, big, shared_old}) {
      auto m = x.store->get_message(gone);
      REQUIRE(m.ok());
      CHECK_FALSE(m.value());
    }
    for (std::int64_t kept : {waiting, awaiting, recent, shared_new}) {
      auto m = x.store->get_message(kept);
      REQUIRE(m.ok());
      CHECK(m.value());
    }
    CHECK(x.f.raw_count("documents") == 1);  // recent's
    CHECK(x.f.raw_count("deliveries") == 1);
    CHECK(x.f.raw_count("acks") == 1);
    CHECK(x.f.raw_count("mdns") == 1);
    CHECK(x.f.raw_count("as2_sent") == 1);  // the one awaiting its MDN
    CHECK(x.f.raw_count("jobs") == 1);      // waiting's process job
    // The bytes of the purged: the payload, the request as received, the canonical JSON, the
    // acknowledgement, the MDN, and the large payload's spool file.
    CHECK_FALSE(x.has_blob(done_row.payload_id));
    CHECK_FALSE(x.has_blob(done_row.raw_id));
    CHECK_FALSE(x.has_blob(canonical));
    CHECK_FALSE(x.spool.exists(big_payload));
    // A payload another message still names stays.
    CHECK(x.has_blob(shared_payload));
    // Duplicate detection keeps what it has seen.
    auto again = x.store->record_interchange("acme", "ACME", "000000001");
    REQUIRE(again.ok());
    CHECK_FALSE(again.value());
    // Audited in the chain, which still verifies.
    CHECK(x.f.raw_count("audit") == audit_before + 1);
    auto entry = x.store->get_audit(audit_before + 1);
    REQUIRE(entry.ok());
    REQUIRE(entry.value());
    CHECK(entry.value()->action == "store.purged");
    CHECK(entry.value()->actor == "test");
    const auto details = nlohmann::json::parse(entry.value()->details);
    CHECK(details["messages"] == 3);
    CHECK(details["first_message"] == done);
    auto verified = x.store->verify_audit();
    REQUIRE(verified.ok());
    CHECK(verified.value().ok);
    // Nothing left to do: nothing written.
    auto second = x.purge(t0 + 5 * kDay, 100);
    REQUIRE(second.status.ok());
    CHECK(second.rows.messages == 0);
    CHECK(x.f.raw_count("audit") == audit_before + 1);
  }

  SECTION("batches take the oldest first") {
    auto r = x.purge(t0 + 5 * kDay, 2, 1);
    REQUIRE(r.status.ok());
    CHECK(r.rows.messages == 2);
    auto m = x.store->get_message(shared_old);
    REQUIRE(m.ok());
    CHECK(m.value());
  }

  SECTION("a spool file used within the grace period stays") {
    auto r = x.purge(t0 + 5 * kDay, 100);
    REQUIRE(r.status.ok());
    CHECK(r.rows.messages == 3);
    CHECK(r.files == 0);
    CHECK(x.spool.exists(big_payload));
  }
}

TEST_CASE("spool: remove_idle leaves a file a put used since, removes an idle one",
          "[store][purge][spool]") {
  StoreFixture f;
  Spool spool(f.dir.file("spool"));
  REQUIRE(spool.open().ok());
  auto id = spool.put("bytes a purge may remove");
  REQUIRE(id.ok());
  const std::string path = spool.path(id.value());
  age_file(path, 600);
  const std::int64_t five_minutes_ago = system_now_ms() - 5 * 60 * 1000;
  // put() again finds the bytes stored and marks them used: not idle since five minutes ago.
  REQUIRE(spool.put("bytes a purge may remove").ok());
  auto kept = spool.remove_idle(id.value(), five_minutes_ago);
  REQUIRE(kept.ok());
  CHECK_FALSE(kept.value());
  CHECK(spool.exists(id.value()));
  age_file(path, 600);
  auto removed = spool.remove_idle(id.value(), five_minutes_ago);
  REQUIRE(removed.ok());
  CHECK(removed.value());
  CHECK_FALSE(spool.exists(id.value()));
  // Nothing left behind under a temporary name.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    ++entries;
  }
  CHECK(entries == 0);
  auto missing = spool.remove_idle(id.value(), five_minutes_ago);
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value());
  // And a put after the removal writes the file again.
  REQUIRE(spool.put("bytes a purge may remove").ok());
  CHECK(spool.exists(id.value()));
}

TEST_CASE("purge: ids are never handed out twice", "[store][purge]") {
  PurgeFixture x;
  const std::int64_t t0 = x.f.clock->load();
  const std::int64_t first = x.message("<1@acme>", "ISA*1~");
  x.processed(first, "1");
  const std::int64_t second = x.message("<2@acme>", "ISA*2~");
  // The newest message holds the highest message id, the first one the highest document and
  // acknowledgement ids: both stay, though everything is past the cutoff.
  x.f.clock->store(t0 + 10 * kDay);
  auto r = x.purge(t0 + 5 * kDay, 100);
  REQUIRE(r.status.ok());
  CHECK(r.rows.messages == 0);
  const std::int64_t third = x.message("<3@acme>", "ISA*3~");
  r = x.purge(t0 + 5 * kDay, 100);
  REQUIRE(r.status.ok());
  CHECK(r.rows.messages == 1);  // the second: neither newest nor holding a highest id
  auto kept = x.store->get_message(first);
  REQUIRE(kept.ok());
  CHECK(kept.value());
  auto gone = x.store->get_message(second);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone.value());
  CHECK(x.message("<4@acme>", "ISA*4~") > third);
}

TEST_CASE("purge: the message of the highest job id stays, so job ids are not handed out twice",
          "[store][purge]") {
  PurgeFixture x;
  const std::int64_t t0 = x.f.clock->load();
  const std::int64_t old = x.message("<1@acme>", "ISA*1~");
  x.processed(old, "1");
  const std::int64_t newest = x.message("<2@acme>", "ISA*2~");
  x.processed(newest, "2");
  // An operator resends the old message: its job (resend keys are made from job ids) is the
  // newest, done before the purge.
  auto resend = x.store->enqueue("redeliver:erp", {old, std::nullopt}, t0);
  REQUIRE(resend.ok());
  auto claimed = x.store->claim("w", t0);
  REQUIRE(claimed.ok());
  REQUIRE(claimed.value());
  REQUIRE(claimed.value()->id == resend.value());
  REQUIRE(x.store->complete(*claimed.value()).ok());
  x.f.clock->store(t0 + 10 * kDay);
  auto r = x.purge(t0 + 5 * kDay, 100);
  REQUIRE(r.status.ok());
  CHECK(r.rows.messages == 0);
  auto kept = x.store->get_job(resend.value());
  REQUIRE(kept.ok());
  CHECK(kept.value());
  auto next = x.store->enqueue("process", {newest, std::nullopt}, t0 + 10 * kDay);
  REQUIRE(next.ok());
  CHECK(next.value() > resend.value());
}
