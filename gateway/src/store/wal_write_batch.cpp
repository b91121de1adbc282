#include "store/wal_write_batch.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>

namespace edigate::gateway::store {
namespace {

constexpr int kFrameHeader = 24;                   // a WAL frame's header (SQLite's wal.c)
constexpr sqlite3_int64 kBound = 4 * 1024 * 1024;  // gathered bytes written out past this
constexpr sqlite3_int64 kKeep = 1024 * 1024;  // a buffer larger than this is freed when emptied
// The most one write to the default VFS takes: the unix VFS cuts a write to 17 bits of length
// (and reports the rest as a full disk), so the gathered bytes go in pieces under that.
constexpr sqlite3_int64 kChunk = 0x1ffff & ~0xfff;

// A WAL file: the default VFS's file (`real`, in the same allocation, after this) and the
// writes gathered for it.
struct WalFile {
  sqlite3_file base;  // first: SQLite sees this
  sqlite3_file* real;
  unsigned char* buffer;   // sqlite3_malloc'd
  sqlite3_int64 capacity;  // of buffer
  sqlite3_int64 length;    // bytes gathered, for the file from `start` on
  sqlite3_int64 start;
  // Where this handle has written up to in the current WAL generation (which starts with a
  // write at offset 0, the WAL header). A write below it goes over something written already
  // (SQLite rewriting a frame or its checksums in place) and is not gathered: only appends are,
  // which the commit frame's page ends.
  sqlite3_int64 high;
  sqlite3_int64 commit_page;  // offset of the commit frame's page, once its header is written;
                              // -1: none
  // False: every write goes straight to the file. A file without powersafe overwrite makes
  // SQLite pad a commit under synchronous=FULL by writing its last frame again up to a sector
  // boundary, split around a sync, and the piece after the sync would stay gathered.
  bool gather;
};

constexpr std::size_t kWalFileSize = (sizeof(WalFile) + 7) & ~std::size_t{7};

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }

int write_out(WalFile* w) {
  int rc = SQLITE_OK;
  for (sqlite3_int64 done = 0; done < w->length && rc == SQLITE_OK; done += kChunk) {
    const sqlite3_int64 amount = std::min(kChunk, w->length - done);
    rc = w->real->pMethods->xWrite(w->real, w->buffer + done, static_cast<int>(amount),
                                   w->start + done);
  }
  w->length = 0;
  // A large transaction's buffer is not kept for the life of the connection.
  if (w->capacity > kKeep) {
    sqlite3_free(w->buffer);
    w->buffer = nullptr;
    w->capacity = 0;
  }
  return rc;
}

bool reserve(WalFile* w, sqlite3_int64 need) {
  if (need <= w->capacity) return true;
  sqlite3_int64 capacity = w->capacity == 0 ? 256 * 1024 : w->capacity;
  while (capacity < need) capacity *= 2;
  auto* grown = static_cast<unsigned char*>(sqlite3_realloc64(w->buffer, capacity));
  if (grown == nullptr) return false;
  w->buffer = grown;
  w->capacity = capacity;
  return true;
}

// What is still gathered at close belongs to no commit (a commit writes out what it gathered):
// it is dropped, not written, as the WAL write lock may be another connection's by now.
int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  const int closed = w->real->pMethods != nullptr ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
  sqlite3_free(w->buffer);
  w->buffer = nullptr;
  w->capacity = 0;
  w->length = 0;
  return closed;
}

int wal_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xRead(w->real, out, amount, offset);
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (offset == 0) w->high = 0;  // a new generation: the WAL header first
  const sqlite3_int64 end = offset + amount;
  const bool append = offset >= w->high;
  const auto* bytes = static_cast<const unsigned char*>(data);
  // Only a commit frame's header names the database size: its page comes next, and ends the
  // transaction. Decided before anything is written out, which must not lose track of it.
  // Appended or not: after a failed write `high` can stand mid-frame, and a later commit frame
  // written there is below it. (A mark left by a header that no page follows only makes a later
  // write-out early, which is always safe.)
  const bool commit_header =
      amount == kFrameHeader && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
  const bool ends_commit = w->commit_page >= 0 && offset <= w->commit_page && end > w->commit_page;
  int rc = SQLITE_OK;
  if (w->length > 0 && (!append || offset != w->start + w->length)) rc = write_out(w);
  if (rc != SQLITE_OK) return rc;
  if (w->gather && append && amount <= kChunk && reserve(w, w->length + amount)) {
    if (w->length == 0) w->start = offset;
    std::memcpy(w->buffer + w->length, data, static_cast<std::size_t>(amount));
    w->length += amount;
  } else {
    rc = write_out(w);  // what is gathered goes first (a failed reserve leaves some)
    if (rc == SQLITE_OK) rc = w->real->pMethods->xWrite(w->real, data, amount, offset);
  }
  if (end > w->high) w->high = end;
  if (commit_header) {
    w->commit_page = end;
  } else if (ends_commit) {
    w->commit_page = -1;
    if (rc == SQLITE_OK) rc = write_out(w);
  }
  if (rc == SQLITE_OK && w->length >= kBound) rc = write_out(w);
  return rc;
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = wal(f);
  if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
  if (w->high > size) w->high = size;
  return w->real->pMethods->xTruncate(w->real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
  WalFile* w = wal(f);
  if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xSync(w->real, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = wal(f);
  if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileSize(w->real, size);
}

int wal_lock(sqlite3_file* f, int level) {
  return wal(f)->real->pMethods->xLock(wal(f)->real, level);
}
int wal_unlock(sqlite3_file* f, int level) {
  return wal(f)->real->pMethods->xUnlock(wal(f)->real, level);
}
int wal_check_reserved(sqlite3_file* f, int* out) {
  return wal(f)->real->pMethods->xCheckReservedLock(wal(f)->real, out);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  WalFile* w = wal(f);
  if (const int rc = write_out(w); rc != SQLITE_OK) return rc;
  return w->real->pMethods->xFileControl(w->real, op, arg);
}

int wal_sector_size(sqlite3_file* f) { return wal(f)->real->pMethods->xSectorSize(wal(f)->real); }
int wal_device(sqlite3_file* f) {
  return wal(f)->real->pMethods->xDeviceCharacteristics(wal(f)->real);
}

// Version 1: a WAL has no shared memory or memory map of its own (those are the database
// file's), so SQLite never asks its file for them.
const sqlite3_io_methods kWalMethods = {
    1,
    wal_close,
    wal_read,
    wal_write,
    wal_truncate,
    wal_sync,
    wal_file_size,
    wal_lock,
    wal_unlock,
    wal_check_reserved,
    wal_file_control,
    wal_sector_size,
    wal_device,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

// A batching VFS and the one under it.
struct BatchVfs {
  sqlite3_vfs vfs;  // first: SQLite passes &vfs back
  sqlite3_vfs* base;
};

int batch_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* base = reinterpret_cast<BatchVfs*>(vfs)->base;
  // Anything but a WAL is the base VFS's file, in the space SQLite gave.
  if ((flags & SQLITE_OPEN_WAL) == 0) return base->xOpen(base, name, file, flags, out_flags);
  WalFile* w = wal(file);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kWalFileSize);
  w->commit_page = -1;
  const int rc = base->xOpen(base, name, w->real, flags, out_flags);
  // SQLite closes a file whose xOpen failed only when it has methods.
  w->base.pMethods = w->real->pMethods != nullptr ? &kWalMethods : nullptr;
  if (rc == SQLITE_OK) {
    w->gather = (w->real->pMethods->xDeviceCharacteristics(w->real) &
                 SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  }
  return rc;
}

// Registers a batching VFS named `name` over `base` (kept for the life of the process). The
// other methods are the base's own, called with this VFS, as SQLite's unix VFS allows (its
// pAppData, which they may read, is copied).
const char* register_over(sqlite3_vfs* base, const char* name) {
  if (base == nullptr) return nullptr;
  auto* made = new BatchVfs{*base, base};
  made->vfs.zName = name;
  made->vfs.pNext = nullptr;
  made->vfs.szOsFile = static_cast<int>(kWalFileSize) + base->szOsFile;
  made->vfs.xOpen = batch_open;
  if (sqlite3_vfs_register(&made->vfs, 0) != SQLITE_OK) {
    delete made;
    return nullptr;
  }
  return name;
}

}  // namespace

const char* wal_write_batch_vfs() {
  static const char* const name = [] {
    if (sqlite3_initialize() != SQLITE_OK) return static_cast<const char*>(nullptr);
    return register_over(sqlite3_vfs_find(nullptr), "edigate-wal-batch");
  }();
  return name;
}

const char* wal_write_batch_vfs_over(sqlite3_vfs* base, const char* name) {
  static std::mutex mu;
  const std::lock_guard<std::mutex> lock(mu);
  if (sqlite3_vfs* found = sqlite3_vfs_find(name); found != nullptr) return found->zName;
  return register_over(base, name);
}

}  // namespace edigate::gateway::store
