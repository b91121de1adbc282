// Canonical documents: JSON -> struct -> JSON round trips, the reader's error paths (the same
// broken documents the JSON Schema test rejects) and freight invoice reconciliation.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "edigate/edi/canonical.hpp"

using namespace edigate::edi;
using nlohmann::json;

namespace {

// The source tree, found from the fixtures directory the build passes in.
std::string source_path(const std::string& relative) {
  return std::string(EDIGATE_FIXTURES) + "/../../" + relative;
}

json load_json(const std::string& relative) {
  std::ifstream in(source_path(relative));
  REQUIRE(in);
  return json::parse(in);
}

json example(const std::string& type) {
  return load_json("docs/schemas/examples/" + type + ".json");
}

// Reads `document` as `type` and writes it back.
json round_trip(const std::string& type, const json& document) {
  if (type == "purchase_order") {
    return canonical::to_json(canonical::purchase_order_from_json(document));
  }
  if (type == "ship_notice") return canonical::to_json(canonical::ship_notice_from_json(document));
  if (type == "freight_invoice") {
    return canonical::to_json(canonical::freight_invoice_from_json(document));
  }
  return canonical::to_json(canonical::shipment_status_from_json(document));
}

// The canonical::Error `read` throws, as "path|message"; "no error" when it throws none.
std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const canonical::Error& e) {
    return e.path() + "|" + e.what();
  }
  return "no error";
}

std::string po_error(const json& document) {
  return error_of([&] { (void)canonical::purchase_order_from_json(document); });
}

json minimal_po() {
  return json::parse(R"({"type": "purchase_order", "order_number": "PO1",
    "envelope": {"standard": "x12", "version": "004010", "transaction": "850"}})");
}

canonical::FreightInvoice invoice(const std::vector<std::vector<std::string>>& line_amounts,
                                  const std::string& total) {
  canonical::FreightInvoice fi;
  fi.invoice_number = "INV1";
  for (const std::vector<std::string>& amounts : line_amounts) {
    canonical::FreightLine line;
    for (const std::string& a : amounts) {
      canonical::Charge charge;
      charge.amount = a;
      line.charges.push_back(charge);
    }
    fi.lines.push_back(line);
  }
  fi.totals = canonical::FreightTotals{};
  fi.totals->charge = total;
  return fi;
}

// A value for every property the schema `file` gives the subschema `node`, recursing into
// objects and arrays; packs nest once. Proves that the reader knows every field the JSON
// Schemas define, with a compatible rule.
class MaximalDocument {
 public:
  json build(const std::string& type) {
    return value(schema(type + ".schema.json"), type + ".schema.json", 0);
  }

 private:
  json schema(const std::string& file) {
    if (!schemas_.contains(file)) schemas_[file] = load_json("docs/schemas/" + file);
    return schemas_[file];
  }

  json value(const json& node, const std::string& file, int packs) {
    if (node.contains("$ref")) return referenced(node["$ref"].get<std::string>(), file, packs);
    if (node.contains("const")) return node["const"];
    if (node.contains("enum")) return node["enum"][0];
    if (node.contains("anyOf")) return value(node["anyOf"][0], file, packs);
    if (node.contains("pattern")) return sample_for(node["pattern"].get<std::string>());
    const std::string type = node.value("type", "");
    if (type == "boolean") return true;
    if (type == "array") return json::array({value(node["items"], file, packs)});
    if (type == "object" && node.contains("properties")) {
      json object = json::object();
      for (const auto& [name, property] : node["properties"].items()) {
        if (name == "packs" && packs > 1) continue;
        object[name] = value(property, file, name == "packs" ? packs + 1 : packs);
      }
      return object;
    }
    if (type == "object") return json::parse(R"({"partner_field": ["a", {"b": "c"}]})");
    return "text";
  }

  json referenced(const std::string& ref, const std::string& file, int packs) {
    const std::size_t hash = ref.find('#');
    const std::string target = hash == 0 ? file : ref.substr(0, hash);
    const json::json_pointer pointer(ref.substr(hash + 1));
    return value(schema(target)[pointer], target, packs);
  }

  static json sample_for(const std::string& pattern) {
    if (pattern.find("T(") != std::string::npos) return "2026-01-02T03:04:05+01:00";
    if (pattern.find("-(0[1-9]") != std::string::npos) return "2026-01-02";
    if (pattern.find("{18}") != std::string::npos) return "123456789012345678";
    return "-12.50";  // the decimal pattern
  }

  std::map<std::string, json> schemas_;
};

}  // namespace

TEST_CASE("canonical: each example document survives json -> struct -> json unchanged",
          "[canonical]") {
  for (const char* type : {"purchase_order", "ship_notice", "freight_invoice", "shipment_status"}) {
    INFO(type);
    const json document = example(type);
    CHECK(canonical::document_type(document) == type);
    CHECK(round_trip(type, document) == document);
  }
}

TEST_CASE("canonical: struct -> json -> struct is the identity", "[canonical]") {
  const canonical::PurchaseOrder po =
      canonical::purchase_order_from_json(example("purchase_order"));
  CHECK(canonical::purchase_order_from_json(canonical::to_json(po)) == po);
  const canonical::ShipNotice sn = canonical::ship_notice_from_json(example("ship_notice"));
  CHECK(canonical::ship_notice_from_json(canonical::to_json(sn)) == sn);
  const canonical::FreightInvoice fi =
      canonical::freight_invoice_from_json(example("freight_invoice"));
  CHECK(canonical::freight_invoice_from_json(canonical::to_json(fi)) == fi);
  const canonical::ShipmentStatus ss =
      canonical::shipment_status_from_json(example("shipment_status"));
  CHECK(canonical::shipment_status_from_json(canonical::to_json(ss)) == ss);
}

TEST_CASE("canonical: the reader fills the structs", "[canonical]") {
  const canonical::PurchaseOrder po =
      canonical::purchase_order_from_json(example("purchase_order"));
  CHECK(po.order_number == "PO-4500012345");
  CHECK(po.envelope.standard == "x12");
  CHECK(po.envelope.test == false);
  REQUIRE(po.envelope.sender);
  CHECK(po.envelope.sender->id == "ACMERETAIL");
  REQUIRE(po.lines.size() == 2);
  CHECK(po.lines[1].quantity == "12.5");
  CHECK(po.lines[1].extensions["colors"][1] == "black");
  CHECK(po.lines[0].extensions.is_null());
  CHECK_FALSE(po.release_number);
  REQUIRE(po.parties[0].address);
  CHECK(po.parties[0].address->lines.size() == 2);

  const canonical::ShipNotice sn = canonical::ship_notice_from_json(example("ship_notice"));
  REQUIRE(sn.orders.size() == 1);
  const canonical::Pack& pallet = sn.orders[0].packs.at(0);
  CHECK(pallet.sscc == "000123450000000017");
  REQUIRE(pallet.packs.size() == 2);
  CHECK(pallet.packs[1].items.at(1).quantity == "12.5");
  CHECK(pallet.items.empty());

  const canonical::ShipmentStatus ss =
      canonical::shipment_status_from_json(example("shipment_status"));
  REQUIRE(ss.events.size() == 2);
  CHECK(ss.events[0].time_zone == "ET");
  CHECK(ss.events[1].location->code == "CMH");
}

TEST_CASE("canonical: the writer leaves out absent fields", "[canonical]") {
  canonical::ShipmentStatus ss;
  ss.envelope.standard = "edifact";
  ss.envelope.version = "D01B";
  ss.envelope.transaction = "IFTSTA";
  canonical::StatusEvent event;
  event.status_code = "21";
  ss.events.push_back(event);
  CHECK(canonical::to_json(ss) == json::parse(R"({"type": "shipment_status",
    "envelope": {"standard": "edifact", "version": "D01B", "transaction": "IFTSTA"},
    "events": [{"status_code": "21"}]})"));

  ss.extensions = json::object();  // empty extensions are absent too
  ss.events[0].references.emplace_back();
  CHECK_FALSE(canonical::to_json(ss).contains("extensions"));
  CHECK(canonical::to_json(ss)["events"][0]["references"] == json::parse("[{}]"));
}

TEST_CASE("canonical: every broken document of the schema test is rejected at its path",
          "[canonical]") {
  const json cases = load_json("tests/integration/canonical_invalid_cases.json");
  REQUIRE(cases.size() > 30);
  for (const json& c : cases) {
    const std::string type = c["example"];
    json document = example(type);
    json::json_pointer where;
    for (const json& token : c["path"]) {
      where /= token.is_number() ? std::to_string(token.get<int>()) : token.get<std::string>();
    }
    if (c.contains("delete")) {
      document[where.parent_pointer()].erase(where.back());
    } else {
      document[where] = c["value"];
    }
    INFO(type << " with " << c["why"].get<std::string>());
    const std::string error = error_of([&] { (void)round_trip(type, document); });
    CHECK(error.substr(0, error.find('|')) == where.to_string());
  }
}

TEST_CASE("canonical: reader errors name the JSON pointer and the problem", "[canonical]") {
  json po = minimal_po();
  CHECK(po_error(po) == "no error");

  po["lines"] = json::parse(R"([{"quantity": "1"}, {"quantity": "2"}, {}, {"quantity": 4}])");
  CHECK(po_error(po) == "/lines/2|/lines/2: expected a non-empty object");
  po["lines"][2] = {{"quantity", "3"}};
  CHECK(po_error(po) == "/lines/3/quantity|/lines/3/quantity: expected a decimal string");
  po["lines"][3]["quantity"] = "4";
  CHECK(po_error(po) == "no error");

  json unknown = minimal_po();
  unknown["parties"] = json::parse(R"([{"role": "ST", "a/b~c": "x"}])");
  CHECK(po_error(unknown) == "/parties/0/a~1b~0c|/parties/0/a~1b~0c: unknown field");

  json missing = minimal_po();
  missing["envelope"].erase("transaction");
  CHECK(po_error(missing) == "/envelope/transaction|/envelope/transaction: required field missing");
  missing.erase("envelope");
  CHECK(po_error(missing) == "/envelope|/envelope: required field missing");

  CHECK(po_error(json::array()) == "|document: expected an object");
  CHECK(po_error(json::parse(R"({"type": "ship_notice"})")) ==
        "/type|/type: expected \"purchase_order\"");

  json bad_extension = minimal_po();
  bad_extension["extensions"] = json::parse(R"({"a": {"b": ["x", 1]}})");
  CHECK(po_error(bad_extension) ==
        "/extensions/a/b/1|/extensions/a/b/1: expected a string, or an array or object of "
        "strings");
  bad_extension["extensions"] = json::parse(R"({"a": {"b": ["x", "", []], "c": {}}})");
  CHECK(po_error(bad_extension) == "no error");
}

TEST_CASE("canonical: dates and date-times follow the ISO forms of the contract", "[canonical]") {
  json po = minimal_po();
  const auto order_date = [&](const std::string& value) {
    po["order_date"] = value;
    return po_error(po) == "no error";
  };
  CHECK(order_date("2026-11-30"));
  CHECK_FALSE(order_date("2026-11-3"));
  CHECK_FALSE(order_date("2026-00-10"));
  CHECK_FALSE(order_date("2026-01-32"));
  CHECK_FALSE(order_date("2026/11/30"));
  CHECK_FALSE(order_date("2026-11-30T10:00"));

  po.erase("order_date");
  const auto received_at = [&](const std::string& value) {
    po["envelope"]["received_at"] = value;
    return po_error(po) == "no error";
  };
  CHECK(received_at("2026-11-30T10:05"));
  CHECK(received_at("2026-11-30T10:05:59"));
  CHECK(received_at("2026-11-30T10:05Z"));
  CHECK(received_at("2026-11-30T23:59:00-05:00"));
  CHECK(received_at("2026-11-30T00:00+13:45"));
  CHECK_FALSE(received_at("2026-11-30"));
  CHECK_FALSE(received_at("2026-11-30T24:00"));
  CHECK_FALSE(received_at("2026-11-30T10:60"));
  CHECK_FALSE(received_at("2026-11-30T10:05:5"));
  CHECK(received_at("2026-11-30T10:05:00.25"));  // X12 TM with hundredths
  CHECK_FALSE(received_at("2026-11-30T10:05:00."));
  CHECK_FALSE(received_at("2026-11-30T10:05.25"));
  CHECK_FALSE(received_at("2026-11-30T10:05-0500"));
  CHECK_FALSE(received_at("2026-11-30T10:05z"));
  CHECK_FALSE(received_at("2026-11-30 10:05"));

  po["envelope"].erase("received_at");
  po["dates"] = json::parse(R"([{"qualifier": "002", "value": "2026-12-01"},
                               {"qualifier": "037", "value": "2026-12-01T08:00"}])");
  CHECK(po_error(po) == "no error");
}

TEST_CASE("canonical: decimals are strings with digits, an optional sign and fraction",
          "[canonical]") {
  json po = minimal_po();
  const auto amount = [&](const json& value) {
    po["totals"] = {{"amount", value}};
    return po_error(po) == "no error";
  };
  for (const char* good : {"0", "12.50", "-3", "0.125", "007", "-0.0"}) CHECK(amount(good));
  for (const char* bad : {"", "-", "1.", ".5", "+1", "1e3", "1,5", " 1", "1 ", "0x10"}) {
    CHECK_FALSE(amount(bad));
  }
  CHECK_FALSE(amount(12.5));
  CHECK_FALSE(amount(12));
  CHECK_FALSE(amount(nullptr));
}

TEST_CASE("canonical: packs nest to any depth below the limit", "[canonical]") {
  const auto nested = [](int levels) {
    json sn = json::parse(R"({"type": "ship_notice", "shipment_id": "S1",
      "envelope": {"standard": "x12", "version": "004010", "transaction": "856"}})");
    json pack = json::parse(R"({"items": [{"quantity": "1"}]})");
    for (int i = 0; i < levels; ++i) {
      json outer = json::object();
      outer["packs"].push_back(pack);
      pack = outer;
    }
    sn["orders"][0]["packs"][0] = pack;
    return sn;
  };
  const canonical::ShipNotice sn = canonical::ship_notice_from_json(nested(20));
  const canonical::Pack* pack = &sn.orders.at(0).packs.at(0);
  for (int i = 0; i < 20; ++i) pack = &pack->packs.at(0);
  CHECK(pack->items.at(0).quantity == "1");
  CHECK(canonical::to_json(sn) == nested(20));

  const std::string error = error_of([&] { (void)canonical::ship_notice_from_json(nested(40)); });
  CHECK(error.find("nested too deeply") != std::string::npos);
  CHECK(error_of([&] { (void)canonical::ship_notice_from_json(nested(40), 100); }) == "no error");
}

TEST_CASE("canonical: document_type names one of the four types", "[canonical]") {
  CHECK(canonical::document_type(minimal_po()) == "purchase_order");
  const auto type_error = [](const json& j) {
    return error_of([&] { (void)canonical::document_type(j); });
  };
  CHECK(type_error(json::parse(R"({"type": "invoice"})")) ==
        "/type|/type: unknown document type \"invoice\"");
  CHECK(type_error(json::parse(R"({"type": 850})")) == "/type|/type: expected a document type");
  CHECK(type_error(json::object()) == "/type|/type: required field missing");
  CHECK(type_error(json("purchase_order")) == "|document: expected an object");
}

TEST_CASE("canonical: an outbound document is checked as read, its envelope optional",
          "[canonical]") {
  const auto outbound_error = [](const json& j) {
    return error_of([&] { canonical::check_outbound(j); });
  };
  for (const char* type : {"purchase_order", "ship_notice", "freight_invoice", "shipment_status"}) {
    json document = example(type);
    CHECK(outbound_error(document) == "no error");
    document.erase("envelope");
    CHECK(outbound_error(document) == "no error");
    document["envelope"] = json::object({{"partner", "acme"}});  // present: checked
    CHECK(outbound_error(document) ==
          "/envelope/standard|/envelope/standard: required field missing");
  }
  json asn = example("ship_notice");
  asn["orders"][0]["packs"][0]["sscc"] = "12345";
  CHECK(outbound_error(asn) ==
        "/orders/0/packs/0/sscc|/orders/0/packs/0/sscc: expected an SSCC of 18 digits");
  asn = example("ship_notice");
  asn["orders"][0]["colour"] = "red";
  CHECK(outbound_error(asn) == "/orders/0/colour|/orders/0/colour: unknown field");
  CHECK(outbound_error(json::parse(R"({"type": "invoice"})")) ==
        "/type|/type: unknown document type \"invoice\"");
}

TEST_CASE("canonical: freight totals reconcile in exact decimals", "[canonical]") {
  using canonical::check_freight_totals;
  const canonical::FreightInvoice fi =
      canonical::freight_invoice_from_json(example("freight_invoice"));
  CHECK(check_freight_totals(fi).empty());

  CHECK(check_freight_totals(invoice({{"10.5"}}, "10.50")).empty());
  CHECK(check_freight_totals(invoice({{"10.50"}}, "10.5")).empty());
  CHECK(check_freight_totals(invoice({{"4"}, {"6.25", "0.25"}}, "10.5")).empty());
  CHECK(check_freight_totals(invoice({{"100"}, {"-25.75"}}, "74.25")).empty());
  CHECK(check_freight_totals(invoice({{"-10"}, {"-0.5"}}, "-10.500")).empty());
  CHECK(check_freight_totals(invoice({{"5"}, {"-5"}}, "0.00")).empty());
  CHECK(check_freight_totals(invoice({{"-0"}}, "0")).empty());
  // 0.1 + 0.2 is not 0.3 in binary floating point; here it is.
  CHECK(check_freight_totals(invoice({{"0.1", "0.2"}}, "0.3")).empty());
  // Beyond the 53 bits of a double.
  CHECK(check_freight_totals(invoice({{"90071992547409931.01"}, {"0.02"}}, "90071992547409931.03"))
            .empty());

  const std::vector<std::string> off = check_freight_totals(invoice({{"10.5"}, {"2"}}, "12.49"));
  REQUIRE(off.size() == 1);
  CHECK(off[0] ==
        "/totals/charge: 12.49 does not equal the sum of the line charge amounts, 12.5 "
        "(difference -0.01)");
  const std::vector<std::string> negative = check_freight_totals(invoice({{"-3.5"}}, "3.5"));
  REQUIRE(negative.size() == 1);
  CHECK(negative[0].find("sum of the line charge amounts, -3.5 (difference 7.0)") !=
        std::string::npos);
  CHECK(check_freight_totals(invoice({}, "1")).size() == 1);
  CHECK(check_freight_totals(invoice({}, "0")).empty());

  // Nothing to reconcile against; a charge without an amount does not count.
  canonical::FreightInvoice no_total = invoice({{"1"}}, "1");
  no_total.totals->charge.reset();
  CHECK(check_freight_totals(no_total).empty());
  canonical::FreightInvoice no_amount = invoice({{"1"}}, "1");
  no_amount.lines[0].charges.emplace_back();
  CHECK(check_freight_totals(no_amount).empty());

  // Structs filled by hand may hold anything; those are reported, not thrown.
  const std::vector<std::string> bad = check_freight_totals(invoice({{"1"}, {"ten"}}, "x"));
  REQUIRE(bad.size() == 2);
  CHECK(bad[0] == "/totals/charge: \"x\" is not a decimal");
  CHECK(bad[1] == "/lines/1/charges/0/amount: \"ten\" is not a decimal");
}

TEST_CASE("canonical: the reader knows every field of the JSON Schemas", "[canonical]") {
  MaximalDocument maximal;
  for (const char* type : {"purchase_order", "ship_notice", "freight_invoice", "shipment_status"}) {
    INFO(type);
    const json document = maximal.build(type);
    INFO(document.dump());
    CHECK(round_trip(type, document) == document);  // an Error fails with its message
  }
  const json sn = maximal.build("ship_notice");  // packs inside packs, extensions inside items
  CHECK(sn.at(json::json_pointer(
            "/orders/0/packs/0/packs/0/items/0/extensions/partner_field/1/b")) == "c");
}
