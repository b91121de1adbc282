// JSON views of store rows, shared by `edigate messages` and the admin API so both show the
// same fields the same way (times as ISO 8601 UTC with milliseconds).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace edigate::gateway::store {

// Compact JSON text as kept in rows and audit details: invalid UTF-8 (partners' data, file
// names) is replaced, never a reason to throw.
std::string json_text(const nlohmann::json& j);

std::string iso_time(std::int64_t ms);
// "2026-11-30", "2026-11-30T07:05", "2026-11-30T07:05:09" or with ".123", each optionally
// ending in "Z" (UTC; no other zones), as ms since the epoch; nullopt for anything else.
std::optional<std::int64_t> parse_iso_time(std::string_view text);
// Sets filter.since and filter.until from those texts (an empty one sets nothing); the message
// to show when one is not such a time, nullopt when both are fine.
std::optional<std::string> set_time_range(MessageFilter& filter, std::string_view since,
                                          std::string_view until);
nlohmann::json message_json(const Message& m);
nlohmann::json document_json(const Document& d);
nlohmann::json job_json(const Job& j);
nlohmann::json delivery_json(const DeliveryAttempt& a);
nlohmann::json as2_sent_json(const SentAs2& s);
// Adds "documents" (each with its "deliveries") to `out`; false and `error` on a store error.
bool add_documents(Store& store, std::int64_t id, nlohmann::json& out, std::string& error);
// Adds "mdn", "acks", "as2_sent" (what we sent for it over AS2, with its MDN state) and "jobs"
// to `out`.
bool add_mdn_acks_jobs(Store& store, std::int64_t id, nlohmann::json& out, std::string& error);

}  // namespace edigate::gateway::store
