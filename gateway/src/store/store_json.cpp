#include "store/store_json.hpp"

#include <cstdio>
#include <ctime>
#include <tuple>

namespace edigate::gateway::store {

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

using nlohmann::json;

std::string iso_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  if (text.ends_with('Z')) text.remove_suffix(1);
  // Digits at fixed places; separators checked one by one.
  const auto digits = [&](std::size_t at, std::size_t n, int& out) {
    if (text.size() < at + n) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (!digits(0, 4, year) || text.size() < 10 || text[4] != '-' || !digits(5, 2, month) ||
      text[7] != '-' || !digits(8, 2, day)) {
    return std::nullopt;
  }
  if (text.size() > 10) {
    if (text.size() < 16 || text[10] != 'T' || !digits(11, 2, hour) || text[13] != ':' ||
        !digits(14, 2, minute)) {
      return std::nullopt;
    }
    if (text.size() > 16 && (text.size() < 19 || text[16] != ':' || !digits(17, 2, second))) {
      return std::nullopt;
    }
    if (text.size() > 19 && (text.size() != 23 || text[19] != '.' || !digits(20, 3, millis))) {
      return std::nullopt;
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm);
  if (seconds < 0 || tm.tm_mday != day) return std::nullopt;  // 2026-02-30 normalises: refused
  return static_cast<std::int64_t>(seconds) * 1000 + millis;
}

std::optional<std::string> set_time_range(MessageFilter& filter, std::string_view since,
                                          std::string_view until) {
  for (const auto& [name, text, into] :
       {std::tuple{"since", since, &filter.since}, std::tuple{"until", until, &filter.until}}) {
    if (text.empty()) continue;
    const auto ms = parse_iso_time(text);
    if (!ms) {
      return std::string(name) + ": '" + std::string(text) +
             "' is not a UTC date or time (2026-11-30 or 2026-11-30T07:05:09Z)";
    }
    *into = *ms;
  }
  return std::nullopt;
}

json message_json(const Message& m) {
  return {{"id", m.id},
          {"direction", to_string(m.direction)},
          {"transport", m.transport},
          {"partner", m.partner},
          {"as2_message_id", m.as2_message_id},
          {"filename", m.filename},
          {"payload", m.payload_id},
          {"as_received", m.raw_id},
          {"size", m.size},
          {"content_type", m.content_type},
          {"status", m.status},
          {"error", m.error},
          {"created_at", iso_time(m.created_at)},
          {"updated_at", iso_time(m.updated_at)}};
}

json document_json(const Document& d) {
  return {{"id", d.id},
          {"set_index", d.set_index},
          {"type", d.type},
          {"standard", d.standard},
          {"transaction", d.transaction},
          {"interchange_control", d.interchange_control},
          {"group_control", d.group_control},
          {"set_control", d.set_control},
          {"status", d.status},
          {"canonical", d.canonical_id},
          {"error", d.error},
          {"created_at", iso_time(d.created_at)},
          {"updated_at", iso_time(d.updated_at)}};
}

json job_json(const Job& j) {
  json out = {{"id", j.id},
              {"kind", j.kind},
              {"state", to_string(j.state)},
              {"attempts", j.attempts},
              {"run_at", iso_time(j.run_at)},
              {"last_error", j.last_error}};
  if (j.ref.document_id) out["document_id"] = *j.ref.document_id;
  if (!j.locked_by.empty()) out["locked_by"] = j.locked_by;
  return out;
}

json delivery_json(const DeliveryAttempt& a) {
  return {{"connector", a.connector},
          {"attempt", a.attempt},
          {"outcome", to_string(a.outcome)},
          {"http_status", a.http_status},
          {"response", a.response_excerpt},
          {"idempotency_key", a.idempotency_key},
          {"at", iso_time(a.at)}};
}

json as2_sent_json(const SentAs2& s) {
  const auto time_or_null = [](std::int64_t ms) {
    return ms == 0 ? json(nullptr) : json(iso_time(ms));
  };
  return {{"id", s.id},
          {"message_id", s.message_id},
          {"partner", s.partner},
          {"as2_message_id", s.as2_message_id},
          {"carries", s.carries},
          {"mic", s.mic},
          {"mic_algorithm", s.mic_algorithm},
          {"mdn_mode", s.async_mdn ? "async" : "sync"},
          {"state", s.state},
          {"disposition", s.disposition},
          {"error", s.error},
          {"mdn_spool", s.mdn_spool_id},
          {"mdn_signed", s.mdn_signed},
          {"created_at", iso_time(s.created_at)},
          {"sent_at", time_or_null(s.sent_at)},
          {"mdn_deadline", time_or_null(s.mdn_deadline)},
          {"mdn_at", time_or_null(s.mdn_at)},
          {"updated_at", iso_time(s.updated_at)}};
}

bool add_documents(Store& store, std::int64_t id, json& out, std::string& error) {
  auto docs = store.list_documents(id);
  if (!docs.ok()) {
    error = docs.status().message;
    return false;
  }
  out["documents"] = json::array();
  for (const auto& d : docs.value()) {
    json dj = document_json(d);
    auto deliveries = store.list_deliveries(d.id);
    if (!deliveries.ok()) {
      error = deliveries.status().message;
      return false;
    }
    dj["deliveries"] = json::array();
    for (const auto& a : deliveries.value()) dj["deliveries"].push_back(delivery_json(a));
    out["documents"].push_back(std::move(dj));
  }
  return true;
}

bool add_mdn_acks_jobs(Store& store, std::int64_t id, json& out, std::string& error) {
  auto mdn = store.get_mdn(id);
  auto acks = store.list_acks(id);
  auto jobs = store.list_jobs(id);
  SentAs2Filter filter;
  filter.message_id = id;
  auto sent = store.list_as2_sent(filter);
  for (const Status* s : {&mdn.status(), &acks.status(), &jobs.status(), &sent.status()}) {
    if (!s->ok()) {
      error = s->message;
      return false;
    }
  }
  out["mdn"] = nullptr;
  if (const auto& m = mdn.value()) {
    out["mdn"] = {{"disposition", m->disposition},
                  {"signed", m->signed_mdn},
                  {"spool", m->spool_id},
                  {"created_at", iso_time(m->created_at)}};
  }
  out["acks"] = json::array();
  for (const auto& a : acks.value()) {
    out["acks"].push_back({{"type", a.type},
                           {"control_number", a.control_number},
                           {"direction", to_string(a.direction)},
                           {"spool", a.spool_id},
                           {"created_at", iso_time(a.created_at)}});
  }
  out["as2_sent"] = json::array();
  for (const auto& s : sent.value()) out["as2_sent"].push_back(as2_sent_json(s));
  out["jobs"] = json::array();
  for (const auto& j : jobs.value()) out["jobs"].push_back(job_json(j));
  return true;
}

}  // namespace edigate::gateway::store
