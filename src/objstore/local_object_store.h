// LocalObjectStore: objects as files under a root directory.
//  - Put: temporary file in <root>/.staging.tmp/ (".<name>.<unique>.tmp"), write, fsync,
//    rename over the key, fsync the directory. With defer_sync the fsyncs move to Sync():
//    with the default POSIX FileSystem one syncfs(2) flushes the whole round of objects (the
//    batched equivalent of fsync per file + per directory); with any other FileSystem (tests'
//    FaultInjectionFileSystem) each file is fsynced through the seam and Sync() fsyncs each
//    touched directory once.
//  - PutIfAbsent: a synced temporary file, then link(2) to the key (EEXIST → kAlreadyExists),
//    falling back to renameat2(RENAME_NOREPLACE) where hard links are unsupported. Never a
//    plain rename, which silently replaces. (The FileSystem seam has no link, so this one step
//    is a direct system call; see README.)
//  - Keys go through ValidateObjectKey: no "..", no absolute keys, no NUL.
//  - List hides the store's own temporary files, and lists only regular files: symlinks are
//    not followed (they could lead out of the lake), FIFOs, sockets and devices are no objects;
//    both are reported in ListPage::skipped.
//  - Get/GetInto/Head open only a regular file reached without any symlink (openat2
//    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, O_NOFOLLOW | O_NONBLOCK, fstat S_ISREG): a FIFO
//    named like an object cannot block a reader, a symlink cannot pull in a file from outside.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/file_system.h"
#include "common/mutex.h"
#include "objstore/object_store.h"

namespace pinpipe::objstore {

struct LocalStoreOptions {
  FileSystem* fs = nullptr;  // null = FileSystem::Default()
  // Use syncfs(2) for Sync() when fs is the default POSIX FileSystem.
  bool use_syncfs = true;
};

class LocalObjectStore final : public ObjectStore {
 public:
  // The root is created on first write.
  explicit LocalObjectStore(std::string root, LocalStoreOptions opts = {});

  std::string Describe() const override;
  const std::string& root() const { return root_; }
  // The filesystem path of `key` (validated).
  Result<std::string> PathOf(std::string_view key) const;

  Status Put(std::string_view key, std::string_view data, PutOptions opts = {}) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Status GetInto(std::string_view key, std::string& out, size_t spare = 0) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(std::string_view prefix, std::string_view token,
                        int max_keys = 1000) override;
  Status Delete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Status Sync() override;

 private:
  class Writer;
  Status EnsureDir(const std::string& dir);
  std::string TempPath(const std::string& dir, std::string_view base);
  // Writes a temp file in `dir` holding `data`; fsyncs it when `sync`.
  Result<std::string> WriteTemp(const std::string& dir, std::string_view base,
                                std::string_view data, bool sync);
  void Walk(const std::string& dir, const std::string& rel, std::string_view prefix,
            std::map<std::string, ObjectInfo>& keys, std::vector<std::string>& skipped);

  std::string root_;
  FileSystem* fs_;
  bool syncfs_;
  Mutex mu_;
  std::unordered_set<std::string> known_dirs_ GUARDED_BY(mu_);    // created already
  std::unordered_set<std::string> pending_dirs_ GUARDED_BY(mu_);  // need an fsync at Sync()
  bool pending_ GUARDED_BY(mu_) = false;
};

// The directory under the root that holds temporary files (hidden from List).
inline constexpr std::string_view kStagingDir = ".staging.tmp";
// True for the names LocalObjectStore uses for its temporary files.
bool IsLocalTempName(std::string_view base);

}  // namespace pinpipe::objstore
