#include "log/file_cache.h"
#include "common/mutex.h"

#include <vector>

namespace pinpipe::log {

Result<std::shared_ptr<File>> ReadFileCache::Get(const std::string& path) {
  uint64_t forgets;
  {
    MutexLock lock(mu_);
    forgets = forgets_;
    if (auto it = by_path_.find(path); it != by_path_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Open outside the lock: other segments' reads go on meanwhile.
  PINPIPE_ASSIGN_OR_RETURN(std::unique_ptr<File> opened, fs_->Open(path, kOpenRead));
  std::shared_ptr<File> file(std::move(opened));
  std::shared_ptr<File> evicted;  // closed after the lock is released
  MutexLock lock(mu_);
  if (auto it = by_path_.find(path); it != by_path_.end()) return it->second->second;
  ++opens_;
  if (forgets != forgets_) return file;  // may be a deleted topic's file: never cached
  lru_.emplace_front(path, file);
  by_path_[path] = lru_.begin();
  if (lru_.size() > capacity_) {
    evicted = std::move(lru_.back().second);
    by_path_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return file;
}

void ReadFileCache::Forget(const std::string& path) {
  std::shared_ptr<File> dropped;
  MutexLock lock(mu_);
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    dropped = std::move(it->second->second);
    lru_.erase(it->second);
    by_path_.erase(it);
  }
}

void ReadFileCache::ForgetUnder(const std::string& dir) {
  std::vector<std::shared_ptr<File>> dropped;  // closed after the lock is released
  const std::string prefix = dir + "/";
  MutexLock lock(mu_);
  ++forgets_;
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->first.starts_with(prefix)) {
      dropped.push_back(std::move(it->second));
      by_path_.erase(it->first);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

size_t ReadFileCache::size() const {
  MutexLock lock(mu_);
  return lru_.size();
}

uint64_t ReadFileCache::opens() const {
  MutexLock lock(mu_);
  return opens_;
}

}  // namespace pinpipe::log
