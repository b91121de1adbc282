// A SQLite VFS that writes each transaction's WAL frames with one system call instead of two a
// frame (docs/store.md, "WAL writes").
//
// SQLite writes a WAL frame as two xWrite calls, its 24-byte header and then its page, each a
// pwrite(2): a message's ~45 frames cost ~90 system calls, ~5% of the daemon's CPU on a VM where
// a system call is dear. This VFS wraps the default one; files it opens other than WALs are the
// default VFS's own. A WAL's writes that follow one another in the file are gathered in memory
// and written in one pwrite when the transaction's commit frame is complete (its header names
// the database size, which only a commit frame's does), before anything else touches the file
// (a read, a sync, a truncate, a size, a file control), before a write elsewhere in it,
// or when the gathered bytes pass a bound. So each write reaches the file before SQLite
// publishes the transaction in the WAL index (which it does after writing the commit frame),
// before it syncs, and in the order SQLite made it; what a crash loses is what a crash before
// the write would have lost, frames of a transaction that never committed.
//
// A connection opened with it must run with `PRAGMA cache_spill=OFF` (open_sqlite_store sets
// it): a transaction larger than the page cache would otherwise write frames before its commit,
// and if it then rolled back, what was gathered for it would stay in memory after the WAL write
// lock was released, to be written out over the frames of the next writer (another process's)
// at this connection's next WAL access.
#pragma once

struct sqlite3_vfs;

namespace edigate::gateway::store {

// The VFS's name, registered (not as the default) on the first call; null when it could not be
// (no default VFS, out of memory): the caller then opens with SQLite's default.
const char* wal_write_batch_vfs();

// The same over another VFS, registered as `name` (a string that outlives the process's use of
// it) on the first call with that name: tests put one under it that fails writes on demand.
const char* wal_write_batch_vfs_over(sqlite3_vfs* base, const char* name);

}  // namespace edigate::gateway::store
