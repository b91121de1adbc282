// Directory listings and file attributes as the SFTP client sees them.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "handle_table.hpp"
#include "sftp_wire.hpp"

namespace edigate::sftp {

// The jail root: just inbox/ and outbox/.
std::vector<DirEntry> root_listing();
// The files of an area directory (temporary upload names hidden), at most `max_entries`.
std::vector<DirEntry> area_listing(int area_fd, std::size_t max_entries);

DirEntry entry_from_stat(const std::string& name, const struct stat& st);
// Size, permissions and times, as SFTP attributes.
wire::Attributes attributes_of(const DirEntry& entry);
// "-rw-r--r-- 1 owner owner size date name", what `ls -l` prints.
std::string long_name(const DirEntry& entry, const std::string& owner);

}  // namespace edigate::sftp
