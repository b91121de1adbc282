// The server's host keys: created on first start (0600), checked on every start.
#pragma once

#include <string>
#include <vector>

#include "edigate/sftp/result.hpp"

namespace edigate::sftp {

// Returns the paths of the Ed25519 and RSA host key files in `dir`, generating missing ones.
Result<std::vector<std::string>> ensure_host_keys(const std::string& dir);

}  // namespace edigate::sftp
