// libFuzzer target: canonical JSON documents through the reader and the writer. Whatever the
// reader accepts must be written back unchanged and read again to the same struct.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "edigate/edi/canonical.hpp"

namespace {

namespace canonical = edigate::edi::canonical;

constexpr std::size_t kMaxInput = 64 * 1024;

template <class T, class Read>
void round_trip(const nlohmann::json& document, Read read) {
  T value;
  try {
    value = read(document, canonical::kDefaultMaxDepth);
  } catch (const canonical::Error&) {
    return;  // rejected input: fine, as long as it is rejected with an Error
  }
  const nlohmann::json written = canonical::to_json(value);
  if (written != document || !(read(written, canonical::kDefaultMaxDepth) == value)) std::abort();
  if constexpr (std::is_same_v<T, canonical::FreightInvoice>) {
    (void)canonical::check_freight_totals(value);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return 0;
  const nlohmann::json document =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;
  std::string type;
  try {
    type = canonical::document_type(document);
  } catch (const canonical::Error&) {
    return 0;
  }
  if (type == "purchase_order") {
    round_trip<canonical::PurchaseOrder>(document, canonical::purchase_order_from_json);
  } else if (type == "ship_notice") {
    round_trip<canonical::ShipNotice>(document, canonical::ship_notice_from_json);
  } else if (type == "freight_invoice") {
    round_trip<canonical::FreightInvoice>(document, canonical::freight_invoice_from_json);
  } else {
    round_trip<canonical::ShipmentStatus>(document, canonical::shipment_status_from_json);
  }
  return 0;
}
