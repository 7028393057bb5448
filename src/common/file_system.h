// FileSystem: the one I/O seam of all durable code (LevelDB's Env, narrowed to files).
// Production uses PosixFileSystem (FileSystem::Default()); tests wrap it in
// FaultInjectionFileSystem to fail the Nth write or sync, cut writes short, or simulate a crash
// that drops everything not yet synced.
//
// Thread safety: FileSystem methods may be called from any thread. A File may be used by
// several threads at once for PRead; Append/Write/Truncate on one File need external ordering
// (the log serialises them under the partition lock), and Sync/DataSync may run concurrently
// with them (that is how group commit overlaps fsync with new appends).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace pinpipe {

enum OpenFlags : unsigned {
  kOpenRead = 1u << 0,
  kOpenWrite = 1u << 1,   // read-write
  kOpenCreate = 1u << 2,  // create if missing
  kOpenTruncate = 1u << 3,
  kOpenExclusive = 1u << 4,  // fail with kAlreadyExists if it exists
  // O_DIRECT: reads and writes bypass the page cache; buffers, offsets and lengths must be
  // multiples of kDirectIoAlignment. Fails with kInvalidArgument where the file system has
  // no direct I/O (tmpfs), so callers can fall back to buffered I/O.
  kOpenDirect = 1u << 5,
};

// Alignment that satisfies O_DIRECT on devices with 512-byte and 4 KiB logical blocks.
inline constexpr size_t kDirectIoAlignment = 4096;

class File {
 public:
  virtual ~File() = default;
  // Reads up to n bytes at `offset`; returns the number read (short only at end of file).
  virtual Result<size_t> PRead(uint64_t offset, void* buf, size_t n) const = 0;
  // Writes all of `data` at `offset` (loops over short writes; an error if it cannot).
  virtual Status PWrite(uint64_t offset, std::string_view data) = 0;
  // Writes the parts back to back at `offset` with as few system calls as possible (pwritev).
  virtual Status PWriteV(uint64_t offset, std::span<const std::string_view> parts) = 0;
  virtual Status Sync() = 0;      // fsync
  virtual Status DataSync() = 0;  // fdatasync
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

// Held while a process owns a directory (flock); released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide POSIX implementation (never null, never destroyed).
  static FileSystem* Default();

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, unsigned flags) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Unlink(const std::string& path) = 0;
  // Creates the directory and its missing parents; ok if it already exists.
  virtual Status MkdirAll(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status Rmdir(const std::string& path) = 0;
  // Names in `dir` (no "." / ".."), unsorted.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  // fsync of a directory, so that creates, renames and unlinks in it are durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Exclusive advisory lock on `path` (created if missing); kUnavailable if another holder.
  virtual Result<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;

  // Convenience: whole-file read, and an atomic replace (write tmp, fsync, rename, fsync dir).
  Result<std::string> ReadFileToString(const std::string& path);
  // Reads the whole file into `out`, reusing its capacity (and leaving room for `spare` more
  // bytes): readers of many files keep one buffer instead of page-faulting a new one per file.
  Status ReadFileInto(const std::string& path, std::string& out, size_t spare = 0);
  Status WriteFileAtomically(const std::string& path, std::string_view data);
};

// Wraps another FileSystem and injects faults. Counters count calls made through this
// wrapper, starting at 1; a value of 0 disables the fault. Also remembers, per path, how many
// bytes were durable at the last Sync/DataSync, so SimulateCrash() can drop the rest
// (files are truncated back to their synced size; files never synced are truncated to what
// they held when first opened through the wrapper).
class FaultInjectionFileSystem : public FileSystem {
 public:
  explicit FaultInjectionFileSystem(FileSystem* base = FileSystem::Default()) : base_(base) {}

  void FailNthWrite(uint64_t n) { fail_write_at_.store(writes_.load() + n); }
  void FailNthSync(uint64_t n) { fail_sync_at_.store(syncs_.load() + n); }
  // Every sync from now on fails (until cleared).
  void FailAllSyncs(bool on) { fail_all_syncs_.store(on); }
  // The Nth write writes only `bytes` bytes of its data and then fails.
  void ShortWriteNth(uint64_t n, size_t bytes) {
    short_write_bytes_.store(bytes);
    short_write_at_.store(writes_.load() + n);
  }
  uint64_t write_count() const { return writes_.load(); }
  uint64_t sync_count() const { return syncs_.load(); }

  // Truncates every file written through this wrapper to its last synced length.
  // Call with no File objects of the wrapper in use (e.g. after closing the log).
  Status SimulateCrash();

  Result<std::unique_ptr<File>> Open(const std::string& path, unsigned flags) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Unlink(const std::string& path) override;
  Status MkdirAll(const std::string& path) override { return base_->MkdirAll(path); }
  Status Rmdir(const std::string& path) override { return base_->Rmdir(path); }
  Result<std::vector<std::string>> List(const std::string& dir) override {
    return base_->List(dir);
  }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Status SyncDir(const std::string& dir) override;
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    return base_->Lock(path);
  }

 private:
  class FaultFile;
  friend class FaultFile;
  // Decides the fate of the next write: 0 = ok, 1 = fail, 2 = short write.
  int NextWriteFault();
  bool NextSyncFails();
  void NoteSynced(const std::string& path, uint64_t size);
  void NoteOpened(const std::string& path, uint64_t size);

  FileSystem* base_;
  std::atomic<uint64_t> writes_{0}, syncs_{0};
  std::atomic<uint64_t> fail_write_at_{0}, fail_sync_at_{0}, short_write_at_{0};
  std::atomic<size_t> short_write_bytes_{0};
  std::atomic<bool> fail_all_syncs_{false};
  Mutex mu_;
  std::unordered_map<std::string, uint64_t> synced_size_ GUARDED_BY(mu_);
};

// Joins path components with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace pinpipe
