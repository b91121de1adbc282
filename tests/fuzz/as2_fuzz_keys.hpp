// A key and self-signed certificate made once per fuzz process (nothing secret is committed).
#pragma once

#include <cstddef>
#include <edigate/as2/credentials.hpp>

namespace edigate::fuzz {

inline volatile std::size_t g_as2_sink = 0;

inline const as2::Identity& fuzz_identity() {
  // 1024 bits: fuzzing speed, not security.
  static const as2::Identity id = *as2::make_self_signed_identity("fuzz", 1024, 1);
  return id;
}

}  // namespace edigate::fuzz
