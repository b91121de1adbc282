// Directory listings and file attributes as the SFTP client sees them.
#pragma once

#define WITH_SERVER
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "handle_table.hpp"

namespace edigate::sftp {

// The jail root: just inbox/ and outbox/.
std::vector<DirEntry> root_listing();
// The files of an area directory (temporary upload names hidden), at most `max_entries`.
std::vector<DirEntry> area_listing(int area_fd, std::size_t max_entries);

DirEntry entry_from_stat(const std::string& name, const struct stat& st);
// Fills `attr` (owned by the caller) from an entry.
void fill_attributes(const DirEntry& entry, sftp_attributes_struct& attr);
// "-rw-r--r-- 1 owner owner size date name", what `ls -l` prints.
std::string long_name(const DirEntry& entry, const std::string& owner);

}  // namespace edigate::sftp
