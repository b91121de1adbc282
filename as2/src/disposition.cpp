#include "edigate/as2/mdn.hpp"
#include "signed_entity.hpp"

namespace edigate::as2 {
namespace {

struct DispositionEntry {
  DispositionStatus status;
  std::string_view text;
  ErrorCode error;  // the error that yields this disposition (bad_input: none in particular)
};

constexpr DispositionEntry kDispositions[] = {
    {DispositionStatus::processed, "processed", ErrorCode::bad_input},
    {DispositionStatus::duplicate_document, "processed/warning: duplicate-document",
     ErrorCode::bad_input},
    {DispositionStatus::authentication_failed, "processed/error: authentication-failed",
     ErrorCode::authentication_failed},
    {DispositionStatus::decryption_failed, "processed/error: decryption-failed",
     ErrorCode::decryption_failed},
    {DispositionStatus::decompression_failed, "processed/error: decompression-failed",
     ErrorCode::decompression_failed},
    {DispositionStatus::integrity_check_failed, "processed/error: integrity-check-failed",
     ErrorCode::integrity_check_failed},
    {DispositionStatus::insufficient_message_security,
     "processed/error: insufficient-message-security", ErrorCode::insufficient_security},
    {DispositionStatus::unexpected_processing_error, "processed/error: unexpected-processing-error",
     ErrorCode::bad_input},
};

}  // namespace

std::string_view disposition_text(DispositionStatus status) {
  for (const auto& e : kDispositions) {
    if (e.status == status) return e.text;
  }
  return "processed/error: unexpected-processing-error";
}

DispositionStatus disposition_for(ErrorCode code) {
  if (code == ErrorCode::unknown_partner) return DispositionStatus::authentication_failed;
  for (const auto& e : kDispositions) {
    if (e.error == code && e.error != ErrorCode::bad_input) return e.status;
  }
  return DispositionStatus::unexpected_processing_error;
}

ErrorCode error_for(DispositionStatus status) {
  for (const auto& e : kDispositions) {
    if (e.status == status) return e.error;
  }
  return ErrorCode::bad_input;
}

bool is_positive(DispositionStatus status) {
  return status == DispositionStatus::processed || status == DispositionStatus::duplicate_document;
}

// Lenient: case-insensitive, any spacing around '/' and ':'.
std::optional<DispositionStatus> parse_disposition(std::string_view text) {
  std::string key;
  for (char c : text) {
    if (c != ' ' && c != '\t')
      key.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  for (const auto& e : kDispositions) {
    std::string want;
    for (char c : e.text) {
      if (c != ' ') want.push_back(c);
    }
    if (key == want) return e.status;
  }
  return std::nullopt;
}

}  // namespace edigate::as2
