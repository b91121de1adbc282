// Loading keys and certificates for the as2 commands: PEM, DER or PKCS#12.
#pragma once

#include <CLI/CLI.hpp>
#include <edigate/as2/credentials.hpp>
#include <string>

namespace edigate::cli {

struct KeyOptions {
  std::string cert, key, p12, password, password_file;
  void add_to(CLI::App* command, const std::string& whose);
};

// The identity from --p12 or --cert + --key; an error says which file is wrong.
as2::Result<as2::Identity> load_identity(const KeyOptions& options);
as2::Result<as2::Certificate> load_certificate_file(const std::string& path);

}  // namespace edigate::cli
