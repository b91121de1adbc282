// The document the inbound mapper builds for one set: objects, arrays and strings in insertion
// order, in an arena that is reused from set to set (no allocation once it has warmed up),
// then written as one line of JSON. Keys point into the compiled Map, which outlives it.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace edigate::edi::mapping {

// Object keys are interned for the life of the process (the canonical field names: a small,
// fixed vocabulary), so a key is found by its address, and each is stored as `,"name":"` with
// padding after it, so the JSON writer copies a member's separator, key, colon and (for a
// string) opening quote in one move.
// Every key of a Tree must come from here. Thread-safe; meant for compile time, not per value.
std::string_view intern_key(std::string_view name);
// The stored bytes around an interned key that a JSON writer copies: `,` when `comma`, then
// `"key":`, then `"` when `quote`. At least 16 bytes are readable from its start (the padding).
inline std::string_view interned_key_token(std::string_view key, bool comma, bool quote) {
  return {key.data() - (comma ? 2 : 1), key.size() + (comma ? 4 : 3) + (quote ? 1 : 0)};
}

#if defined(__SSE2__)
// Bit i is set when byte i of the 16 at `p` cannot be copied into a JSON string as it is:
// controls and bytes of 0x80 and above (both below 0x20 as signed bytes), quote and backslash.
[[gnu::always_inline]] inline unsigned json_special_bytes(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(low, _mm_or_si128(quote, backslash))));
}
#endif

// Children (members of an object, items of an array) are an intrusive list, so building a
// document costs no vector growth and a node is reset by clearing four pointers.
struct TreeNode {
  enum class Kind : unsigned char { string, object, array, literal };  // literal: true, 12

  Kind kind = Kind::object;
  std::string_view key;  // as a member of an object: from intern_key()
  // string: from Tree::keep() (the JSON writer reads up to 15 bytes past its end); literal:
  // from keep() or static.
  std::string_view text;
  TreeNode* first = nullptr;
  TreeNode* last = nullptr;
  TreeNode* next = nullptr;

  // `name` comes from intern_key(), as every key does.
  TreeNode* find(std::string_view name) const {
    for (TreeNode* c = first; c != nullptr; c = c->next) {
      if (c->key.data() == name.data()) return c;
    }
    return nullptr;
  }
  void append(TreeNode* child) {
    child->next = nullptr;
    if (last != nullptr) {
      last->next = child;
    } else {
      first = child;
    }
    last = child;
  }
  void remove(const TreeNode* child) {
    TreeNode* before = nullptr;
    for (TreeNode* c = first; c != nullptr; before = c, c = c->next) {
      if (c != child) continue;
      (before != nullptr ? before->next : first) = c->next;
      if (last == c) last = before;
      return;
    }
  }
};

class Tree {
 public:
  [[gnu::always_inline]] TreeNode* make(TreeNode::Kind kind) {
    if (next_ == end_) [[unlikely]]
      next_chunk();
    TreeNode* n = next_++;
    n->kind = kind;
    n->key = {};
    n->text = {};
    n->first = n->last = n->next = nullptr;
    return n;
  }
  void clear() {
    chunk_ = 0;
    next_ = end_ = nullptr;
    text_chunk_ = 0;
    text_used_ = text_chunks_.empty() ? kTextChunk : 0;
    text_base_ = text_chunks_.empty() ? nullptr : text_chunks_.front().get();
    oversized_.clear();
  }

  // A copy of `value` that stays valid until clear(): node texts are views, so setting one
  // costs a copy of its bytes and nothing else.
  std::string_view keep(std::string_view value) {
    if (value.empty()) return {};
    if (value.size() > kTextChunk - text_used_) [[unlikely]]
      return keep_in_next_chunk(value);
    char* to = text_base_ + text_used_;
    copy_short(to, value);
    text_used_ += value.size();
    return {to, value.size()};
  }

  // Room for n bytes of text written in place (with padding after them), valid until
  // clear() once claimed by claim_text(n); null when n is more than a chunk.
  char* text_room(std::size_t n) {
    if (n > kTextChunk - text_used_) [[unlikely]] {
      if (n > kTextChunk) return nullptr;
      next_text_chunk();
    }
    return text_base_ + text_used_;
  }
  std::string_view claim_text(std::size_t n) {
    char* at = text_base_ + text_used_;
    text_used_ += n;
    return {at, n};
  }
  // Copies `value` to `to` as keep() does (to has room for it).
  static void copy_text(char* to, std::string_view value) { copy_short(to, value); }

  // copy_text and needs_escape in one: copies `value` to `to` and returns whether any of its
  // bytes must be escaped in a JSON string. The bytes are checked in the registers they are
  // copied through: checking them at `to` just after storing them there made each 16-byte load
  // wait for the smaller stores before it (a failed store-to-load forward, ~5% of the mapper's
  // time on DESADV).
  static bool copy_needs_escape(char* to, std::string_view value) {
    const char* from = value.data();
    const std::size_t n = value.size();
    if (n >= 8 && n <= 16) {
      std::uint64_t a, b;
      std::memcpy(&a, from, 8);
      std::memcpy(&b, from + n - 8, 8);
      std::memcpy(to, &a, 8);
      std::memcpy(to + n - 8, &b, 8);
      return special_in(a) || special_in(b);
    }
    if (n >= 4 && n < 8) {
      std::uint32_t a, b;
      std::memcpy(&a, from, 4);
      std::memcpy(&b, from + n - 4, 4);
      std::memcpy(to, &a, 4);
      std::memcpy(to + n - 4, &b, 4);
      // Both halves in one word: the same bytes checked, some twice.
      return special_in((std::uint64_t{a} << 32) | b);
    }
    bool special = false;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, from + i, 8);
      std::memcpy(to + i, &w, 8);
      special = special || special_in(w);
    }
    for (; i < n; ++i) {
      const auto c = static_cast<unsigned char>(from[i]);
      to[i] = static_cast<char>(c);
      special = special || c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    }
    return special;
  }

  // Whether any of the n bytes at `text` must be escaped in a JSON string: controls, quote,
  // backslash, and bytes of 0x80 and above (which need a UTF-8 check). `text` must be
  // readable up to 15 bytes past n (a tree text is).
  static bool needs_escape(const char* text, std::size_t n) {
#if defined(__SSE2__)
    for (std::size_t i = 0; i < n; i += 16) {
      unsigned bad = json_special_bytes(text + i);
      if (n - i < 16) bad &= (1U << (n - i)) - 1;
      if (bad != 0) return true;
    }
    return false;
#else
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return true;
    }
    return false;
#endif
  }

  // The member `key` of `object`, made with `kind` when absent.
  TreeNode* member(TreeNode* object, std::string_view key, TreeNode::Kind kind) {
    if (TreeNode* found = object->find(key)) return found;
    TreeNode* n = make(kind);
    n->key = key;
    object->append(n);
    return n;
  }
  // A new member `key` of `object`, which the caller knows has none (no search).
  TreeNode* add(TreeNode* object, std::string_view key, TreeNode::Kind kind) {
    TreeNode* n = make(kind);
    n->key = key;
    object->append(n);
    return n;
  }
  TreeNode* clone(const TreeNode* from) {
    TreeNode* n = make(from->kind);
    n->key = from->key;
    n->text = from->text;
    for (const TreeNode* c = from->first; c != nullptr; c = c->next) n->append(clone(c));
    return n;
  }

 private:
  // Nodes live in fixed chunks, reused from set to set with their strings' capacity, so a
  // warmed-up mapper does not allocate.
  static constexpr std::size_t kChunk = 512;
  std::vector<std::unique_ptr<TreeNode[]>> chunks_;
  std::size_t chunk_ = 0;  // the next chunk to take
  TreeNode* next_ = nullptr;
  TreeNode* end_ = nullptr;

  // Whether any of the eight bytes of `w` must be escaped in JSON: a control (< 0x20), '"',
  // '\\' or 0x80 and above. Exact (word-at-a-time zero and less-than tests; a borrow can only
  // mark a byte above one that is itself found).
  static bool special_in(std::uint64_t w) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    const auto zero_byte = [](std::uint64_t x) { return (x - kOnes) & ~x & kHigh; };
    const std::uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;
    return ((w & kHigh) | control | zero_byte(w ^ (kOnes * '"')) | zero_byte(w ^ (kOnes * '\\'))) !=
           0;
  }

  // Most values are a few bytes: overlapping fixed-size copies instead of a call to memcpy
  // (which never reads outside `value`).
  static void copy_short(char* to, std::string_view value) {
    const char* from = value.data();
    const std::size_t n = value.size();
    if (n >= 8 && n <= 16) {
      std::memcpy(to, from, 8);
      std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(to, from, 4);
      std::memcpy(to + n - 4, from + n - 4, 4);
    } else if (n < 4) {
      for (std::size_t i = 0; i < n; ++i) to[i] = from[i];
    } else {
      std::memcpy(to, from, n);
    }
  }

  [[gnu::noinline]] void next_chunk() {
    if (chunk_ == chunks_.size()) chunks_.push_back(std::make_unique<TreeNode[]>(kChunk));
    next_ = chunks_[chunk_++].get();
    end_ = next_ + kChunk;
  }

  std::string_view keep_in_next_chunk(std::string_view value);
  [[gnu::noinline]] void next_text_chunk();

  // Texts live in fixed chunks too; a value longer than a chunk gets a buffer of its own.
  // Every buffer has kTextPadding bytes more than it holds, for the JSON writer's 16-byte reads.
  static constexpr std::size_t kTextPadding = 16;
  static constexpr std::size_t kTextChunk = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> text_chunks_;
  std::size_t text_chunk_ = 0;
  std::size_t text_used_ = kTextChunk;  // no chunk yet: the first keep() makes one
  char* text_base_ = nullptr;           // text_chunks_[text_chunk_]'s bytes
  std::vector<std::unique_ptr<char[]>> oversized_;
};

// Writes `node` as compact JSON from the start of `buffer` and returns its length; the buffer
// only grows (its size is capacity, not content), so writing document after document into it
// costs no allocation. Empty objects, arrays and strings are left out (a canonical document
// never holds them).
std::size_t write_json(const TreeNode& node, std::string& buffer);
// Appends a JSON string literal.
void write_json_string(std::string_view text, std::string& out);

}  // namespace edigate::edi::mapping
