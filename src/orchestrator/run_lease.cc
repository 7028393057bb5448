#include "orchestrator/run_lease.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "common/file_system.h"

namespace pinpipe::orchestrator {
namespace {

constexpr std::string_view kSuffix = ".lock";

std::string Sanitize(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '/' || c == '\0') c = '_';
  }
  return out;
}

}  // namespace

std::string LeaseName(int64_t run_pk, std::string_view task_id) {
  std::string name = std::to_string(run_pk);
  if (!task_id.empty()) name += "." + Sanitize(task_id);
  return name;
}

Result<std::unique_ptr<RunLease>> RunLease::Acquire(const std::string& lock_dir,
                                                    std::string_view name) {
  PINPIPE_RETURN_IF_ERROR(FileSystem::Default()->MkdirAll(lock_dir));
  const std::string path = JoinPath(lock_dir, std::string(name) + std::string(kSuffix));
  const std::string tmp = JoinPath(lock_dir, "." + std::string(name) + "." +
                                                 std::to_string(::getpid()) + ".tmp");
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("open", tmp, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return ErrnoError("flock", tmp, err);
  }
  char host[256] = "?";
  (void)::gethostname(host, sizeof host - 1);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  char text[400];
  const int n = std::snprintf(text, sizeof text, "pid %d on %s, started at %lld (unix time)\n",
                              static_cast<int>(::getpid()), host, static_cast<long long>(now));
  if (n > 0) (void)!::write(fd, text, static_cast<size_t>(n));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return ErrnoError("rename", path, err);
  }
  return std::unique_ptr<RunLease>(new RunLease(fd, path));
}

RunLease::~RunLease() {
  ::unlink(path_.c_str());
  ::close(fd_);
}

Result<std::vector<AbandonedLease>> TakeAbandonedLeases(const std::string& lock_dir,
                                                        int64_t run_pk) {
  std::vector<AbandonedLease> out;
  const std::string run_name = std::to_string(run_pk);
  auto names = FileSystem::Default()->List(lock_dir);
  if (!names) return out;  // no directory: no lease was ever taken
  for (const auto& file : *names) {
    if (!file.ends_with(kSuffix)) continue;
    const std::string name = file.substr(0, file.size() - kSuffix.size());
    std::string task;
    if (name != run_name) {
      if (!name.starts_with(run_name + ".")) continue;
      task = name.substr(run_name.size() + 1);
    }
    const std::string path = JoinPath(lock_dir, file);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;  // released meanwhile
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);  // held: its process is alive
      continue;
    }
    // A holder that finishes unlinks its file before it unlocks: if the name no longer leads
    // to this file, it was released normally between our open and our lock.
    struct stat by_fd, by_name;
    if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_name) != 0 ||
        by_fd.st_ino != by_name.st_ino || by_fd.st_dev != by_name.st_dev) {
      ::close(fd);
      continue;
    }
    char buf[400];
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\r')) holder.pop_back();
    ::unlink(path.c_str());
    ::close(fd);
    out.push_back({name, task, holder.empty() ? "unknown process" : holder});
  }
  return out;
}

}  // namespace pinpipe::orchestrator
