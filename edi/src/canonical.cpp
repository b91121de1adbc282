// Reading and writing canonical documents: one reader and one writer walk the field lists of
// canonical_fields.hpp.
#include "edigate/edi/canonical.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "canonical_fields.hpp"

namespace edigate::edi::canonical {

Error::Error(std::string path, const std::string& problem)
    : std::runtime_error((path.empty() ? std::string("document") : path) + ": " + problem),
      path_(std::move(path)) {}

namespace detail {
namespace {

using nlohmann::json;

// A JSON pointer reference token: '~' and '/' escaped (RFC 6901).
std::string pointer_token(std::string_view key) {
  std::string token;
  for (const char c : key) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

// Strings, and arrays and objects of them, no deeper than max_depth (counting this value).
void check_extension_value(const json& value, const std::string& path, std::size_t depth,
                           std::size_t max_depth) {
  if (value.is_string()) return;
  if (!value.is_array() && !value.is_object()) {
    throw Error(path, "expected a string, or an array or object of strings");
  }
  if (depth > max_depth) throw Error(path, "nested too deeply");
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      check_extension_value(value[i], path + "/" + std::to_string(i), depth + 1, max_depth);
    }
    return;
  }
  for (const auto& [key, member] : value.items()) {
    check_extension_value(member, path + "/" + pointer_token(key), depth + 1, max_depth);
  }
}

// Reads one JSON object into a struct, checking every member against the field list.
class Reader {
 public:
  Reader(const json& object, std::string path, std::size_t depth, std::size_t max_depth,
         Need envelope = Need::required)
      : object_(object),
        path_(std::move(path)),
        depth_(depth),
        max_depth_(max_depth),
        envelope_(envelope) {
    if (!object_.is_object()) throw Error(path_, "expected an object");
    if (object_.empty()) throw Error(path_, "expected a non-empty object");
    if (depth_ > max_depth_) throw Error(path_, "nested too deeply");
  }

  void type(const char* expected) {
    const json* j = find("type", Need::required);
    if (!j->is_string() || j->get_ref<const std::string&>() != expected) {
      throw Error(child("type"), std::string("expected \"") + expected + "\"");
    }
  }

  void scalar(const char* key, Text& out, const ScalarRule& rule = kText,
              Need need = Need::optional) {
    const json* j = find(key, need);
    if (j == nullptr) return;
    if (!j->is_string() || !rule.valid(j->get_ref<const std::string&>())) {
      throw Error(child(key), rule.expected);
    }
    out = j->get<std::string>();
  }

  void boolean(const char* key, std::optional<bool>& out) {
    const json* j = find(key, Need::optional);
    if (j == nullptr) return;
    if (!j->is_boolean()) throw Error(child(key), "expected true or false");
    out = j->get<bool>();
  }

  void strings(const char* key, std::vector<std::string>& out) {
    const json* j = array_at(key, Need::optional);
    if (j == nullptr) return;
    for (std::size_t i = 0; i < j->size(); ++i) {
      const json& item = (*j)[i];
      if (!item.is_string() || !is_text(item.get_ref<const std::string&>())) {
        throw Error(child(key) + "/" + std::to_string(i), kText.expected);
      }
      out.push_back(item.get<std::string>());
    }
  }

  template <class T>
  void object(const char* key, std::optional<T>& out) {
    const json* j = find(key, Need::optional);
    if (j != nullptr) out = read<T>(*j, child(key), depth_ + 1);
  }

  template <class T>
  void object(const char* key, T& out) {  // the envelope: required unless told otherwise
    const json* j = find(key, envelope_);
    if (j != nullptr) out = read<T>(*j, child(key), depth_ + 1);
  }

  template <class T>
  void array(const char* key, std::vector<T>& out, Need need = Need::optional) {
    const json* j = array_at(key, need);
    if (j == nullptr) return;
    out.reserve(j->size());
    for (std::size_t i = 0; i < j->size(); ++i) {
      out.push_back(read<T>((*j)[i], child(key) + "/" + std::to_string(i), depth_ + 2));
    }
  }

  void extensions(json& out) {
    const json* j = find("extensions", Need::optional);
    if (j == nullptr) return;
    const std::string path = child("extensions");
    if (!j->is_object() || j->empty()) throw Error(path, "expected a non-empty object");
    check_extension_value(*j, path, depth_ + 1, max_depth_);
    out = *j;
  }

  // Throws for the first member that no field of the list named.
  void finish() const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        throw Error(child(key), "unknown field");
      }
    }
  }

  template <class T>
  T read(const json& j, std::string path, std::size_t depth) const {
    Reader reader(j, std::move(path), depth, max_depth_);
    T value{};
    fields(reader, value);
    reader.finish();
    return value;
  }

 private:
  const json* find(const char* key, Need need) {
    known_.emplace_back(key);
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (need == Need::required) throw Error(child(key), "required field missing");
      return nullptr;
    }
    return &*it;
  }

  const json* array_at(const char* key, Need need) {
    const json* j = find(key, need);
    if (j != nullptr && (!j->is_array() || j->empty())) {
      throw Error(child(key), "expected a non-empty array");
    }
    return j;
  }

  std::string child(std::string_view key) const { return path_ + "/" + pointer_token(key); }

  const json& object_;
  std::string path_;
  std::size_t depth_;  // 1 for the document itself
  std::size_t max_depth_;
  Need envelope_;
  std::vector<std::string_view> known_;
};

// Writes a struct as a JSON object, leaving out every absent field.
class Writer {
 public:
  void scalar(const char* key, const Text& value, const ScalarRule& = kText,
              Need = Need::optional) {
    if (value) out_[key] = *value;
  }

  void boolean(const char* key, const std::optional<bool>& value) {
    if (value) out_[key] = *value;
  }

  void strings(const char* key, const std::vector<std::string>& values) {
    if (!values.empty()) out_[key] = values;
  }

  template <class T>
  void object(const char* key, const std::optional<T>& value) {
    if (value) out_[key] = write(*value);
  }

  template <class T>
  void object(const char* key, const T& value) {
    out_[key] = write(value);
  }

  template <class T>
  void array(const char* key, const std::vector<T>& values, Need = Need::optional) {
    if (values.empty()) return;
    json& out = out_[key] = json::array();
    for (const T& value : values) out.push_back(write(value));
  }

  void extensions(const json& value) {
    if (!value.is_null() && !value.empty()) out_["extensions"] = value;
  }

  void type(const char* name) { out_["type"] = name; }

  json take() { return std::move(out_); }

  template <class T>
  static json write(const T& value) {
    Writer writer;
    fields(writer, value);
    return writer.take();
  }

 private:
  json out_ = json::object();
};

// Collects the dotted path of every field, object and array of a document type ("lines",
// "lines.unit") with its kind; array entries leave no key. Packs hold packs: a type is followed
// no deeper than kPathDepth keys.
using PathKinds = std::map<std::string, FieldKind, std::less<>>;

class Paths {
 public:
  static constexpr std::size_t kPathDepth = 32;

  Paths(PathKinds& out, std::string prefix, std::size_t depth)
      : out_(out), prefix_(std::move(prefix)), depth_(depth) {}

  void type(const char*) { add("type", FieldKind::scalar); }
  void scalar(const char* key, const Text&, const ScalarRule& = kText, Need = Need::optional) {
    add(key, FieldKind::scalar);
  }
  void boolean(const char* key, const std::optional<bool>&) { add(key, FieldKind::scalar); }
  void strings(const char* key, const std::vector<std::string>&) { add(key, FieldKind::strings); }
  template <class T>
  void object(const char* key, const std::optional<T>&) {
    descend<T>(key, FieldKind::object);
  }
  template <class T>
  void object(const char* key, const T&) {
    descend<T>(key, FieldKind::object);
  }
  template <class T>
  void array(const char* key, const std::vector<T>&, Need = Need::optional) {
    descend<T>(key, FieldKind::array);
  }
  void extensions(const json&) { add("extensions", FieldKind::extensions); }

 private:
  std::string add(const char* key, FieldKind kind) {
    std::string path = prefix_.empty() ? std::string(key) : prefix_ + "." + key;
    out_.emplace(path, kind);
    return path;
  }

  template <class T>
  void descend(const char* key, FieldKind kind) {
    const std::string path = add(key, kind);
    if (depth_ + 1 >= kPathDepth) return;
    Paths inner(out_, path, depth_ + 1);
    const T value{};
    fields(inner, value);
  }

  PathKinds& out_;
  std::string prefix_;
  std::size_t depth_;
};

template <class T>
PathKinds paths_of() {
  PathKinds out;
  Paths paths(out, "", 0);
  paths.type("");
  const T value{};
  fields(paths, value);
  return out;
}

template <class T>
T read_document(const json& document, const char* type, std::size_t max_depth,
                Need envelope = Need::required) {
  Reader reader(document, "", 1, max_depth, envelope);
  reader.type(type);
  T value{};
  fields(reader, value);
  reader.finish();
  return value;
}

template <class T>
json write_document(const T& value, const char* type) {
  Writer writer;
  writer.type(type);
  fields(writer, value);
  return writer.take();
}

constexpr const char* kTypes[] = {"purchase_order", "ship_notice", "freight_invoice",
                                  "shipment_status"};

}  // namespace
}  // namespace detail

std::string document_type(const nlohmann::json& document) {
  if (!document.is_object()) throw Error("", "expected an object");
  const auto it = document.find("type");
  if (it == document.end()) throw Error("/type", "required field missing");
  if (!it->is_string()) throw Error("/type", "expected a document type");
  const std::string& type = it->get_ref<const std::string&>();
  for (const char* known : detail::kTypes) {
    if (type == known) return type;
  }
  throw Error("/type", "unknown document type \"" + type + "\"");
}

PurchaseOrder purchase_order_from_json(const nlohmann::json& document, std::size_t max_depth) {
  return detail::read_document<PurchaseOrder>(document, "purchase_order", max_depth);
}

ShipNotice ship_notice_from_json(const nlohmann::json& document, std::size_t max_depth) {
  return detail::read_document<ShipNotice>(document, "ship_notice", max_depth);
}

FreightInvoice freight_invoice_from_json(const nlohmann::json& document, std::size_t max_depth) {
  return detail::read_document<FreightInvoice>(document, "freight_invoice", max_depth);
}

ShipmentStatus shipment_status_from_json(const nlohmann::json& document, std::size_t max_depth) {
  return detail::read_document<ShipmentStatus>(document, "shipment_status", max_depth);
}

std::optional<FieldKind> field_kind(std::string_view type, std::string_view path) {
  static const std::map<std::string, detail::PathKinds, std::less<>> kPaths = {
      {"purchase_order", detail::paths_of<PurchaseOrder>()},
      {"ship_notice", detail::paths_of<ShipNotice>()},
      {"freight_invoice", detail::paths_of<FreightInvoice>()},
      {"shipment_status", detail::paths_of<ShipmentStatus>()}};
  const auto known = kPaths.find(type);
  if (known == kPaths.end() || path.empty()) return std::nullopt;
  if (const auto it = known->second.find(path); it != known->second.end()) {
    // An extensions object itself is an object; what is inside it is the partner's.
    return it->second == FieldKind::extensions ? FieldKind::object : it->second;
  }
  // Inside an extensions object anything goes: a prefix that is an extensions field.
  for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
       dot = path.find('.', dot + 1)) {
    const auto it = known->second.find(path.substr(0, dot));
    if (it != known->second.end() && it->second == FieldKind::extensions) {
      return FieldKind::extensions;
    }
  }
  return std::nullopt;
}

void check_outbound(const nlohmann::json& document, std::size_t max_depth) {
  using detail::read_document, detail::Need;
  const std::string type = document_type(document);
  if (type == "purchase_order") {
    read_document<PurchaseOrder>(document, "purchase_order", max_depth, Need::optional);
  } else if (type == "ship_notice") {
    read_document<ShipNotice>(document, "ship_notice", max_depth, Need::optional);
  } else if (type == "freight_invoice") {
    read_document<FreightInvoice>(document, "freight_invoice", max_depth, Need::optional);
  } else {
    read_document<ShipmentStatus>(document, "shipment_status", max_depth, Need::optional);
  }
}

nlohmann::json to_json(const PurchaseOrder& document) {
  return detail::write_document(document, "purchase_order");
}

nlohmann::json to_json(const ShipNotice& document) {
  return detail::write_document(document, "ship_notice");
}

nlohmann::json to_json(const FreightInvoice& document) {
  return detail::write_document(document, "freight_invoice");
}

nlohmann::json to_json(const ShipmentStatus& document) {
  return detail::write_document(document, "shipment_status");
}

}  // namespace edigate::edi::canonical
