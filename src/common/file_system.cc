#include "common/file_system.h"
#include "common/mutex.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pinpipe {

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  while (!out.empty() && out.back() == '/' && out.size() > 1) out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (!out.empty() && out.back() != '/') out += '/';
  out += b;
  return out;
}

Result<std::string> FileSystem::ReadFileToString(const std::string& path) {
  PINPIPE_ASSIGN_OR_RETURN(auto file, Open(path, kOpenRead));
  PINPIPE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string data(size, '\0');
  PINPIPE_ASSIGN_OR_RETURN(size_t n, file->PRead(0, data.data(), size));
  data.resize(n);
  return data;
}

Status FileSystem::ReadFileInto(const std::string& path, std::string& out, size_t spare) {
  PINPIPE_ASSIGN_OR_RETURN(auto file, Open(path, kOpenRead));
  PINPIPE_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (out.capacity() < size + spare) {
    out.clear();  // nothing to keep: reserve without copying the old bytes
    out.reserve(size + spare);
  }
  Status st = OkStatus();
  // resize_and_overwrite: no zero-filling of bytes the read overwrites anyway. The read asks for
  // `size` bytes, not the callback's count: GCC 12's libstdc++ passes the grown capacity there,
  // and a file growing meanwhile must not return more than was asked for.
  out.resize_and_overwrite(size, [&](char* p, size_t) -> size_t {
    auto got = file->PRead(0, p, static_cast<size_t>(size));
    if (!got) {
      st = std::unexpected(got.error());
      return 0;
    }
    return *got;
  });
  return st;
}

Status FileSystem::WriteFileAtomically(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  {
    PINPIPE_ASSIGN_OR_RETURN(auto file, Open(tmp, kOpenWrite | kOpenCreate | kOpenTruncate));
    PINPIPE_RETURN_IF_ERROR(file->PWrite(0, data));
    PINPIPE_RETURN_IF_ERROR(file->Sync());
  }
  PINPIPE_RETURN_IF_ERROR(Rename(tmp, path));
  auto slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash));
}

// ---------------------------------------------------------------- POSIX

namespace {

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> PRead(uint64_t offset, void* buf, size_t n) const override {
    size_t done = 0;
    auto* p = static_cast<char*>(buf);
    while (done < n) {
      ssize_t r = ::pread(fd_, p + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("pread", path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

  Status PWrite(uint64_t offset, std::string_view data) override {
    while (!data.empty()) {
      ssize_t r = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("pwrite", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(r));
      offset += static_cast<uint64_t>(r);
    }
    return OkStatus();
  }

  Status PWriteV(uint64_t offset, std::span<const std::string_view> parts) override {
    constexpr size_t kMaxIov = 64;
    iovec iov[kMaxIov];
    size_t i = 0, skip = 0;  // next byte to write: parts[i][skip]
    while (i < parts.size()) {
      if (parts[i].size() == skip) {
        ++i;
        skip = 0;
        continue;
      }
      int n = 0;
      for (size_t j = i; j < parts.size() && n < static_cast<int>(kMaxIov); ++j) {
        std::string_view sv = parts[j];
        if (j == i) sv.remove_prefix(skip);
        if (sv.empty()) continue;
        iov[n++] = {const_cast<char*>(sv.data()), sv.size()};
      }
      ssize_t r = ::pwritev(fd_, iov, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("pwritev", path_, errno);
      }
      offset += static_cast<uint64_t>(r);
      size_t left = static_cast<size_t>(r);
      while (left > 0) {
        size_t avail = parts[i].size() - skip;
        if (left >= avail) {
          left -= avail;
          ++i;
          skip = 0;
        } else {
          skip += left;
          left = 0;
        }
      }
    }
    return OkStatus();
  }

  Status Sync() override {
    if (::fsync(fd_) != 0) return ErrnoError("fsync", path_, errno);
    return OkStatus();
  }
  Status DataSync() override {
    if (::fdatasync(fd_) != 0) return ErrnoError("fdatasync", path_, errno);
    return OkStatus();
  }
  Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoError("ftruncate", path_, errno);
    }
    return OkStatus();
  }
  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoError("fstat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, unsigned flags) override {
    int oflags = O_CLOEXEC;
    oflags |= (flags & kOpenWrite) ? O_RDWR : O_RDONLY;
    if (flags & kOpenCreate) oflags |= O_CREAT;
    if (flags & kOpenTruncate) oflags |= O_TRUNC;
    if (flags & kOpenExclusive) oflags |= O_EXCL | O_CREAT;
    if (flags & kOpenDirect) oflags |= O_DIRECT;
    int fd = ::open(path.c_str(), oflags, 0644);
    if (fd < 0 && (flags & kOpenDirect) && errno == EINVAL) {
      return MakeError(ErrorCode::kInvalidArgument, "no direct I/O on the file system of " + path);
    }
    if (fd < 0) return ErrnoError("open", path, errno);
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoError("rename", from, errno);
    return OkStatus();
  }
  Status Unlink(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError("unlink", path, errno);
    return OkStatus();
  }
  Status MkdirAll(const std::string& path) override {
    if (path.empty()) return OkStatus();
    std::string cur;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      cur = path.substr(0, pos);
      if (cur.empty()) continue;
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoError("mkdir", cur, errno);
      }
    }
    if (!IsDirectory(path)) return MakeError(ErrorCode::kIoError, "not a directory: " + path);
    return OkStatus();
  }
  Status Rmdir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoError("rmdir", path, errno);
    return OkStatus();
  }
  Result<std::vector<std::string>> List(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoError("opendir", dir, errno);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      names.emplace_back(n);
    }
    ::closedir(d);
    return names;
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }
  bool Exists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoError("fsync", dir, err);
    return OkStatus();
  }
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("open", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return MakeError(ErrorCode::kUnavailable,
                         "lock " + path + ": held by another process (is pinpipe running?)");
      }
      return ErrnoError("flock", path, err);
    }
    return std::unique_ptr<FileLock>(new PosixLock(fd));
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return fs;
}

// ---------------------------------------------------------------- fault injection

class FaultInjectionFileSystem::FaultFile final : public File {
 public:
  FaultFile(FaultInjectionFileSystem* owner, std::unique_ptr<File> base)
      : owner_(owner), base_(std::move(base)) {}

  Result<size_t> PRead(uint64_t offset, void* buf, size_t n) const override {
    return base_->PRead(offset, buf, n);
  }
  Status PWrite(uint64_t offset, std::string_view data) override {
    switch (owner_->NextWriteFault()) {
      case 1:
        return MakeError(ErrorCode::kIoError, "injected write failure: " + path());
      case 2: {
        size_t n = std::min(owner_->short_write_bytes_.load(), data.size());
        PINPIPE_RETURN_IF_ERROR(base_->PWrite(offset, data.substr(0, n)));
        return MakeError(ErrorCode::kIoError, "injected short write: " + path());
      }
      default:
        return base_->PWrite(offset, data);
    }
  }
  Status PWriteV(uint64_t offset, std::span<const std::string_view> parts) override {
    std::string joined;
    for (auto p : parts) joined.append(p);
    return PWrite(offset, joined);
  }
  Status Sync() override { return DoSync(true); }
  Status DataSync() override { return DoSync(false); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Result<uint64_t> Size() const override { return base_->Size(); }
  const std::string& path() const override { return base_->path(); }

 private:
  Status DoSync(bool full) {
    if (owner_->NextSyncFails()) {
      return MakeError(ErrorCode::kIoError, "injected fsync failure: " + path());
    }
    // Size before the sync: everything written so far becomes durable.
    PINPIPE_ASSIGN_OR_RETURN(uint64_t size, base_->Size());
    PINPIPE_RETURN_IF_ERROR(full ? base_->Sync() : base_->DataSync());
    owner_->NoteSynced(path(), size);
    return OkStatus();
  }

  FaultInjectionFileSystem* owner_;
  std::unique_ptr<File> base_;
};

int FaultInjectionFileSystem::NextWriteFault() {
  uint64_t n = writes_.fetch_add(1) + 1;
  if (fail_write_at_.load() == n) return 1;
  if (short_write_at_.load() == n) return 2;
  return 0;
}

bool FaultInjectionFileSystem::NextSyncFails() {
  uint64_t n = syncs_.fetch_add(1) + 1;
  return fail_all_syncs_.load() || fail_sync_at_.load() == n;
}

void FaultInjectionFileSystem::NoteSynced(const std::string& path, uint64_t size) {
  MutexLock lock(mu_);
  synced_size_[path] = size;
}

void FaultInjectionFileSystem::NoteOpened(const std::string& path, uint64_t size) {
  MutexLock lock(mu_);
  synced_size_.try_emplace(path, size);
}

Result<std::unique_ptr<File>> FaultInjectionFileSystem::Open(const std::string& path,
                                                             unsigned flags) {
  bool existed = base_->Exists(path);
  PINPIPE_ASSIGN_OR_RETURN(auto file, base_->Open(path, flags));
  if (flags & kOpenWrite) {
    uint64_t size = 0;
    if (existed && !(flags & kOpenTruncate)) {
      PINPIPE_ASSIGN_OR_RETURN(size, file->Size());
    }
    NoteOpened(path, size);
  }
  return std::unique_ptr<File>(new FaultFile(this, std::move(file)));
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  PINPIPE_RETURN_IF_ERROR(base_->Rename(from, to));
  MutexLock lock(mu_);
  auto it = synced_size_.find(from);
  if (it != synced_size_.end()) {
    synced_size_[to] = it->second;
    synced_size_.erase(from);
  } else {
    synced_size_.erase(to);
  }
  return OkStatus();
}

Status FaultInjectionFileSystem::Unlink(const std::string& path) {
  PINPIPE_RETURN_IF_ERROR(base_->Unlink(path));
  MutexLock lock(mu_);
  synced_size_.erase(path);
  return OkStatus();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  if (NextSyncFails()) return MakeError(ErrorCode::kIoError, "injected fsync failure: " + dir);
  return base_->SyncDir(dir);
}

Status FaultInjectionFileSystem::SimulateCrash() {
  MutexLock lock(mu_);
  for (const auto& [path, size] : synced_size_) {
    if (!base_->Exists(path)) continue;
    PINPIPE_ASSIGN_OR_RETURN(auto f, base_->Open(path, kOpenWrite));
    PINPIPE_ASSIGN_OR_RETURN(uint64_t cur, f->Size());
    if (cur > size) PINPIPE_RETURN_IF_ERROR(f->Truncate(size));
  }
  return OkStatus();
}

}  // namespace pinpipe
