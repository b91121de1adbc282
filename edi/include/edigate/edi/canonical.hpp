// The canonical documents the ERP sees (docs/canonical.md): plain structs for purchase_order,
// ship_notice, freight_invoice and shipment_status, and their conversion from and to JSON.
//
//   const nlohmann::json j = nlohmann::json::parse(text);
//   if (canonical::document_type(j) == "freight_invoice") {
//     const canonical::FreightInvoice invoice = canonical::freight_invoice_from_json(j);
//     for (const std::string& m : canonical::check_freight_totals(invoice)) warn(m);
//   }
//
// Reading checks what docs/schemas/*.schema.json checks: types, unknown fields, decimal
// strings, ISO dates and date-times, required fields, no null / "" / [] / {} values. The
// first violation throws canonical::Error, whose message starts with the JSON pointer of the
// offending value ("/lines/3/quantity: expected a decimal string").
//
// Writing omits every absent field (an empty optional, an empty vector, null extensions), so
// to_json(x_from_json(j)) == j for every valid document j. Writing does not check: a struct
// filled by hand with a bad decimal is written as it is.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace edigate::edi::canonical {

// A scalar field: absent, or a non-empty string (a code, a name, a decimal, a date).
using Text = std::optional<std::string>;

// Reading refuses documents nested deeper than this many objects and arrays (packs inside
// packs, extensions inside extensions); real documents stay below 12.
inline constexpr std::size_t kDefaultMaxDepth = 64;

class Error : public std::runtime_error {
 public:
  Error(std::string path, const std::string& problem);
  // JSON pointer of the offending value ("" for the document itself, "/lines/3/quantity").
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- Shared shapes

struct Identification {  // envelope sender / receiver
  Text qualifier, id;
  bool operator==(const Identification&) const = default;
};

struct Envelope {
  Text partner, standard, version, transaction;  // standard, version, transaction required
  std::optional<Identification> sender, receiver;
  Text group_sender, group_receiver;
  Text interchange_control_number, group_control_number, transaction_control_number;
  std::optional<bool> test;
  Text received_at;  // date-time
  Text message_id;
  bool operator==(const Envelope&) const = default;
};

struct Address {
  std::vector<std::string> lines;
  Text city, state, postal_code, country;
  bool operator==(const Address&) const = default;
};

struct Contact {
  Text function, name, phone, email;
  bool operator==(const Contact&) const = default;
};

struct Party {
  Text role;  // required
  Text name, id_qualifier, id;
  std::optional<Address> address;
  std::vector<Contact> contacts;
  nlohmann::json extensions;  // a partner overlay's party data (N2, N4 extras); null when absent
  bool operator==(const Party&) const = default;
};

struct Reference {
  Text qualifier;  // required
  Text value, description;
  Text line_number;  // the line of the referenced document (EDIFACT RFF C506 1156)
  Text date;         // date or date-time (the DTM after an RFF)
  bool operator==(const Reference&) const = default;
};

struct Date {
  Text qualifier, value;  // required; value is a date or a date-time
  Text time_zone;
  bool operator==(const Date&) const = default;
};

struct ProductId {
  Text qualifier, id;  // required
  bool operator==(const ProductId&) const = default;
};

struct Description {
  Text type;
  Text text;  // required
  bool operator==(const Description&) const = default;
};

struct Charge {
  Text indicator;  // "A" allowance, "C" charge
  Text code;
  Text amount, percent, rate;  // decimals
  Text rate_qualifier;
  Text quantity;  // decimal
  Text unit, sequence, description;
  bool operator==(const Charge&) const = default;
};

struct Carrier {
  Text scac;
  Text id, id_qualifier;  // a carrier id that is not a SCAC (EDIFACT TDT C040), its agency
  Text name, transport_method, routing, service_level;
  bool operator==(const Carrier&) const = default;
};

// ---- purchase_order

struct PaymentTerms {
  Text type, basis_date_code;
  Text discount_percent, discount_due_date, discount_days;
  Text net_due_date, net_days;
  Text description;
  bool operator==(const PaymentTerms&) const = default;
};

struct Fob {
  Text payment_method, location_qualifier, location, terms_code;
  bool operator==(const Fob&) const = default;
};

struct OrderLine {
  Text line_number, quantity, unit, unit_price, price_basis;
  std::vector<ProductId> product_ids;
  std::vector<Description> descriptions;
  std::vector<Date> dates;
  std::vector<Charge> charges;
  std::vector<Reference> references;
  std::vector<Party> parties;
  nlohmann::json extensions;  // an object, or null when absent
  bool operator==(const OrderLine&) const = default;
};

struct OrderTotals {
  Text line_count, quantity, amount;
  bool operator==(const OrderTotals&) const = default;
};

struct PurchaseOrder {
  Envelope envelope;
  Text purpose, order_type;
  Text order_number;  // required
  Text release_number, order_date, currency;
  std::vector<Contact> contacts;
  std::vector<Reference> references;
  std::vector<PaymentTerms> terms;
  std::vector<Date> dates;
  std::optional<Carrier> carrier;
  std::optional<Fob> fob;
  std::vector<Party> parties;
  std::vector<Charge> charges;
  std::vector<OrderLine> lines;
  std::optional<OrderTotals> totals;
  nlohmann::json extensions;
  bool operator==(const PurchaseOrder&) const = default;
};

// ---- ship_notice: shipment -> orders -> packs (-> inner packs) -> items

struct Packaging {
  Text packaging_code, lading_quantity, weight_qualifier, weight, weight_unit, volume, volume_unit;
  bool operator==(const Packaging&) const = default;
};

struct Equipment {
  Text type, initial, number, seal;
  bool operator==(const Equipment&) const = default;
};

struct Mark {
  Text qualifier, value;  // required
  bool operator==(const Mark&) const = default;
};

struct ShippedItem {
  Text line_number;
  std::vector<ProductId> product_ids;
  Text quantity, unit, ordered_quantity;
  std::vector<Description> descriptions;
  std::vector<Date> dates;
  std::vector<Reference> references;
  nlohmann::json extensions;
  bool operator==(const ShippedItem&) const = default;
};

struct Pack {
  Text sscc;  // 18 digits
  std::vector<Mark> marks;
  Text packaging_code, weight, weight_unit;
  std::vector<Pack> packs;  // inner packs
  std::vector<ShippedItem> items;
  nlohmann::json extensions;
  bool operator==(const Pack&) const = default;
};

struct ShippedOrder {
  Text order_number, release_number, order_date;
  std::vector<Reference> references;
  std::vector<Pack> packs;
  std::vector<ShippedItem> items;  // items in no pack
  nlohmann::json extensions;
  bool operator==(const ShippedOrder&) const = default;
};

struct ShipNoticeTotals {
  Text line_count;
  bool operator==(const ShipNoticeTotals&) const = default;
};

struct ShipNotice {
  Envelope envelope;
  Text purpose;
  Text shipment_id;    // required
  Text shipment_date;  // date or date-time
  std::vector<Date> dates;
  std::vector<Reference> references;
  std::vector<Party> parties;
  std::optional<Carrier> carrier;
  std::optional<Packaging> packaging;
  std::vector<Equipment> equipment;
  std::vector<ShippedOrder> orders;
  std::optional<ShipNoticeTotals> totals;
  nlohmann::json extensions;
  bool operator==(const ShipNotice&) const = default;
};

// ---- freight_invoice

struct FreightLine {
  Text line_number;
  Text description, commodity_code, commodity_code_qualifier;
  Text quantity, unit, weight, weight_qualifier, weight_unit, lading_quantity, packaging_code;
  std::vector<Charge> charges;
  nlohmann::json extensions;
  bool operator==(const FreightLine&) const = default;
};

struct FreightTotals {
  Text weight, weight_qualifier, weight_unit, charge, lading_quantity;
  bool operator==(const FreightTotals&) const = default;
};

struct FreightInvoice {
  Envelope envelope;
  Text invoice_number;  // required
  Text shipment_id, payment_method, invoice_date, amount_due, currency, delivery_date, scac;
  std::vector<Reference> references;
  std::vector<Date> dates;
  std::vector<Party> parties;
  std::vector<FreightLine> lines;
  std::optional<FreightTotals> totals;
  nlohmann::json extensions;
  bool operator==(const FreightInvoice&) const = default;
};

// ---- shipment_status

struct EventLocation {
  Text city, state, country, code;
  bool operator==(const EventLocation&) const = default;
};

struct EventEquipment {
  Text scac, number, type;
  bool operator==(const EventEquipment&) const = default;
};

struct StatusEvent {
  Text line_number, status_code, reason_code, appointment_status, appointment_reason;
  Text date_time;  // date-time, or a date when the EDI gives no time
  Text time_zone;
  std::optional<EventLocation> location;
  std::optional<EventEquipment> equipment;
  std::vector<Reference> references;
  nlohmann::json extensions;
  bool operator==(const StatusEvent&) const = default;
};

struct ShipmentStatus {
  Envelope envelope;
  Text reference_id, shipment_id, scac;
  std::vector<Reference> references;
  std::vector<Party> parties;
  std::vector<StatusEvent> events;  // required, at least one
  nlohmann::json extensions;
  bool operator==(const ShipmentStatus&) const = default;
};

// ---- Conversion

// The document's `type` ("purchase_order", ...). Throws Error when it is not an object or has
// no `type` naming one of the four document types.
std::string document_type(const nlohmann::json& document);

PurchaseOrder purchase_order_from_json(const nlohmann::json& document,
                                       std::size_t max_depth = kDefaultMaxDepth);
ShipNotice ship_notice_from_json(const nlohmann::json& document,
                                 std::size_t max_depth = kDefaultMaxDepth);
FreightInvoice freight_invoice_from_json(const nlohmann::json& document,
                                         std::size_t max_depth = kDefaultMaxDepth);
ShipmentStatus shipment_status_from_json(const nlohmann::json& document,
                                         std::size_t max_depth = kDefaultMaxDepth);

// Checks a document the ERP sends out (any of the four types, picked by its `type`) as
// reading it would, except that the envelope may be left out: the interchange we render gets
// our envelope, not the document's. Throws Error at the first problem.
void check_outbound(const nlohmann::json& document, std::size_t max_depth = kDefaultMaxDepth);

// What a path of a document names: a string (or a boolean), an array of strings, an object
// (an `extensions` object too), an array of objects, or anything inside an `extensions` object
// (the partner's own, of any shape).
enum class FieldKind : unsigned char { scalar, strings, object, array, extensions };

// The kind of `path`, keys from the document root joined by '.' with array entries left out
// ("lines.unit", "orders.packs.items.product_ids.id"), in document type `type`
// ("purchase_order", ...); nothing when it is no field of that type. For checking the fields a
// mapping file names before any document is read.
std::optional<FieldKind> field_kind(std::string_view type, std::string_view path);

nlohmann::json to_json(const PurchaseOrder& document);
nlohmann::json to_json(const ShipNotice& document);
nlohmann::json to_json(const FreightInvoice& document);
nlohmann::json to_json(const ShipmentStatus& document);

// Reconciliation (docs/canonical.md): the sum of every line charge amount must equal
// totals.charge. Exact decimal arithmetic, so "10.5" equals "10.50". Returns one message per
// problem (a difference, or an amount that is not a decimal); empty when the figures agree or
// there is no totals.charge to compare with.
std::vector<std::string> check_freight_totals(const FreightInvoice& invoice);

}  // namespace edigate::edi::canonical
