// ReadFileCache: read descriptors of sealed segments, opened on demand and kept in an LRU of
// bounded size, so that idle sealed segments hold no file descriptor (a log of many
// partitions and segments would otherwise run into RLIMIT_NOFILE). Callers hold a
// shared_ptr while they read; eviction only drops the cache's reference, so a descriptor is
// closed once its last reader is done. Internal to src/log; thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/file_system.h"
#include "common/mutex.h"

namespace pinpipe::log {

class ReadFileCache {
 public:
  ReadFileCache(FileSystem* fs, size_t capacity) : fs_(fs), capacity_(capacity) {}

  // The open file at `path` (opened read-only on a miss, evicting the least recently used).
  Result<std::shared_ptr<File>> Get(const std::string& path);
  // Drops `path` (the segment was deleted).
  void Forget(const std::string& path);
  // Drops every path under `dir` (its topic was deleted and the directory renamed away; a
  // recreated topic reuses the paths). An open racing this one is returned but not cached.
  void ForgetUnder(const std::string& dir);
  size_t size() const;
  size_t capacity() const { return capacity_; }
  uint64_t opens() const;  // misses since creation

 private:
  FileSystem* fs_;
  const size_t capacity_;
  mutable Mutex mu_;
  using Lru = std::list<std::pair<std::string, std::shared_ptr<File>>>;
  Lru lru_ GUARDED_BY(mu_);  // front = most recent
  std::unordered_map<std::string, Lru::iterator> by_path_ GUARDED_BY(mu_);
  uint64_t opens_ GUARDED_BY(mu_) = 0;
  uint64_t forgets_ GUARDED_BY(mu_) = 0;  // ForgetUnder calls: an open that started before one is not cached
};

}  // namespace pinpipe::log
