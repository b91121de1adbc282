// The audit chain's format, independent of the database that stores it. Each entry's hash is
// SHA-256 over a canonical serialisation of (seq, time, actor, action, subject, details,
// prev_hash); prev_hash is the previous entry's hash (kAuditGenesisHash for seq 1). Editing,
// deleting or reordering any entry breaks the chain at that entry. See docs/store.md.
#pragma once

#include <cstdint>
#include <string>

#include "store/store.hpp"

namespace edigate::gateway::store {

inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// "edigate-audit-v1\n" then, per field in order, "<byte length>:<bytes>\n"; seq and time as
// decimal integers. Length prefixes make the encoding unambiguous for any field content.
std::string audit_canonical(const AuditEntry& e);
std::string audit_hash(const AuditEntry& e);

// One JSON object (one line, no newline) with every field; details is the exact stored text
// so an auditor can recompute the hash from the export alone.
std::string audit_json_line(const AuditEntry& e);

// Checks entries fed in seq order; stops judging at the first bad one.
class AuditChainVerifier {
 public:
  void feed(const AuditEntry& e);
  AuditVerification result() const;

 private:
  void fail(std::int64_t seq, std::string reason);

  std::int64_t count_ = 0;
  std::int64_t expected_seq_ = 1;
  std::string prev_hash_{kAuditGenesisHash};
  bool failed_ = false;
  std::int64_t bad_seq_ = 0;
  std::string reason_;
};

}  // namespace edigate::gateway::store
