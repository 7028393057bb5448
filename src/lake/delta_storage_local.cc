// Local-directory TableStorage (see delta_storage.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>

#include "lake/delta_storage.h"

namespace pinpipe::lake {

namespace {

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Status MakeDirs(const std::string& dir) {
  if (dir.empty()) return OkStatus();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return OkStatus();
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    PINPIPE_RETURN_IF_ERROR(MakeDirs(dir.substr(0, slash)));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("mkdir", dir, errno);
  return OkStatus();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

void SyncDir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[64];
  std::snprintf(buf, sizeof(buf), ".%d.%llx.%llu.tmp", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(counter.fetch_add(1)));
  return buf;
}

class LocalTableStorage final : public TableStorage {
 public:
  explicit LocalTableStorage(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  const std::string& root() const override { return root_; }

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    PINPIPE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(key, data));
    std::string final_path = Path(key);
    int rc = ::link(tmp.c_str(), final_path.c_str());
    int err = errno;
    if (rc != 0 && (err == EPERM || err == ENOTSUP || err == EXDEV || err == EMLINK)) {
      // No hard links here (some FUSE and network filesystems): rename without replacing.
      rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE);
      err = errno;
    }
    ::unlink(tmp.c_str());  // after link: the extra name; after a rename: already gone
    if (rc != 0) {
      if (err == EEXIST) {
        return MakeError(ErrorCode::kAlreadyExists, final_path + " already exists");
      }
      return ErrnoError("link", final_path, err);
    }
    SyncDir(DirOf(final_path));
    return OkStatus();
  }

  Status Put(std::string_view key, std::string_view data) override {
    PINPIPE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(key, data));
    std::string final_path = Path(key);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoError("rename", final_path, err);
    }
    SyncDir(DirOf(final_path));
    return OkStatus();
  }

  Result<std::string> Get(std::string_view key) override {
    std::string path = Path(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open", path, errno);
    std::string out;
    struct stat st;
    if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return ErrnoError("read", path, err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Result<StoredObject> Head(std::string_view key) override {
    std::string path = Path(key);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    return StoredObject{std::string(key), static_cast<int64_t>(st.st_size), MtimeMs(st)};
  }

  Result<std::vector<StoredObject>> List(std::string_view prefix) override {
    size_t slash = prefix.find_last_of('/');
    std::string dir_key(slash == std::string_view::npos ? "" : prefix.substr(0, slash));
    std::string_view name_prefix =
        slash == std::string_view::npos ? prefix : prefix.substr(slash + 1);
    std::string dir = dir_key.empty() ? root_ : Path(dir_key);
    std::vector<StoredObject> out;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT) return out;
      return ErrnoError("opendir", dir, errno);
    }
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      if (name == "." || name == ".." || !name.starts_with(name_prefix)) continue;
      std::string full = dir + "/" + std::string(name);
      struct stat st;
      if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      std::string key = dir_key.empty() ? std::string(name) : dir_key + "/" + std::string(name);
      out.push_back({std::move(key), static_cast<int64_t>(st.st_size), MtimeMs(st)});
    }
    ::closedir(d);
    std::sort(out.begin(), out.end(),
              [](const StoredObject& a, const StoredObject& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(std::string_view key) override {
    const std::string path = Path(key);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("unlink", path, errno);
    return OkStatus();
  }

  std::optional<std::string> LocalPath(std::string_view key) const override { return Path(key); }

 private:
  std::string Path(std::string_view key) const { return root_ + "/" + std::string(key); }

  static std::string DirOf(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
  }

  // Writes `data` to a hidden temp file beside `key` and fsyncs it; returns its path.
  Result<std::string> WriteTemp(std::string_view key, std::string_view data) {
    std::string final_path = Path(key);
    std::string dir = DirOf(final_path);
    PINPIPE_RETURN_IF_ERROR(MakeDirs(dir));
    std::string name = final_path.substr(dir.size() + 1);
    // Leading '.': listings and readers never mistake it for a commit.
    std::string tmp = dir + "/." + name + TempSuffix();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("create", tmp, errno);
    Status st = WriteAll(fd, data, tmp);
    if (st && ::fsync(fd) != 0) st = ErrnoError("fsync", tmp, errno);
    ::close(fd);
    if (!st) {
      ::unlink(tmp.c_str());
      return std::unexpected(st.error());
    }
    return tmp;
  }

  std::string root_;
};

}  // namespace

Status TableStorage::Delete(std::string_view key) {
  return MakeError(ErrorCode::kUnsupported, root() + ": this store cannot delete " + std::string(key));
}

std::unique_ptr<TableStorage> NewLocalTableStorage(std::string root_dir) {
  return std::make_unique<LocalTableStorage>(std::move(root_dir));
}

}  // namespace pinpipe::lake
