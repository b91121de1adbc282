#include "mapping_tree.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <unordered_set>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  JsonOut(std::string& out, std::size_t size)
      : out_(out), data_(out.data()), size_(size), capacity_(out.size()) {}

  void reserve(std::size_t n) {
    if (size_ + n > capacity_) [[unlikely]]
      grow(n);
  }
  void put(char c) { data_[size_++] = c; }  // after reserve()
  void put(std::string_view s) {            // after reserve()
    char* to = data_ + size_;
    if (s.size() <= 16) {  // keys and most values: cheaper than a call to memcpy
      for (std::size_t i = 0; i < s.size(); ++i) to[i] = s[i];
    } else {
      std::memcpy(to, s.data(), s.size());
    }
    size_ += s.size();
  }
  // Copies 16 bytes from `s` (all readable) but keeps only n of them; after reserve(16).
  void put16(const char* s, std::size_t n) {
    std::memcpy(data_ + size_, s, 16);
    size_ += n;
  }
  std::size_t size() const { return size_; }
  void rewind(std::size_t size) { size_ = size; }

 private:
  [[gnu::noinline]] void grow(std::size_t n) {
    out_.resize(std::max(out_.size() * 2, size_ + n + 4096));
    data_ = out_.data();
    capacity_ = out_.size();
  }

  std::string& out_;
  char* data_;  // out_'s bytes, refreshed when it grows
  std::size_t size_;
  std::size_t capacity_;
};

void hex_escape(unsigned char c, JsonOut& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out.put(std::string_view(escaped, 6));
}

// Length of the valid UTF-8 sequence starting at text[i], 0 when there is none. Valid as RFC
// 3629 has it: no overlong forms (E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing past
// U+10FFFF (F4 90-BF); a JSON reader refuses those, so they are escaped as Latin-1 bytes.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const std::size_t len = c >= 0xF5 ? 0 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || i + len > text.size()) return 0;
  // The second byte's range depends on the first; the others are 80-BF.
  unsigned low = 0x80, high = 0xBF;
  if (c == 0xE0) low = 0xA0;
  if (c == 0xED) high = 0x9F;
  if (c == 0xF0) low = 0x90;
  if (c == 0xF4) high = 0x8F;
  const auto second = static_cast<unsigned char>(text[i + 1]);
  if (second < low || second > high) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Writes the characters of a JSON string (without its quotes), escaping what must be.
void write_characters(std::string_view text, JsonOut& out) {
  out.reserve(text.size() * 6);  // worst case: every byte escaped as \u00XX
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
}

void write_string(std::string_view text, JsonOut& out) {
  out.reserve(1);
  out.put('"');
  write_characters(text, out);
  out.reserve(1);
  out.put('"');
}

// A tree text after its opening quote: Tree::keep() leaves padding after it, so it is judged
// and copied 16 bytes at a time; the byte-wise path takes over from the first block that needs
// escaping. After reserve(kStringRoom + text.size()).
[[gnu::always_inline]] inline void write_tree_string_rest(std::string_view text, JsonOut& out) {
#if defined(__SSE2__)
  for (std::size_t i = 0; i < text.size(); i += 16) {
    const std::size_t left = text.size() - i;
    unsigned special = json_special_bytes(text.data() + i);
    if (left < 16) special &= (1U << left) - 1;
    if (special != 0) [[unlikely]] {
      write_characters(text.substr(i), out);
      out.reserve(1);
      break;
    }
    out.put16(text.data() + i, std::min<std::size_t>(left, 16));
  }
  out.put('"');
#else
  write_characters(text, out);
  out.reserve(1);
  out.put('"');
#endif
}
// Both quotes and the last block's 16-byte store.
constexpr std::size_t kStringRoom = 2 + 16;

// Room for what write_key() writes.
inline std::size_t key_room(std::string_view key) { return key.size() + 4 + 16; }

// Keys are ours, nothing to escape. Puts the separator (when `comma`), the key and its colon,
// and with `quote` a string's opening quote, in one copy; after reserve(key_room(key)).
[[gnu::always_inline]] inline void put_interned_key(JsonOut& out, bool comma, std::string_view key,
                                                    bool quote) {
  const std::string_view token = interned_key_token(key, comma, quote);
  if (token.size() <= 16) {
    out.put16(token.data(), token.size());
  } else {
    out.put(token);
  }
}

// Writes the separator ("," or nothing) and, for an object member, the key; after
// reserve(key_room(key)).
[[gnu::always_inline]] inline void write_key(JsonOut& out, bool comma, std::string_view key) {
  if (!key.empty()) {
    put_interned_key(out, comma, key, false);
  } else if (comma) {
    out.put(',');
  }
}

// The separator, the key (for an object member) and the string's opening quote; after
// reserve(key_room(key)).
[[gnu::always_inline]] inline void write_string_start(JsonOut& out, bool comma,
                                                      std::string_view key) {
  if (!key.empty()) return put_interned_key(out, comma, key, true);
  if (comma) out.put(',');
  out.put('"');
}

[[gnu::noinline]] bool write_container(const TreeNode& node, JsonOut& out, bool comma,
                                       std::string_view key);

// Writes the members of an object (kObject) or the items of an array, each after a separator
// (none before the first) and, in an object, its key. Returns whether it wrote any: empty
// objects, arrays and strings leave no trace. Strings and literals, most of the nodes, are
// written in the loop without a call. Two instances, so an array's items test no key.
template <bool kObject>
[[gnu::always_inline]] inline bool write_members(const TreeNode& node, JsonOut& out) {
  bool any = false;
  for (const TreeNode* m = node.first; m != nullptr; m = m->next) {
    const std::string_view member_key = kObject ? m->key : std::string_view{};
    if (m->kind == TreeNode::Kind::string) [[likely]] {
      if (m->text.empty()) continue;
      out.reserve(key_room(member_key) + kStringRoom + m->text.size());  // one check for both
      write_string_start(out, any, member_key);
      write_tree_string_rest(m->text, out);
      any = true;
      continue;
    }
    switch (m->kind) {
      case TreeNode::Kind::string:
        break;
      case TreeNode::Kind::literal:
        if (m->text.empty()) continue;
        out.reserve(key_room(member_key) + m->text.size());
        write_key(out, any, member_key);
        out.put(m->text);
        break;
      case TreeNode::Kind::object:
      case TreeNode::Kind::array:
        if (!write_container(*m, out, any, member_key)) continue;
        break;
    }
    any = true;
  }
  return any;
}

// Writes an object or array after a separator and its key (none in arrays), or nothing at all
// when it is empty. Returns whether it wrote.
bool write_container(const TreeNode& node, JsonOut& out, bool comma, std::string_view key) {
  const std::size_t start = out.size();
  out.reserve(key_room(key) + 1);
  write_key(out, comma, key);
  const bool object = node.kind == TreeNode::Kind::object;
  out.put(object ? '{' : '[');
  if (!(object ? write_members<true>(node, out) : write_members<false>(node, out))) {
    out.rewind(start);
    return false;
  }
  out.reserve(1);
  out.put(object ? '}' : ']');
  return true;
}

}  // namespace

std::string_view intern_key(std::string_view name) {
  struct Pool {
    std::mutex mutex;
    std::unordered_set<std::string_view> names;
    std::vector<std::unique_ptr<char[]>> storage;
  };
  static Pool pool;
  const std::lock_guard<std::mutex> lock(pool.mutex);
  if (const auto it = pool.names.find(name); it != pool.names.end()) return *it;
  // `,"name":` and a quote (a string member's opening one) then padding, for the writer's
  // 16-byte copies.
  auto buffer = std::make_unique<char[]>(name.size() + 4 + 16);
  buffer[0] = ',';
  buffer[1] = '"';
  std::memcpy(buffer.get() + 2, name.data(), name.size());
  buffer[name.size() + 2] = '"';
  buffer[name.size() + 3] = ':';
  buffer[name.size() + 4] = '"';
  const std::string_view interned(buffer.get() + 2, name.size());
  pool.storage.push_back(std::move(buffer));
  pool.names.insert(interned);
  return interned;
}

void Tree::next_text_chunk() {
  if (!text_chunks_.empty()) ++text_chunk_;
  if (text_chunk_ == text_chunks_.size()) {
    text_chunks_.push_back(std::make_unique<char[]>(kTextChunk + kTextPadding));
  }
  text_base_ = text_chunks_[text_chunk_].get();
  text_used_ = 0;
}

std::string_view Tree::keep_in_next_chunk(std::string_view value) {
  char* to = nullptr;
  if (value.size() > kTextChunk) {
    oversized_.push_back(std::make_unique<char[]>(value.size() + kTextPadding));
    to = oversized_.back().get();
  } else {
    next_text_chunk();
    to = text_base_;
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
  const bool container = node.kind == TreeNode::Kind::object || node.kind == TreeNode::Kind::array;
  if (!container || !write_container(node, o, false, {})) {
    o.reserve(2);
    o.put(std::string_view("{}", 2));
  }
  return o.size();
}

}  // namespace edigate::edi::mapping
