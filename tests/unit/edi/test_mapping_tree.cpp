// The inbound mapper's document tree and its JSON writer: strings judged 16 bytes at a time
// must come out exactly as the byte-wise writer makes them, wherever the bytes that need
// escaping fall; keys are interned; texts and nodes outlive their chunks' boundaries.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mapping_tree.hpp"

using namespace edigate::edi::mapping;
using Kind = TreeNode::Kind;

namespace {

std::string json_of(const TreeNode& root) {
  std::string buffer;
  const std::size_t length = write_json(root, buffer);
  return buffer.substr(0, length);
}

std::string byte_wise(std::string_view text) {
  std::string out;
  write_json_string(text, out);  // the byte-wise writer
  return out;
}

}  // namespace

TEST_CASE("tree strings are escaped as the byte-wise writer escapes them", "[mapping]") {
  const std::vector<std::string> specials = {"\"",
                                             "\\",
                                             std::string(1, '\x01'),
                                             std::string(1, '\x1f'),
                                             "\xe9",          // Latin-1 e-acute
                                             "\xc3\xa9",      // UTF-8 e-acute
                                             "\xe2\x82\xac",  // UTF-8 euro sign
                                             "\x80",
                                             "\xff",
                                             "\x7f"};
  const std::string_view key = intern_key("value");
  Tree tree;
  for (std::size_t length = 0; length <= 40; ++length) {
    for (const std::string& special : specials) {
      for (std::size_t at = 0; at <= length; at += (length > 20 ? 3 : 1)) {
        std::string text(length, 'a');
        text.insert(at, special);
        tree.clear();
        TreeNode* root = tree.make(Kind::object);
        tree.member(root, key, Kind::string)->text = tree.keep(text);
        INFO("length " << length << ", special at " << at);
        CHECK(json_of(*root) == "{\"value\":" + byte_wise(text) + "}");
      }
    }
  }
}

TEST_CASE("keys are interned, members keep their order and empty values leave no trace",
          "[mapping]") {
  const std::string name = "order_number";
  CHECK(intern_key(name).data() == intern_key("order_number").data());
  CHECK(intern_key("a_key_longer_than_sixteen_bytes") == "a_key_longer_than_sixteen_bytes");

  Tree tree;
  TreeNode* root = tree.make(Kind::object);
  tree.member(root, intern_key("b"), Kind::string)->text = tree.keep("1");
  tree.member(root, intern_key("empty"), Kind::object);
  TreeNode* list = tree.member(root, intern_key("a_key_longer_than_sixteen_bytes"), Kind::array);
  list->append(tree.make(Kind::object));
  TreeNode* item = tree.make(Kind::object);
  list->append(item);
  tree.member(item, intern_key("id"), Kind::string)->text = tree.keep("x");
  tree.member(root, intern_key("flag"), Kind::literal)->text = "true";
  CHECK(tree.member(root, intern_key("b"), Kind::string)->text == "1");  // found, not made
  CHECK(json_of(*root) ==
        R"({"b":"1","a_key_longer_than_sixteen_bytes":[{"id":"x"}],"flag":true})");

  tree.clear();
  CHECK(json_of(*tree.make(Kind::object)) == "{}");
}

TEST_CASE("texts and nodes span many chunks and stay valid until the tree is cleared",
          "[mapping]") {
  Tree tree;
  for (int round = 0; round < 2; ++round) {  // the second round reuses the chunks
    tree.clear();
    TreeNode* root = tree.make(Kind::object);
    TreeNode* list = tree.member(root, intern_key("lines"), Kind::array);
    std::string expected = "{\"lines\":[";
    const std::string big(100 * 1024, 'b');  // longer than a text chunk
    for (int i = 0; i < 3000; ++i) {
      const std::string text = i == 1500 ? big : std::to_string(i) + std::string(40, 'x');
      TreeNode* s = tree.make(Kind::string);
      s->text = tree.keep(text);
      list->append(s);
      expected += (i > 0 ? "," : "") + byte_wise(text);
    }
    CHECK(json_of(*root) == expected + "]}");
  }
}

TEST_CASE("copying a value and finding bytes JSON must escape agree with the byte-wise rule",
          "[mapping]") {
  using edigate::edi::mapping::Tree;
  const auto special = [](unsigned char c) {
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  };
  // Every byte value at every position of values of 1 to 24 bytes (each copy path: below 4,
  // 4-7, 8-16 and the longer loop), in a field of plain letters.
  for (std::size_t n = 1; n <= 24; ++n) {
    for (std::size_t at = 0; at < n; ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string value(n, 'A');
        value[at] = static_cast<char>(b);
        char out[64] = {};
        const bool found = Tree::copy_needs_escape(out, value);
        if (found != special(static_cast<unsigned char>(b)) || std::string(out, n) != value) {
          FAIL("n " << n << " at " << at << " byte " << b);
        }
      }
    }
  }
  CHECK(!Tree::copy_needs_escape(nullptr, {}));
}

// Found by fuzzing: E0 96 91 (an overlong form) was passed through as UTF-8, and a JSON reader
// refused the document. Only RFC 3629 sequences pass; any other byte of 0x80 and above is
// taken as Latin-1 and escaped.
TEST_CASE("only valid UTF-8 passes through, other high bytes are Latin-1", "[mapping]") {
  const auto latin1 = [](std::string_view bytes) {
    std::string out;
    for (const char ch : bytes) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x80) {
        out.push_back(ch);
      } else {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return out;
  };
  const std::vector<std::string> valid = {"\xc2\x80",         "\xdf\xbf",        "\xe0\xa0\x80",
                                          "\xed\x9f\xbf",     "\xee\x80\x80",    "\xf0\x90\x80\x80",
                                          "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"};
  const std::vector<std::string> invalid = {
      "\xc0\xaf",         "\xc1\xbf",         "\xe0\x96\x91",     "\xe0\x9f\xbf",
      "\xed\xa0\x80",     "\xed\xbf\xbf",     "\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
      "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xe2\x82",         "\x80\x80"};
  const std::string_view key = intern_key("value");
  Tree tree;
  for (const bool good : {true, false}) {
    for (const std::string& bytes : good ? valid : invalid) {
      for (const std::string& text : {bytes, "ab" + bytes + "cd", std::string(20, 'x') + bytes}) {
        INFO("bytes " << nlohmann::json(latin1(text)).dump());
        tree.clear();
        TreeNode* root = tree.make(Kind::object);
        tree.member(root, key, Kind::string)->text = tree.keep(text);
        const std::string written = json_of(*root);
        CHECK(written == "{\"value\":" + byte_wise(text) + "}");  // both writers agree
        const auto parsed = nlohmann::json::parse(written, nullptr, false);
        REQUIRE_FALSE(parsed.is_discarded());
        CHECK(parsed["value"] == (good ? text : latin1(text)));
      }
    }
  }
}
