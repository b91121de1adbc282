// The document the inbound mapper builds for one set: objects, arrays and strings in insertion
// order, in an arena that is reused from set to set (no allocation once it has warmed up),
// then written as one line of JSON. Keys point into the compiled Map, which outlives it.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace edigate::edi::mapping {

struct TreeNode {
  enum class Kind : unsigned char { string, object, array, literal };  // literal: true, 12
  struct Member {
    std::string_view key;
    TreeNode* value;
  };

  Kind kind = Kind::object;
  std::string text;              // string, literal
  std::vector<Member> members;   // object
  std::vector<TreeNode*> items;  // array

  TreeNode* find(std::string_view key) const {
    for (const Member& m : members) {
      if (m.key == key) return m.value;
    }
    return nullptr;
  }
};

class Tree {
 public:
  TreeNode* make(TreeNode::Kind kind) {
    if (used_ == nodes_.size()) nodes_.emplace_back();
    TreeNode* n = &nodes_[used_++];
    n->kind = kind;
    n->text.clear();
    n->members.clear();
    n->items.clear();
    return n;
  }
  void clear() { used_ = 0; }

  // The member `key` of `object`, made with `kind` when absent.
  TreeNode* member(TreeNode* object, std::string_view key, TreeNode::Kind kind) {
    if (TreeNode* found = object->find(key)) return found;
    TreeNode* n = make(kind);
    object->members.push_back({key, n});
    return n;
  }
  TreeNode* clone(const TreeNode* from) {
    TreeNode* n = make(from->kind);
    n->text = from->text;
    for (const TreeNode::Member& m : from->members) n->members.push_back({m.key, clone(m.value)});
    for (const TreeNode* i : from->items) n->items.push_back(clone(i));
    return n;
  }

 private:
  std::deque<TreeNode> nodes_;
  std::size_t used_ = 0;
};

// Appends `node` as compact JSON. Empty objects, arrays and strings are left out (a canonical
// document never holds them).
void write_json(const TreeNode& node, std::string& out);
void write_json_string(std::string_view text, std::string& out);
bool is_empty(const TreeNode& node);

}  // namespace edigate::edi::mapping
