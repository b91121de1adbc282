#include "store/audit_chain.hpp"

#include <nlohmann/json.hpp>

#include "store/sha256.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store {
namespace {

void field(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string audit_canonical(const AuditEntry& e) {
  std::string out = "edigate-audit-v1\n";
  field(out, std::to_string(e.seq));
  field(out, std::to_string(e.time));
  field(out, e.actor);
  field(out, e.action);
  field(out, e.subject);
  field(out, e.details);
  field(out, e.prev_hash);
  return out;
}

std::string audit_hash(const AuditEntry& e) { return sha256_hex(audit_canonical(e)); }

std::string audit_json_line(const AuditEntry& e) {
  const nlohmann::json j = {{"seq", e.seq},
                            {"time", e.time},
                            {"actor", e.actor},
                            {"action", e.action},
                            {"subject", e.subject},
                            {"details", e.details},
                            {"prev_hash", e.prev_hash},
                            {"hash", e.hash}};
  // Replace rather than throw on invalid UTF-8: an export must never stop half-way.
  return json_text(j);
}

void AuditChainVerifier::fail(std::int64_t seq, std::string reason) {
  failed_ = true;
  bad_seq_ = seq;
  reason_ = std::move(reason);
}

void AuditChainVerifier::feed(const AuditEntry& e) {
  if (failed_) return;
  ++count_;
  if (e.seq != expected_seq_) {
    // A gap means deleted entries; a smaller seq means reordered rows.
    fail(e.seq, "expected seq " + std::to_string(expected_seq_) + " but found " +
                    std::to_string(e.seq) + " (entries deleted or reordered)");
    return;
  }
  if (e.prev_hash != prev_hash_) {
    fail(e.seq, "prev_hash does not match the hash of entry " + std::to_string(e.seq - 1));
    return;
  }
  if (audit_hash(e) != e.hash) {
    fail(e.seq, "hash does not match the entry's content (entry edited)");
    return;
  }
  prev_hash_ = e.hash;
  ++expected_seq_;
}

AuditVerification AuditChainVerifier::result() const {
  AuditVerification v;
  v.ok = !failed_;
  v.entries = count_;
  if (failed_) {
    v.first_bad_seq = bad_seq_;
    v.reason = reason_;
  } else {
    v.head_hash = prev_hash_;
  }
  return v;
}

}  // namespace edigate::gateway::store
