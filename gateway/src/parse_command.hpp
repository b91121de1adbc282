// `edigate edi parse`: the generic tree of an EDI input.
#pragma once

#include <string>
#include <string_view>

#include "edigate/edi/source.hpp"

namespace edigate::cli {

// Prints the tree (text, or one JSON object per interchange with --json; problems on stderr in
// text mode, as {"problem": ...} lines in JSON mode). Returns 0, or 1 when errors were found.
int run_parse(edi::Source& source, bool as_json);

}  // namespace edigate::cli
