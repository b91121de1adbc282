#include "input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edigate::cli {

InputFile::InputFile(const std::string& path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    owned_ = fd_ >= 0;
    if (fd_ < 0) error_ = path + ": " + std::strerror(errno);
  }
  if (fd_ >= 0) source_ = std::make_unique<edi::FdSource>(fd_);
}

InputFile::~InputFile() {
  if (owned_) ::close(fd_);
}

bool InputFile::read_all(std::string& out) {
  char chunk[1 << 16];
  while (true) {
    const long n = source_->read(chunk, sizeof chunk);
    if (n < 0) {
      error_ = source_->error();
      return false;
    }
    if (n == 0) return true;
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace edigate::cli
