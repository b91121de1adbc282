// Reconciling a partner's acknowledgements with the outbound documents they answer.
#include "daemon/reconcile.hpp"

#include <map>
#include <nlohmann/json.hpp>

#include "daemon/jobs.hpp"
#include "store/store_json.hpp"

namespace edigate::gateway::daemon {
namespace {

// What a partner's acknowledgement says of one of our documents; empty: nothing for sure (CONTRL
// "received", an unknown code, a partial group acceptance without per-set detail).
std::string_view verdict_of(edi::AckStatus status) {
  namespace ds = store::document_status;
  switch (status) {
    case edi::AckStatus::accepted:
      return ds::accepted;
    case edi::AckStatus::accepted_with_errors:
      return ds::accepted_with_errors;
    case edi::AckStatus::rejected:
      return ds::rejected;
    default:
      return {};
  }
}

std::string codes_text(std::string_view what, edi::AckStatus status,
                       const std::vector<std::string>& codes) {
  std::string text = std::string(what) + ": " + edi::to_string(status);
  if (!codes.empty()) {
    text += " (codes";
    for (const std::string& c : codes) text += " " + c;
    text += ")";
  }
  return text;
}

// The set-level answers of a group or interchange acknowledgement, by our set control number.
const edi::SetAck* set_answer(const std::vector<edi::SetAck>& sets, std::string_view control) {
  for (const edi::SetAck& s : sets) {
    if (s.control_number == control) return &s;
  }
  return nullptr;
}

}  // namespace

store::Status reconcile_acks(store::Store& st, const std::string& partner,
                             const edi::AckReport& report, std::int64_t by) {
  using Level = store::Store::ControlLevel;
  std::map<std::int64_t, nlohmann::json> touched;  // outbound message -> documents it changed
  const auto judge = [&](const store::Document& d, std::string_view verdict,
                         const std::string& why) -> store::Status {
    if (verdict.empty()) return store::Status::success();
    if (auto s = st.set_document_status(d.id, verdict, d.canonical_id, why); !s.ok()) return s;
    touched[d.message_id].push_back(
        {{"set_control", d.set_control}, {"status", verdict}, {"answer", why}});
    return store::Status::success();
  };
  const auto by_group = [&](const edi::GroupAck& g, const std::vector<store::Document>& docs,
                            const char* kind) -> store::Status {
    for (const store::Document& d : docs) {
      if (const edi::SetAck* a = set_answer(g.sets, d.set_control)) {
        if (auto s = judge(d, verdict_of(a->status), codes_text(kind, a->status, a->codes));
            !s.ok()) {
          return s;
        }
      } else if (g.status == edi::AckStatus::accepted || g.status == edi::AckStatus::rejected) {
        if (auto s = judge(d, verdict_of(g.status), codes_text(kind, g.status, g.codes)); !s.ok()) {
          return s;
        }
      }
    }
    return store::Status::success();
  };
  for (const edi::GroupAck& g : report.groups) {
    auto docs = st.find_outbound_documents(partner, Level::group, g.control_number);
    if (!docs.ok()) return docs.status();
    const char* kind = g.origin.kind == edi::AckKind::x999 ? "999" : "997";
    if (auto s = by_group(g, docs.value(), kind); !s.ok()) return s;
  }
  for (const edi::InterchangeAck& ia : report.interchanges) {
    auto docs = st.find_outbound_documents(partner, Level::interchange, ia.control_number);
    if (!docs.ok()) return docs.status();
    if (ia.origin.kind == edi::AckKind::ta1) {
      // A TA1 speaks for the envelope only: a refusal takes every set with it.
      if (ia.status != edi::AckStatus::rejected) continue;
      for (const store::Document& d : docs.value()) {
        const std::string why = "TA1: rejected (note " + ia.note_code + ")";
        if (auto s = judge(d, store::document_status::rejected, why); !s.ok()) return s;
      }
      continue;
    }
    for (const store::Document& d : docs.value()) {  // CONTRL
      // Its own UCM, else its group's UCF when that speaks for all (7 or 4), else the UCI.
      const edi::SetAck* a = set_answer(ia.sets, d.set_control);
      const edi::GroupAck* group = nullptr;
      for (const edi::GroupAck& g : ia.groups) {
        if (g.control_number == d.group_control) group = &g;
        if (a == nullptr) a = set_answer(g.sets, d.set_control);
      }
      const bool group_speaks = group != nullptr && (group->status == edi::AckStatus::accepted ||
                                                     group->status == edi::AckStatus::rejected);
      const edi::AckStatus status = a != nullptr   ? a->status
                                    : group_speaks ? group->status
                                                   : ia.status;
      std::vector<std::string> codes = a != nullptr   ? a->codes
                                       : group_speaks ? group->codes
                                                      : std::vector<std::string>{};
      if (a == nullptr && !group_speaks && !ia.note_code.empty()) codes.push_back(ia.note_code);
      if (auto s = judge(d, verdict_of(status), codes_text("CONTRL", status, codes)); !s.ok()) {
        return s;
      }
    }
  }
  for (auto& [message_id, changed] : touched) {
    auto docs = st.list_documents(message_id);
    if (!docs.ok()) return docs.status();
    bool rejected = false, settled = true;
    for (const store::Document& d : docs.value()) {
      rejected = rejected || d.status == store::document_status::rejected;
      settled = settled && (d.status == store::document_status::accepted ||
                            d.status == store::document_status::accepted_with_errors);
    }
    if (rejected || settled) {
      // From any status but the verdict itself (no event for a verdict said again).
      namespace ms = store::message_status;
      auto s =
          rejected
              ? move_outbound(st, message_id,
                              {ms::processing, ms::sent, ms::overdue, ms::failed, ms::accepted},
                              ms::rejected, "the partner's acknowledgement rejected a document")
              : move_outbound(st, message_id,
                              {ms::processing, ms::sent, ms::overdue, ms::failed, ms::rejected},
                              ms::accepted, "");
      if (!s.ok()) return s.status();
    }
    auto audited = st.append_audit(
        {"pipeline", "outbound.acknowledged", "message:" + std::to_string(message_id),
         store::json_text({{"by", "message:" + std::to_string(by)}, {"documents", changed}})});
    if (!audited.ok()) return audited.status();
  }
  return store::Status::success();
}

}  // namespace edigate::gateway::daemon
