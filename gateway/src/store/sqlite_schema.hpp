// Versioned schema for the SQLite backend. Migration N runs in its own transaction together
// with recording N in schema_version, so a crash leaves the database at N-1 or N, never between.
#pragma once

#include <sqlite3.h>

#include "store/result.hpp"

namespace edigate::gateway::store::sqlite {

// The newest schema this code knows.
int latest_schema_version();

// Applies missing migrations; refuses a database whose version is newer than the code.
Status migrate(sqlite3* db);

// Changes nothing: ok only for an edigate store at exactly latest_schema_version().
Status check_version(sqlite3* db);

}  // namespace edigate::gateway::store::sqlite
