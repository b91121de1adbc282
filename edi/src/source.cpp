#include "edigate/edi/source.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edigate::edi {

long FdSource::read(char* buffer, std::size_t capacity) {
  while (true) {
    const ssize_t n = ::read(fd_, buffer, capacity);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    error_ = std::strerror(errno);
    return -1;
  }
}

}  // namespace edigate::edi
