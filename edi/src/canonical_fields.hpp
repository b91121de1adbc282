// The field lists of the canonical documents, written once and walked by both the reader and
// the writer (canonical.cpp), so that the two cannot disagree about a name or a shape. Each
// `fields(v, x)` names every member of x with its JSON name and rule; V is the reader (x
// mutable) or the writer (x const). Keep these in step with docs/schemas/*.schema.json.
#pragma once

#include <concepts>
#include <type_traits>

#include "canonical_values.hpp"
#include "edigate/edi/canonical.hpp"
#include "exact_decimal.hpp"

namespace edigate::edi::canonical::detail {

inline constexpr ScalarRule kText{&is_text, "expected a non-empty string"};
inline constexpr ScalarRule kDecimal{&is_decimal, "expected a decimal string"};
inline constexpr ScalarRule kDate{&is_date, "expected a date YYYY-MM-DD"};
inline constexpr ScalarRule kDateTime{&is_date_time,
                                      "expected a date-time YYYY-MM-DDTHH:MM[:SS][offset]"};
inline constexpr ScalarRule kDateOrDateTime{&is_date_or_date_time,
                                            "expected a date or a date-time"};
inline constexpr ScalarRule kSscc{&is_sscc, "expected an SSCC of 18 digits"};
inline constexpr ScalarRule kStandard{&is_standard, "expected \"x12\" or \"edifact\""};
inline constexpr ScalarRule kIndicator{&is_indicator, "expected \"A\" or \"C\""};

enum class Need : bool { optional, required };

// S is T or const T.
template <class S, class T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

// ---- Shared shapes

template <class V, Is<Identification> S>
void fields(V& v, S& x) {
  v.scalar("qualifier", x.qualifier);
  v.scalar("id", x.id);
}

template <class V, Is<Envelope> S>
void fields(V& v, S& x) {
  v.scalar("partner", x.partner);
  v.scalar("standard", x.standard, kStandard, Need::required);
  v.scalar("version", x.version, kText, Need::required);
  v.scalar("transaction", x.transaction, kText, Need::required);
  v.object("sender", x.sender);
  v.object("receiver", x.receiver);
  v.scalar("group_sender", x.group_sender);
  v.scalar("group_receiver", x.group_receiver);
  v.scalar("interchange_control_number", x.interchange_control_number);
  v.scalar("group_control_number", x.group_control_number);
  v.scalar("transaction_control_number", x.transaction_control_number);
  v.boolean("test", x.test);
  v.scalar("received_at", x.received_at, kDateTime);
  v.scalar("message_id", x.message_id);
}

template <class V, Is<Address> S>
void fields(V& v, S& x) {
  v.strings("lines", x.lines);
  v.scalar("city", x.city);
  v.scalar("state", x.state);
  v.scalar("postal_code", x.postal_code);
  v.scalar("country", x.country);
}

template <class V, Is<Contact> S>
void fields(V& v, S& x) {
  v.scalar("function", x.function);
  v.scalar("name", x.name);
  v.scalar("phone", x.phone);
  v.scalar("email", x.email);
}

template <class V, Is<Party> S>
void fields(V& v, S& x) {
  v.scalar("role", x.role, kText, Need::required);
  v.scalar("name", x.name);
  v.scalar("id_qualifier", x.id_qualifier);
  v.scalar("id", x.id);
  v.object("address", x.address);
  v.array("contacts", x.contacts);
  v.extensions(x.extensions);
}

template <class V, Is<Reference> S>
void fields(V& v, S& x) {
  v.scalar("qualifier", x.qualifier, kText, Need::required);
  v.scalar("value", x.value);
  v.scalar("description", x.description);
  v.scalar("line_number", x.line_number);
  v.scalar("date", x.date, kDateOrDateTime);
}

template <class V, Is<Date> S>
void fields(V& v, S& x) {
  v.scalar("qualifier", x.qualifier, kText, Need::required);
  v.scalar("value", x.value, kDateOrDateTime, Need::required);
  v.scalar("time_zone", x.time_zone);
}

template <class V, Is<ProductId> S>
void fields(V& v, S& x) {
  v.scalar("qualifier", x.qualifier, kText, Need::required);
  v.scalar("id", x.id, kText, Need::required);
}

template <class V, Is<Description> S>
void fields(V& v, S& x) {
  v.scalar("type", x.type);
  v.scalar("text", x.text, kText, Need::required);
}

template <class V, Is<Charge> S>
void fields(V& v, S& x) {
  v.scalar("indicator", x.indicator, kIndicator);
  v.scalar("code", x.code);
  v.scalar("amount", x.amount, kDecimal);
  v.scalar("percent", x.percent, kDecimal);
  v.scalar("rate", x.rate, kDecimal);
  v.scalar("rate_qualifier", x.rate_qualifier);
  v.scalar("quantity", x.quantity, kDecimal);
  v.scalar("unit", x.unit);
  v.scalar("sequence", x.sequence);
  v.scalar("description", x.description);
}

template <class V, Is<Carrier> S>
void fields(V& v, S& x) {
  v.scalar("scac", x.scac);
  v.scalar("id", x.id);
  v.scalar("id_qualifier", x.id_qualifier);
  v.scalar("name", x.name);
  v.scalar("transport_method", x.transport_method);
  v.scalar("routing", x.routing);
  v.scalar("service_level", x.service_level);
}

// ---- purchase_order

template <class V, Is<PaymentTerms> S>
void fields(V& v, S& x) {
  v.scalar("type", x.type);
  v.scalar("basis_date_code", x.basis_date_code);
  v.scalar("discount_percent", x.discount_percent, kDecimal);
  v.scalar("discount_due_date", x.discount_due_date, kDate);
  v.scalar("discount_days", x.discount_days, kDecimal);
  v.scalar("net_due_date", x.net_due_date, kDate);
  v.scalar("net_days", x.net_days, kDecimal);
  v.scalar("description", x.description);
}

template <class V, Is<Fob> S>
void fields(V& v, S& x) {
  v.scalar("payment_method", x.payment_method);
  v.scalar("location_qualifier", x.location_qualifier);
  v.scalar("location", x.location);
  v.scalar("terms_code", x.terms_code);
}

template <class V, Is<OrderLine> S>
void fields(V& v, S& x) {
  v.scalar("line_number", x.line_number);
  v.scalar("quantity", x.quantity, kDecimal);
  v.scalar("unit", x.unit);
  v.scalar("unit_price", x.unit_price, kDecimal);
  v.scalar("price_basis", x.price_basis);
  v.array("product_ids", x.product_ids);
  v.array("descriptions", x.descriptions);
  v.array("dates", x.dates);
  v.array("charges", x.charges);
  v.array("references", x.references);
  v.array("parties", x.parties);
  v.extensions(x.extensions);
}

template <class V, Is<OrderTotals> S>
void fields(V& v, S& x) {
  v.scalar("line_count", x.line_count, kDecimal);
  v.scalar("quantity", x.quantity, kDecimal);
  v.scalar("amount", x.amount, kDecimal);
}

template <class V, Is<PurchaseOrder> S>
void fields(V& v, S& x) {
  v.object("envelope", x.envelope);
  v.scalar("purpose", x.purpose);
  v.scalar("order_type", x.order_type);
  v.scalar("order_number", x.order_number, kText, Need::required);
  v.scalar("release_number", x.release_number);
  v.scalar("order_date", x.order_date, kDate);
  v.scalar("currency", x.currency);
  v.array("contacts", x.contacts);
  v.array("references", x.references);
  v.array("terms", x.terms);
  v.array("dates", x.dates);
  v.object("carrier", x.carrier);
  v.object("fob", x.fob);
  v.array("parties", x.parties);
  v.array("charges", x.charges);
  v.array("lines", x.lines);
  v.object("totals", x.totals);
  v.extensions(x.extensions);
}

// ---- ship_notice

template <class V, Is<Packaging> S>
void fields(V& v, S& x) {
  v.scalar("packaging_code", x.packaging_code);
  v.scalar("lading_quantity", x.lading_quantity, kDecimal);
  v.scalar("weight_qualifier", x.weight_qualifier);
  v.scalar("weight", x.weight, kDecimal);
  v.scalar("weight_unit", x.weight_unit);
  v.scalar("volume", x.volume, kDecimal);
  v.scalar("volume_unit", x.volume_unit);
}

template <class V, Is<Equipment> S>
void fields(V& v, S& x) {
  v.scalar("type", x.type);
  v.scalar("initial", x.initial);
  v.scalar("number", x.number);
  v.scalar("seal", x.seal);
}

template <class V, Is<Mark> S>
void fields(V& v, S& x) {
  v.scalar("qualifier", x.qualifier, kText, Need::required);
  v.scalar("value", x.value, kText, Need::required);
}

template <class V, Is<ShippedItem> S>
void fields(V& v, S& x) {
  v.scalar("line_number", x.line_number);
  v.array("product_ids", x.product_ids);
  v.scalar("quantity", x.quantity, kDecimal);
  v.scalar("unit", x.unit);
  v.scalar("ordered_quantity", x.ordered_quantity, kDecimal);
  v.array("descriptions", x.descriptions);
  v.array("dates", x.dates);
  v.array("references", x.references);
  v.extensions(x.extensions);
}

template <class V, Is<Pack> S>
void fields(V& v, S& x) {
  v.scalar("sscc", x.sscc, kSscc);
  v.array("marks", x.marks);
  v.scalar("packaging_code", x.packaging_code);
  v.scalar("weight", x.weight, kDecimal);
  v.scalar("weight_unit", x.weight_unit);
  v.array("packs", x.packs);
  v.array("items", x.items);
  v.extensions(x.extensions);
}

template <class V, Is<ShippedOrder> S>
void fields(V& v, S& x) {
  v.scalar("order_number", x.order_number);
  v.scalar("release_number", x.release_number);
  v.scalar("order_date", x.order_date, kDate);
  v.array("references", x.references);
  v.array("packs", x.packs);
  v.array("items", x.items);
  v.extensions(x.extensions);
}

template <class V, Is<ShipNoticeTotals> S>
void fields(V& v, S& x) {
  v.scalar("line_count", x.line_count, kDecimal, Need::required);
}

template <class V, Is<ShipNotice> S>
void fields(V& v, S& x) {
  v.object("envelope", x.envelope);
  v.scalar("purpose", x.purpose);
  v.scalar("shipment_id", x.shipment_id, kText, Need::required);
  v.scalar("shipment_date", x.shipment_date, kDateOrDateTime);
  v.array("dates", x.dates);
  v.array("references", x.references);
  v.array("parties", x.parties);
  v.object("carrier", x.carrier);
  v.object("packaging", x.packaging);
  v.array("equipment", x.equipment);
  v.array("orders", x.orders);
  v.object("totals", x.totals);
  v.extensions(x.extensions);
}

// ---- freight_invoice

template <class V, Is<FreightLine> S>
void fields(V& v, S& x) {
  v.scalar("line_number", x.line_number);
  v.scalar("description", x.description);
  v.scalar("commodity_code", x.commodity_code);
  v.scalar("commodity_code_qualifier", x.commodity_code_qualifier);
  v.scalar("quantity", x.quantity, kDecimal);
  v.scalar("unit", x.unit);
  v.scalar("weight", x.weight, kDecimal);
  v.scalar("weight_qualifier", x.weight_qualifier);
  v.scalar("weight_unit", x.weight_unit);
  v.scalar("lading_quantity", x.lading_quantity, kDecimal);
  v.scalar("packaging_code", x.packaging_code);
  v.array("charges", x.charges);
  v.extensions(x.extensions);
}

template <class V, Is<FreightTotals> S>
void fields(V& v, S& x) {
  v.scalar("weight", x.weight, kDecimal);
  v.scalar("weight_qualifier", x.weight_qualifier);
  v.scalar("weight_unit", x.weight_unit);
  v.scalar("charge", x.charge, kDecimal);
  v.scalar("lading_quantity", x.lading_quantity, kDecimal);
}

template <class V, Is<FreightInvoice> S>
void fields(V& v, S& x) {
  v.object("envelope", x.envelope);
  v.scalar("invoice_number", x.invoice_number, kText, Need::required);
  v.scalar("shipment_id", x.shipment_id);
  v.scalar("payment_method", x.payment_method);
  v.scalar("invoice_date", x.invoice_date, kDate);
  v.scalar("amount_due", x.amount_due, kDecimal);
  v.scalar("currency", x.currency);
  v.scalar("delivery_date", x.delivery_date, kDate);
  v.scalar("scac", x.scac);
  v.array("references", x.references);
  v.array("dates", x.dates);
  v.array("parties", x.parties);
  v.array("lines", x.lines);
  v.object("totals", x.totals);
  v.extensions(x.extensions);
}

// ---- shipment_status

template <class V, Is<EventLocation> S>
void fields(V& v, S& x) {
  v.scalar("city", x.city);
  v.scalar("state", x.state);
  v.scalar("country", x.country);
  v.scalar("code", x.code);
}

template <class V, Is<EventEquipment> S>
void fields(V& v, S& x) {
  v.scalar("scac", x.scac);
  v.scalar("number", x.number);
  v.scalar("type", x.type);
}

template <class V, Is<StatusEvent> S>
void fields(V& v, S& x) {
  v.scalar("line_number", x.line_number);
  v.scalar("status_code", x.status_code);
  v.scalar("reason_code", x.reason_code);
  v.scalar("appointment_status", x.appointment_status);
  v.scalar("appointment_reason", x.appointment_reason);
  v.scalar("date_time", x.date_time, kDateOrDateTime);
  v.scalar("time_zone", x.time_zone);
  v.object("location", x.location);
  v.object("equipment", x.equipment);
  v.array("references", x.references);
  v.extensions(x.extensions);
}

template <class V, Is<ShipmentStatus> S>
void fields(V& v, S& x) {
  v.object("envelope", x.envelope);
  v.scalar("reference_id", x.reference_id);
  v.scalar("shipment_id", x.shipment_id);
  v.scalar("scac", x.scac);
  v.array("references", x.references);
  v.array("parties", x.parties);
  v.array("events", x.events, Need::required);
  v.extensions(x.extensions);
}

}  // namespace edigate::edi::canonical::detail
