#include "objstore/local_object_store.h"

#include <fcntl.h>
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
    std::lock_guard lock(mu_);
    if (known_dirs_.contains(dir)) return OkStatus();
  }
  PINPIPE_RETURN_IF_ERROR(fs_->MkdirAll(dir));
  std::lock_guard lock(mu_);
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
      std::lock_guard lock(mu_);
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
    std::lock_guard lock(mu_);
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

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  if (fs_->IsDirectory(path)) return MakeError(ErrorCode::kNotFound, path + " is a directory");
  return fs_->ReadFileToString(path);
}

Status LocalObjectStore::GetInto(std::string_view key, std::string& out, size_t spare) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  if (fs_->IsDirectory(path)) return MakeError(ErrorCode::kNotFound, path + " is a directory");
  return fs_->ReadFileInto(path, out, spare);
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  PINPIPE_ASSIGN_OR_RETURN(std::string path, PathOf(key));
  if (fs_->IsDirectory(path)) return MakeError(ErrorCode::kNotFound, path + " is a directory");
  PINPIPE_ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(path));
  ObjectInfo info;
  info.key = std::string(key);
  info.size = size;
  return info;
}

void LocalObjectStore::Walk(const std::string& dir, const std::string& rel,
                            std::string_view prefix, std::set<std::string>& keys) {
  auto names = fs_->List(dir);
  if (!names) return;  // a missing directory lists as empty
  for (const auto& name : *names) {
    if (IsLocalTempName(name)) continue;
    std::string key = rel.empty() ? name : rel + "/" + name;
    // Prune subtrees that cannot match the prefix.
    size_t n = std::min(key.size(), prefix.size());
    if (key.compare(0, n, prefix.substr(0, n)) != 0) continue;
    std::string path = dir + "/" + name;
    if (fs_->IsDirectory(path)) {
      Walk(path, key, prefix, keys);
    } else if (key.starts_with(prefix)) {
      keys.insert(std::move(key));
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
  std::set<std::string> keys;
  Walk(dir, rel, prefix, keys);
  ListPage page;
  auto it = token.empty() ? keys.begin() : keys.upper_bound(std::string(token));
  for (; it != keys.end(); ++it) {
    if (static_cast<int>(page.objects.size()) == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    ObjectInfo info;
    info.key = *it;
    auto size = fs_->FileSize(JoinPath(root_, *it));
    info.size = size ? *size : 0;
    page.objects.push_back(std::move(info));
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
    std::lock_guard lock(mu_);
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
