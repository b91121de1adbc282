// `edigate edi validate`: envelope and schema validation with every problem's location.
#pragma once

#include <string>

#include "edigate/edi/source.hpp"

namespace edigate::cli {

// Prints problems as "FILE:LINE: error: ..." lines and a summary (or one JSON document with
// --json). Returns 0 when there are no errors (warnings allowed), 1 otherwise.
int run_validate(edi::Source& source, const std::string& name, bool as_json);

}  // namespace edigate::cli
