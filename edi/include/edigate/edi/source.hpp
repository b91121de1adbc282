// Byte sources for the streaming reader. A source is read front to back, once.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace edigate::edi {

class Source {
 public:
  virtual ~Source() = default;
  // Reads up to `capacity` bytes. Returns the number read, 0 at the end of input, or -1 on an
  // error (then error() says what went wrong).
  virtual long read(char* buffer, std::size_t capacity) = 0;
  virtual std::string error() const { return {}; }
};

// Reads a file descriptor (a file, a pipe, stdin). Does not close it.
class FdSource final : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  long read(char* buffer, std::size_t capacity) override;
  std::string error() const override { return error_; }

 private:
  int fd_;
  std::string error_;
};

}  // namespace edigate::edi
