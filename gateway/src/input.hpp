// Opening the command line's input: a file path, or "-" for standard input.
#pragma once

#include <memory>
#include <string>

#include "edigate/edi/source.hpp"

namespace edigate::cli {

class InputFile {
 public:
  // Opens `path` ("-" = stdin). On failure ok() is false and error() says why.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  edi::Source& source() { return *source_; }
  // Reads everything (for commands that need the whole input, such as ack).
  bool read_all(std::string& out);

 private:
  int fd_ = -1;
  bool owned_ = false;
  std::string error_;
  std::unique_ptr<edi::FdSource> source_;
};

}  // namespace edigate::cli
