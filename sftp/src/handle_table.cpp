#include "handle_table.hpp"

#include <cstring>

#include "sftp_wire.hpp"

namespace edigate::sftp {
namespace {

constexpr std::size_t kWireHandleBytes = 8;

}  // namespace

using wire::get_u32;
using wire::put_u32;

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
