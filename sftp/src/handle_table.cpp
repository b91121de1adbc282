#include "handle_table.hpp"

#include <cstring>

namespace edigate::sftp {
namespace {

constexpr std::size_t kWireHandleBytes = 8;

void put_u32(char* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(v >> (24 - 8 * i));
}

std::uint32_t get_u32(const char* s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

}  // namespace

std::string HandleTable::add(OpenHandle handle) {
  std::size_t index = 0;
  while (index < slots_.size() && slots_[index].handle) ++index;
  if (index == slots_.size()) slots_.emplace_back();
  Slot& slot = slots_[index];
  slot.handle = std::move(handle);
  ++slot.generation;
  ++count_;
  std::string wire(kWireHandleBytes, '\0');
  put_u32(wire.data(), static_cast<std::uint32_t>(index));
  put_u32(wire.data() + 4, slot.generation);
  return wire;
}

std::optional<std::size_t> HandleTable::slot_of(std::string_view wire) const {
  if (wire.size() != kWireHandleBytes) return std::nullopt;
  const char* p = wire.data();
  const std::size_t index = get_u32(p);
  if (index >= slots_.size() || !slots_[index].handle) return std::nullopt;
  if (slots_[index].generation != get_u32(p + 4)) return std::nullopt;
  return index;
}

OpenHandle* HandleTable::find(std::string_view wire) {
  const auto index = slot_of(wire);
  return index ? &*slots_[*index].handle : nullptr;
}

std::optional<OpenHandle> HandleTable::take(std::string_view wire) {
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
