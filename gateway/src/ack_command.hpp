// `edigate edi ack`: build the acknowledgements of a received file.
#pragma once

#include <cstdint>
#include <string>

#include "edigate/edi/source.hpp"

namespace edigate::cli {

struct AckCommandOptions {
  std::string type = "auto";  // auto, 997, 999, TA1, CONTRL
  std::uint64_t first_control = 1;
  std::string usage;  // P or T; empty: as received
};

// Writes one acknowledgement interchange per received interchange to stdout. Returns 0 when
// everything was accepted, 1 when an ack reports errors, 2 for a bad --type.
int run_ack(edi::Source& source, const AckCommandOptions& options);

}  // namespace edigate::cli
