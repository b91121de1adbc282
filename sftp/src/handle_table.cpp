#include "handle_table.hpp"

#include <cstring>

namespace edigate::sftp {
namespace {

constexpr std::size_t kWireHandleBytes = 8;

void put_u32(unsigned char* p, std::uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

std::uint32_t get_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

ssh_string HandleTable::add(OpenHandle handle) {
  std::size_t index = 0;
  while (index < slots_.size() && slots_[index].handle) ++index;
  if (index == slots_.size()) slots_.emplace_back();
  Slot& slot = slots_[index];
  slot.handle = std::move(handle);
  ++slot.generation;
  ++count_;
  unsigned char wire[kWireHandleBytes];
  put_u32(wire, static_cast<std::uint32_t>(index));
  put_u32(wire + 4, slot.generation);
  ssh_string s = ssh_string_new(kWireHandleBytes);
  if (s != nullptr) ssh_string_fill(s, wire, kWireHandleBytes);
  return s;
}

std::optional<std::size_t> HandleTable::slot_of(ssh_string wire) const {
  if (wire == nullptr || ssh_string_len(wire) != kWireHandleBytes) return std::nullopt;
  const auto* p = static_cast<const unsigned char*>(ssh_string_data(wire));
  const std::size_t index = get_u32(p);
  if (index >= slots_.size() || !slots_[index].handle) return std::nullopt;
  if (slots_[index].generation != get_u32(p + 4)) return std::nullopt;
  return index;
}

OpenHandle* HandleTable::find(ssh_string wire) {
  const auto index = slot_of(wire);
  return index ? &*slots_[*index].handle : nullptr;
}

std::optional<OpenHandle> HandleTable::take(ssh_string wire) {
  const auto index = slot_of(wire);
  if (!index) return std::nullopt;
  std::optional<OpenHandle> out = std::move(slots_[*index].handle);
  slots_[*index].handle.reset();
  --count_;
  return out;
}

std::vector<OpenHandle> HandleTable::take_all() {
  std::vector<OpenHandle> all;
  for (Slot& slot : slots_) {
    if (slot.handle) all.push_back(std::move(*slot.handle));
    slot.handle.reset();
  }
  count_ = 0;
  return all;
}

}  // namespace edigate::sftp
