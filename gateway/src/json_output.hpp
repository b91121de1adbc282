// JSON for the command line's machine-readable output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "edigate/edi/problem.hpp"

namespace edigate::cli {

// Serializes without throwing on invalid UTF-8 (EDI text may be 8-bit): such bytes are replaced.
std::string dump(const nlohmann::json& j);

// A problem with its code, message and full location.
nlohmann::json problem_json(const edi::Problem& p);

}  // namespace edigate::cli
