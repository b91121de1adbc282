// One line per event on stderr (journald adds the timestamp under systemd).
#pragma once

#include <string>

namespace edigate::sftp {

void log_event(const std::string& line);

// Where the lines go instead of stderr (nullptr: back to stderr). For the fuzz target, which
// would otherwise write a line per request it tries.
using LogWriter = void (*)(const std::string& line);
void set_log_writer(LogWriter writer);

}  // namespace edigate::sftp
