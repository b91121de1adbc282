// Outbound AS2 messages and their MDNs for the SQLite backend.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "store/sqlite_store_impl.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::store::sqlite {
namespace {

namespace state = as2_sent_state;

constexpr const char* kSentColumns =
    "id, message_id, partner, as2_message_id, carries, mic, mic_algorithm, async_mdn, state, "
    "disposition, error, mdn_spool_id, mdn_signed, created_at, sent_at, mdn_deadline, mdn_at, "
    "updated_at";

SentAs2 sent_from(const Statement& q) {
  SentAs2 s;
  s.id = q.int_at(0);
  s.message_id = q.int_at(1);
  s.partner = q.text_at(2);
  s.as2_message_id = q.text_at(3);
  s.carries = q.text_at(4);
  s.mic = q.text_at(5);
  s.mic_algorithm = q.text_at(6);
  s.async_mdn = q.int_at(7) != 0;
  s.state = q.text_at(8);
  s.disposition = q.text_at(9);
  s.error = q.text_at(10);
  s.mdn_spool_id = q.text_at(11);
  s.mdn_signed = q.int_at(12) != 0;
  s.created_at = q.int_at(13);
  s.sent_at = q.int_at(14);
  s.mdn_deadline = q.int_at(15);
  s.mdn_at = q.int_at(16);
  s.updated_at = q.int_at(17);
  return s;
}

Result<std::optional<SentAs2>> one_sent(Statement& q) {
  auto row = q.next();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<SentAs2>{};
  return std::optional<SentAs2>{sent_from(q)};
}

struct Move {
  std::string_view from, to, audit_action;
};

// The state machine. An MDN may overtake the POST's answer (sending -> mdn-*), a late MDN
// still settles a timed-out message, and an MDN for a POST we counted as failed proves the
// partner got it; a settled message never moves again, so a duplicate MDN changes nothing,
// except that an operator may send one that failed or timed out again (same Message-ID, so a
// partner that did get it the first time knows it for a duplicate).
constexpr std::array<Move, 14> kMoves{{
    {state::sending, state::awaiting_mdn, "as2.sent"},
    {state::sending, state::mdn_ok, "as2.mdn_received"},
    {state::sending, state::mdn_failed, "as2.mdn_failed"},
    {state::sending, state::send_failed, "as2.send_failed"},
    {state::awaiting_mdn, state::mdn_ok, "as2.mdn_received"},
    {state::awaiting_mdn, state::mdn_failed, "as2.mdn_failed"},
    {state::awaiting_mdn, state::mdn_timeout, "as2.mdn_timeout"},
    {state::mdn_timeout, state::mdn_ok, "as2.mdn_received"},
    {state::mdn_timeout, state::mdn_failed, "as2.mdn_failed"},
    {state::send_failed, state::mdn_ok, "as2.mdn_received"},
    {state::send_failed, state::mdn_failed, "as2.mdn_failed"},
    {state::send_failed, state::sending, "as2.resend"},
    {state::mdn_failed, state::sending, "as2.resend"},
    {state::mdn_timeout, state::sending, "as2.resend"},
}};

const Move* find_move(std::string_view from, std::string_view to) {
  const auto it = std::find_if(kMoves.begin(), kMoves.end(),
                               [&](const Move& m) { return m.from == from && m.to == to; });
  return it == kMoves.end() ? nullptr : &*it;
}

}  // namespace

Result<SentAs2> SqliteStore::begin_as2_send(const NewSentAs2& s) {
  return write([&]() -> Result<SentAs2> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    const std::int64_t t = now();
    // A retry packs the message again: its MIC is refreshed, but only while nothing settled it.
    Statement insert(statements_,
                     "INSERT INTO as2_sent (id, message_id, partner, as2_message_id, carries, mic, "
                     "mic_algorithm, async_mdn, state, created_at, updated_at) "
                     "VALUES (" EDIGATE_NEXT_ID("as2_sent") ", ?1, ?2, ?3, ?4, ?5, ?6, ?7, 'sending', ?8, ?8) "
                     "ON CONFLICT (partner, as2_message_id) DO UPDATE SET mic = ?5, "
                     "mic_algorithm = ?6, async_mdn = ?7, state = 'sending', error = '', "
                     "updated_at = ?8 WHERE state IN ('sending', 'send-failed')");
    insert.bind(1, s.message_id)
        .bind(2, s.partner)
        .bind(3, s.as2_message_id)
        .bind(4, s.carries)
        .bind(5, s.mic)
        .bind(6, s.mic_algorithm)
        .bind(7, std::int64_t{s.async_mdn ? 1 : 0})
        .bind(8, t);
    if (auto st = insert.run(); !st.ok()) return st;
    Statement q(statements_, std::string("SELECT ") + kSentColumns +
                                 " FROM as2_sent WHERE partner = ? AND as2_message_id = ?");
    q.bind(1, s.partner).bind(2, s.as2_message_id);
    auto row = one_sent(q);
    if (!row.ok()) return row.status();
    if (!row.value()) return Status::error(StoreErrc::database, "the outbound AS2 row vanished");
    if (auto st = txn.commit(); !st.ok()) return st;
    return *row.value();
  });
}

Result<bool> SqliteStore::update_as2_sent(std::int64_t id, const SentAs2Change& change) {
  return write([&]() -> Result<bool> {
    Transaction txn(statements_);
    if (!txn.status().ok()) return txn.status();
    Statement q(statements_, std::string("SELECT ") + kSentColumns + " FROM as2_sent WHERE id = ?");
    q.bind(1, id);
    auto found = one_sent(q);
    if (!found.ok()) return found.status();
    if (!found.value()) {
      return Status::error(StoreErrc::not_found, "no outbound AS2 message " + std::to_string(id));
    }
    const SentAs2& before = *found.value();
    const Move* move = find_move(before.state, change.state);
    if (move == nullptr) return false;
    const std::int64_t t = now();
    const bool mdn = change.state == state::mdn_ok || change.state == state::mdn_failed;
    Statement u(statements_,
                "UPDATE as2_sent SET state = ?1, disposition = ?2, error = ?3, mdn_spool_id = ?4, "
                "mdn_signed = ?5, sent_at = CASE WHEN sent_at = 0 AND ?1 <> 'send-failed' THEN ?6 "
                "ELSE sent_at END, mdn_deadline = CASE WHEN ?7 > 0 THEN ?7 ELSE mdn_deadline END, "
                "mdn_at = CASE WHEN ?8 THEN ?6 ELSE mdn_at END, updated_at = ?6 WHERE id = ?9");
    u.bind(1, change.state)
        .bind(2, bounded(change.disposition, kMaxErrorText))
        .bind(3, bounded(change.error, kMaxErrorText))
        .bind(4, change.mdn_spool_id)
        .bind(5, std::int64_t{change.mdn_signed ? 1 : 0})
        .bind(6, t)
        .bind(7, change.mdn_deadline)
        .bind(8, std::int64_t{mdn ? 1 : 0})
        .bind(9, id);
    if (auto st = u.run(); !st.ok()) return st;
    nlohmann::json details = {{"as2_sent", id},
                              {"as2_message_id", before.as2_message_id},
                              {"partner", before.partner},
                              {"carries", before.carries},
                              {"from", before.state}};
    if (!change.disposition.empty()) details["disposition"] = change.disposition;
    if (!change.error.empty()) details["error"] = bounded(change.error, kMaxErrorText);
    if (!change.mdn_spool_id.empty()) details["mdn"] = change.mdn_spool_id;
    if (change.mdn_deadline > 0) details["mdn_deadline"] = change.mdn_deadline;
    auto audit =
        append_audit_locked({"as2", std::string(move->audit_action),
                             "message:" + std::to_string(before.message_id), json_text(details)});
    if (!audit.ok()) return audit.status();
    if (auto st = txn.commit(); !st.ok()) return st;
    return true;
  });
}

Result<std::optional<SentAs2>> SqliteStore::get_as2_sent(std::int64_t id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kSentColumns + " FROM as2_sent WHERE id = ?");
  q.bind(1, id);
  return one_sent(q);
}

Result<std::optional<SentAs2>> SqliteStore::find_as2_sent(std::string_view partner,
                                                          std::string_view as2_message_id) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kSentColumns +
                               " FROM as2_sent WHERE partner = ? AND as2_message_id = ?");
  q.bind(1, partner).bind(2, as2_message_id);
  return one_sent(q);
}

Result<std::vector<SentAs2>> SqliteStore::list_as2_sent(const SentAs2Filter& filter) {
  std::lock_guard lock(mu_);
  Statement q(statements_, std::string("SELECT ") + kSentColumns +
                               " FROM as2_sent WHERE (?1 IS NULL OR message_id = ?1) AND "
                               "(?2 = '' OR partner = ?2) AND (?3 = '' OR state = ?3) AND "
                               "(?5 = '[]' OR partner IN (SELECT value FROM json_each(?5))) "
                               "ORDER BY id DESC LIMIT ?4");
  const auto limit = static_cast<std::int64_t>(std::min(filter.limit, kMaxListLimit));
  const std::string partner_in = nlohmann::json(filter.partner_in).dump();
  q.bind(1, filter.message_id).bind(2, filter.partner).bind(3, filter.state).bind(4, limit);
  q.bind(5, partner_in);
  return all_rows<SentAs2>(q, sent_from);
}

}  // namespace edigate::gateway::store::sqlite
