#include "mapping_tree.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace edigate::edi::mapping {
namespace {

// Bytes that cannot be copied into a JSON string as they are: controls, quote, backslash, and
// bytes of 0x80 and above (checked for UTF-8).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<std::size_t>(c)] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

// Appends to a std::string through a raw cursor: capacity is checked once per value instead
// of once per byte (the JSON is about twice the size of the EDI it comes from).
class JsonOut {
 public:
  JsonOut(std::string& out, std::size_t size) : out_(out), size_(size) {}

  void reserve(std::size_t n) {
    if (size_ + n > out_.size()) [[unlikely]]
      grow(n);
  }
  void put(char c) { out_[size_++] = c; }  // after reserve()
  void put(std::string_view s) {           // after reserve()
    char* to = out_.data() + size_;
    if (s.size() <= 16) {  // keys and most values: cheaper than a call to memcpy
      for (std::size_t i = 0; i < s.size(); ++i) to[i] = s[i];
    } else {
      std::memcpy(to, s.data(), s.size());
    }
    size_ += s.size();
  }
  std::size_t size() const { return size_; }
  void rewind(std::size_t size) { size_ = size; }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    out_.resize(std::max(out_.size() * 2, size_ + n + 4096));
  }

  std::string& out_;
  std::size_t size_;
};

void hex_escape(unsigned char c, JsonOut& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out.put(std::string_view(escaped, 6));
}

// Length of the valid UTF-8 sequence starting at text[i], 0 when there is none.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t len = c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

void write_string(std::string_view text, JsonOut& out) {
  out.reserve(text.size() * 6 + 2);  // worst case: every byte escaped as \u00XX
  out.put('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kSpecial[c]) {
      out.put(static_cast<char>(c));
      continue;
    }
    if (c >= 0x80) {
      // 8-bit text passes through EDI as bytes; JSON must be UTF-8. A byte that does not start
      // a valid UTF-8 sequence is taken as Latin-1.
      if (const std::size_t len = utf8_length(text, i); len > 0) {
        out.put(text.substr(i, len));
        i += len - 1;
        continue;
      }
      hex_escape(c, out);
    } else if (c == '"' || c == '\\') {
      out.put('\\');
      out.put(static_cast<char>(c));
    } else {
      hex_escape(c, out);
    }
  }
  out.put('"');
}

// Writes `node` after a separator ("," or "") and its key (none in arrays); writes nothing at
// all when the node is empty, so empty objects, arrays and strings leave no trace. Returns
// whether it wrote.
bool write_value(const TreeNode& node, JsonOut& out, bool comma, std::string_view key) {
  const std::size_t start = out.size();
  out.reserve(key.size() + 8);
  if (comma) out.put(',');
  if (!key.empty()) {
    out.put('"');
    out.put(key);  // keys are ours: [a-z0-9_], nothing to escape
    out.put(std::string_view("\":", 2));
  }
  switch (node.kind) {
    case TreeNode::Kind::string:
      if (node.text.empty()) break;
      write_string(node.text, out);
      return true;
    case TreeNode::Kind::literal:
      if (node.text.empty()) break;
      out.reserve(node.text.size());
      out.put(node.text);
      return true;
    case TreeNode::Kind::object: {
      out.put('{');
      bool any = false;
      for (const TreeNode* m = node.first; m != nullptr; m = m->next) {
        any = write_value(*m, out, any, m->key) || any;
      }
      if (!any) break;
      out.reserve(1);
      out.put('}');
      return true;
    }
    case TreeNode::Kind::array: {
      out.put('[');
      bool any = false;
      for (const TreeNode* i = node.first; i != nullptr; i = i->next) {
        any = write_value(*i, out, any, {}) || any;
      }
      if (!any) break;
      out.reserve(1);
      out.put(']');
      return true;
    }
  }
  out.rewind(start);
  return false;
}

}  // namespace

std::string_view Tree::keep_in_next_chunk(std::string_view value) {
  char* to = nullptr;
  if (value.size() > kTextChunk) {
    oversized_.push_back(std::make_unique<char[]>(value.size()));
    to = oversized_.back().get();
  } else {
    if (!text_chunks_.empty()) ++text_chunk_;
    if (text_chunk_ == text_chunks_.size()) {
      text_chunks_.push_back(std::make_unique<char[]>(kTextChunk));
    }
    to = text_chunks_[text_chunk_].get();
    text_used_ = value.size();
  }
  std::memcpy(to, value.data(), value.size());
  return {to, value.size()};
}

void write_json_string(std::string_view text, std::string& out) {
  const std::size_t start = out.size();
  JsonOut o(out, start);
  write_string(text, o);
  out.resize(o.size());
}

std::size_t write_json(const TreeNode& node, std::string& buffer) {
  JsonOut o(buffer, 0);
  if (!write_value(node, o, false, {})) {
    o.reserve(2);
    o.put(std::string_view("{}", 2));
  }
  return o.size();
}

}  // namespace edigate::edi::mapping
