// One line per event on stderr (journald adds the timestamp under systemd).
#pragma once

#include <string>

namespace edigate::sftp {

void log_event(const std::string& line);

}  // namespace edigate::sftp
