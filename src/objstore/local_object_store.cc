#include "objstore/local_object_store.h"
#include "common/mutex.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <random>

namespace pinpipe::objstore {

namespace {

std::pair<std::string, std::string> SplitDirBase(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// link(2) without replacing; EEXIST → kAlreadyExists. Not in the FileSystem seam (it has no
// link), hence a direct system call.
Status LinkNoReplace(const std::string& from, const std::string& to) {
  int rc = ::link(from.c_str(), to.c_str());
  int err = errno;
  if (rc != 0 && (err == EPERM || err == ENOTSUP || err == EXDEV || err == EMLINK)) {
    rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE);
    err = errno;
  }
  if (rc != 0) {
    if (err == EEXIST) return MakeError(ErrorCode::kAlreadyExists, to + " already exists");
    return ErrnoError("link", to, err);
  }
  return OkStatus();
}

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// What a non-regular entry is, for messages and the list's skipped entries.
std::string_view FileTypeName(mode_t mode) {
  if (S_ISLNK(mode)) return "symlink";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISDIR(mode)) return "directory";
  return "special file";
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Opens the object at `key` (validated, relative) under `root` for reading, only if it is a
// regular file reached without any symlink: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) —
// or, on kernels before 5.6, O_NOFOLLOW and a check of where the descriptor really is. Always
// O_NONBLOCK, so that a FIFO put where an object should be cannot block open(2) forever.
// kNotFound when absent; kInvalidArgument for a symlink, FIFO, device, socket or directory.
Result<int> OpenRegularBeneath(const std::string& root, std::string_view key, struct stat* st) {
  const std::string path = JoinPath(root, key);
  Fd dir;
  dir.fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir.fd < 0) {
    const int err = errno;
    if (err == ENOENT) return MakeError(ErrorCode::kNotFound, path + " does not exist");
    return ErrnoError("open", root, err);
  }
  const std::string rel(key);
  struct open_how how = {};
  how.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, dir.fd, rel.c_str(), &how, sizeof how));
  bool checked = true;
  if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {  // old kernel, or a seccomp filter
    fd = ::openat(dir.fd, rel.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    checked = false;
  }
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return MakeError(ErrorCode::kNotFound, path + " does not exist");
    }
    if (err == ELOOP || err == EXDEV) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + " is reached through a symlink; the lake reads only regular files");
    }
    return ErrnoError("open", path, err);
  }
  Fd file{fd};
  if (::fstat(fd, st) != 0) return ErrnoError("fstat", path, errno);
  if (S_ISDIR(st->st_mode)) return MakeError(ErrorCode::kNotFound, path + " is a directory");
  if (!S_ISREG(st->st_mode)) {
    return MakeError(ErrorCode::kInvalidArgument, path + " is a " +
                                                      std::string(FileTypeName(st->st_mode)) +
                                                      ", not a regular file; not read");
  }
  if (!checked) {
    // No RESOLVE_BENEATH: the descriptor must still be inside the root (no directory symlink
    // on the way led out of it).
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    std::error_code ec;
    auto real = std::filesystem::read_symlink(link, ec);
    auto real_root = std::filesystem::canonical(root, ec);
    if (ec || !real.string().starts_with(real_root.string() + "/")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path + " resolves outside the lake; the lake reads only regular files");
    }
  }
  file.fd = -1;
  return fd;
}

// Reads the whole regular file `fd` of `size` bytes into `out` (capacity reused).
Status ReadAll(int fd, uint64_t size, const std::string& path, std::string& out, size_t spare) {
  out.reserve(size + spare);
  out.resize(size);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path, errno);
    }
    if (n == 0) break;  // truncated meanwhile: what is there
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return OkStatus();
}

}  // namespace

bool IsLocalTempName(std::string_view base) {
  if (base == kStagingDir) return true;
  return base.size() > 5 && base.front() == '.' && base.ends_with(".tmp");
}

LocalObjectStore::LocalObjectStore(std::string root, LocalStoreOptions opts)
    : root_(std::move(root)), fs_(opts.fs ? opts.fs : FileSystem::Default()) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  if (root_.empty()) root_.push_back('.');
  syncfs_ = opts.use_syncfs && fs_ == FileSystem::Default();
}

std::string LocalObjectStore::Describe() const {
  std::error_code ec;
  auto abs = std::filesystem::absolute(root_, ec);
  return "file://" + (ec ? root_ : abs.string());
}

Result<std::string> LocalObjectStore::PathOf(std::string_view key) const {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  return JoinPath(root_, key);
}

Status LocalObjectStore::EnsureDir(const std::string& dir) {
  {
    MutexLock lock(mu_);
    if (known_dirs_.contains(dir)) return OkStatus();
  }
  PINPIPE_RETURN_IF_ERROR(fs_->MkdirAll(dir));
  MutexLock lock(mu_);
  known_dirs_.insert(dir);
  return OkStatus();
}

std::string LocalObjectStore::TempPath(const std::string& dir, std::string_view base) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[64];
  std::snprintf(suffix, sizeof(suffix), ".%d.%llx.%llu.tmp", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(rng() & 0xffffffffu),
                static_cast<unsigned long long>(counter.fetch_add(1)));
  // One formatted write (GCC 12 warns falsely on chains of std::string appends here).
  std::string out(dir.size() + base.size() + sizeof(suffix) + 2, '\0');
  int n = std::snprintf(out.data(), out.size() + 1, "%s/.%.*s%s", dir.c_str(),
                        static_cast<int>(base.size()), base.data(), suffix);
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

Result<std::string> LocalObjectStore::WriteTemp(const std::string& dir, std::string_view base,
                                                std::string_view data, bool sync) {
  // Temporary files live in one small staging directory under the root rather than next to
  // their key: creating and renaming away an entry in a directory of many thousands of objects
  // costs ext4 a second search of that directory per object.
  std::string staging = JoinPath(root_, kStagingDir);
  PINPIPE_RETURN_IF_ERROR(EnsureDir(staging));
  (void)dir;
  std::string tmp = TempPath(staging, base);
  auto file = fs_->Open(tmp, kOpenWrite | kOpenCreate | kOpenExclusive);
  if (!file && file.error().code() == ErrorCode::kNotFound) {
    // The directory vanished (deleted by someone else): create it again once.
    {
      MutexLock lock(mu_);
      known_dirs_.erase(staging);
    }
    PINPIPE_RETURN_IF_ERROR(EnsureDir(staging));
    file = fs_->Open(tmp, kOpenWrite | kOpenCreate | kOpenExclusive);
  }
  if (!file) return std::unexpected(file.error());
  Status st = (*file)->PWrite(0, data);
  if (st && sync) st = (*file)->Sync();
  file->reset();
  if (!st) {
    (void)fs_->Unlink(tmp);
    return std::unexpected(st.error());
  }
  return tmp;
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data, PutOptions opts) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto [dir, base] = SplitDirBase(path);
  PINPIPE_RETURN_IF_ERROR(EnsureDir(dir));
  // Deferred + syncfs: nothing is fsynced now; Sync() flushes the whole filesystem once.
  bool sync_file = !(opts.defer_sync && syncfs_);
  PINPIPE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(dir, base, data, sync_file));
  if (auto st = fs_->Rename(tmp, path); !st) {
    (void)fs_->Unlink(tmp);
    return st;
  }
  if (opts.defer_sync) {
    MutexLock lock(mu_);
    pending_ = true;
    if (!syncfs_) pending_dirs_.insert(dir);
    return OkStatus();
  }
  return fs_->SyncDir(dir);
}

Status LocalObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto [dir, base] = SplitDirBase(path);
  PINPIPE_RETURN_IF_ERROR(EnsureDir(dir));
  PINPIPE_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(dir, base, data, true));
  Status st = LinkNoReplace(tmp, path);
  (void)fs_->Unlink(tmp);  // after link: the extra name; after a rename: already gone
  if (!st) return st;
  return fs_->SyncDir(dir);
}

// Reads go straight to the OS, not through the FileSystem seam: only this store knows that an
// object must be a regular file inside the root (the seam's faults are about writes and syncs).
Result<std::string> LocalObjectStore::Get(std::string_view key) {
  std::string out;
  PINPIPE_RETURN_IF_ERROR(GetInto(key, out));
  return out;
}

Status LocalObjectStore::GetInto(std::string_view key, std::string& out, size_t spare) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  struct stat st;
  PINPIPE_ASSIGN_OR_RETURN(int fd, OpenRegularBeneath(root_, key, &st));
  Fd file{fd};
  return ReadAll(fd, static_cast<uint64_t>(st.st_size), path, out, spare);
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  struct stat st;
  PINPIPE_ASSIGN_OR_RETURN(int fd, OpenRegularBeneath(root_, key, &st));
  Fd file{fd};
  ObjectInfo info;
  info.key = std::string(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ms = MtimeMs(st);
  return info;
}

void LocalObjectStore::Walk(const std::string& dir, const std::string& rel,
                            std::string_view prefix, std::map<std::string, ObjectInfo>& keys,
                            std::vector<std::string>& skipped) {
  auto names = fs_->List(dir);
  if (!names) return;  // a missing directory lists as empty
  for (const auto& name : *names) {
    if (IsLocalTempName(name)) continue;
    std::string key = rel.empty() ? name : rel + "/" + name;
    // Prune subtrees that cannot match the prefix.
    size_t n = std::min(key.size(), prefix.size());
    if (key.compare(0, n, prefix.substr(0, n)) != 0) continue;
    std::string path = dir + "/" + name;
    // lstat: a symlink is neither followed nor listed (it could lead out of the lake), and a
    // FIFO, socket or device is no object (opening a FIFO blocks).
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;  // gone meanwhile
    if (S_ISDIR(st.st_mode)) {
      Walk(path, key, prefix, keys, skipped);
    } else if (!key.starts_with(prefix)) {
      continue;
    } else if (S_ISREG(st.st_mode)) {
      ObjectInfo info;
      info.key = key;
      info.size = static_cast<uint64_t>(st.st_size);
      info.mtime_ms = MtimeMs(st);
      keys.emplace(std::move(key), std::move(info));
    } else {
      skipped.push_back(key + " (" + std::string(FileTypeName(st.st_mode)) + ")");
    }
  }
}

Result<ListPage> LocalObjectStore::List(std::string_view prefix, std::string_view token,
                                        int max_keys) {
  if (prefix.find('\0') != std::string_view::npos || prefix.starts_with("/") ||
      prefix.find("..") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid list prefix");
  }
  max_keys = std::max(1, max_keys);
  // Start at the deepest directory the prefix names.
  size_t slash = prefix.rfind('/');
  std::string rel = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  std::string dir = rel.empty() ? root_ : JoinPath(root_, rel);
  std::map<std::string, ObjectInfo> keys;
  ListPage page;
  // The directories down to the start of the walk must be real directories too.
  for (size_t i = 1; i <= rel.size(); ++i) {  // (the root itself may be a symlink)
    if (i != rel.size() && rel[i] != '/') continue;
    struct stat st;
    const std::string sub = JoinPath(root_, rel.substr(0, i));
    if (::lstat(sub.c_str(), &st) != 0) return page;  // missing: lists as empty
    if (!S_ISDIR(st.st_mode)) {
      if (token.empty()) {
        page.skipped.push_back(rel.substr(0, i) + " (" +
                               std::string(FileTypeName(st.st_mode)) + ")");
      }
      return page;
    }
  }
  Walk(dir, rel, prefix, keys, page.skipped);
  std::sort(page.skipped.begin(), page.skipped.end());
  if (!token.empty()) {
    // Every page walks the whole prefix: report the skipped entries on the first page only.
    page.skipped.clear();
  }
  auto it = token.empty() ? keys.begin() : keys.upper_bound(std::string(token));
  for (; it != keys.end(); ++it) {
    if (static_cast<int>(page.objects.size()) == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    page.objects.push_back(std::move(it->second));
  }
  return page;
}

Status LocalObjectStore::Delete(std::string_view key) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto st = fs_->Unlink(path);
  if (!st && st.error().code() == ErrorCode::kNotFound) return OkStatus();
  if (!st) return st;
  return fs_->SyncDir(SplitDirBase(path).first);
}

Status LocalObjectStore::Sync() {
  std::unordered_set<std::string> dirs;
  {
    MutexLock lock(mu_);
    if (!pending_) return OkStatus();
    dirs.swap(pending_dirs_);
    pending_ = false;
  }
  if (syncfs_) {
    // One syncfs flushes every file and directory written since the last Sync.
    int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open", root_, errno);
    int rc = ::syncfs(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoError("syncfs", root_, err);
    return OkStatus();
  }
  for (const auto& d : dirs) PINPIPE_RETURN_IF_ERROR(fs_->SyncDir(d));
  return OkStatus();
}

// ---------------------------------------------------------------- streaming writer

class LocalObjectStore::Writer final : public ObjectWriter {
 public:
  Writer(LocalObjectStore* store, std::string path, std::string dir, std::string tmp,
         std::unique_ptr<File> file)
      : store_(store), path_(std::move(path)), dir_(std::move(dir)), tmp_(std::move(tmp)),
        file_(std::move(file)) {}
  ~Writer() override { Abort(); }

  Status Write(std::string_view data) override {
    if (!file_) return MakeError(ErrorCode::kInvalidArgument, "writer is closed");
    PINPIPE_RETURN_IF_ERROR(file_->PWrite(size_, data));
    size_ += data.size();
    return OkStatus();
  }
  Status Commit() override {
    if (!file_) return MakeError(ErrorCode::kInvalidArgument, "writer is closed");
    Status st = file_->Sync();
    file_.reset();
    if (st) st = store_->fs_->Rename(tmp_, path_);
    if (!st) {
      (void)store_->fs_->Unlink(tmp_);
      return st;
    }
    committed_ = true;
    return store_->fs_->SyncDir(dir_);
  }
  void Abort() override {
    if (committed_) return;
    if (file_) file_.reset();
    if (!aborted_) (void)store_->fs_->Unlink(tmp_);
    aborted_ = true;
  }

 private:
  LocalObjectStore* store_;
  std::string path_, dir_, tmp_;
  std::unique_ptr<File> file_;
  uint64_t size_ = 0;
  bool committed_ = false, aborted_ = false;
};

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  auto [dir, base] = SplitDirBase(path);
  PINPIPE_RETURN_IF_ERROR(EnsureDir(dir));
  std::string tmp = TempPath(dir, base);
  PINPIPE_ASSIGN_OR_RETURN(auto file, fs_->Open(tmp, kOpenWrite | kOpenCreate | kOpenExclusive));
  return std::unique_ptr<ObjectWriter>(
      new Writer(this, path, dir, std::move(tmp), std::move(file)));
}

}  // namespace pinpipe::objstore
