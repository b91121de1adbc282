// One line per event on stderr (journald adds the timestamp under systemd).
#pragma once

#include <string>

namespace edigate::sftp {

void log_event(const std::string& line);

// Where the lines go instead of stderr (nullptr: back to stderr). For the fuzz target, which
// would otherwise write a line per request it tries. The writer is called from every session's
// thread, without a lock: it must be safe for that, and must not throw.
using LogWriter = void (*)(const std::string& line);
void set_log_writer(LogWriter writer);

}  // namespace edigate::sftp
