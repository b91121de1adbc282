#include "mapping_tree.hpp"

namespace edigate::edi::mapping {

bool is_empty(const TreeNode& node) {
  switch (node.kind) {
    case TreeNode::Kind::string:
    case TreeNode::Kind::literal:
      return node.text.empty();
    case TreeNode::Kind::object:
      for (const TreeNode::Member& m : node.members) {
        if (!is_empty(*m.value)) return false;
      }
      return true;
    case TreeNode::Kind::array:
      for (const TreeNode* i : node.items) {
        if (!is_empty(*i)) return false;
      }
      return true;
  }
  return true;
}

void write_json_string(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      // 8-bit text passes through EDI as bytes; JSON must be UTF-8. Bytes that are not part
      // of a valid UTF-8 sequence are taken as Latin-1 and written as \u00XX.
      std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
      bool valid = len > 0 && i + len <= text.size();
      for (std::size_t k = 1; valid && k < len; ++k) {
        valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
      }
      if (valid) {
        out.append(text.data() + i, len);
        i += len - 1;
        plain = i + 1;
      } else {
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out += '"';
}

void write_json(const TreeNode& node, std::string& out) {
  switch (node.kind) {
    case TreeNode::Kind::string:
      write_json_string(node.text, out);
      return;
    case TreeNode::Kind::literal:
      out += node.text;
      return;
    case TreeNode::Kind::object: {
      out += '{';
      bool first = true;
      for (const TreeNode::Member& m : node.members) {
        if (is_empty(*m.value)) continue;
        if (!first) out += ',';
        first = false;
        write_json_string(m.key, out);
        out += ':';
        write_json(*m.value, out);
      }
      out += '}';
      return;
    }
    case TreeNode::Kind::array: {
      out += '[';
      bool first = true;
      for (const TreeNode* i : node.items) {
        if (is_empty(*i)) continue;
        if (!first) out += ',';
        first = false;
        write_json(*i, out);
      }
      out += ']';
      return;
    }
  }
}

}  // namespace edigate::edi::mapping
