// RunLease: how a process proves that it is still driving a run, so that a run whose process
// was killed (kill -9, OOM, power loss) is not shown "running" forever. The driver holds an
// flock(2) on <lock dir>/<run pk>.lock (or <run pk>.<task>.lock for one task of an externally
// driven run) for as long as it works on it; the kernel drops the lock when the process dies,
// however it dies. A run still "running" in the history whose lock file exists but can be
// locked by someone else has no live driver: it was abandoned.
//
// The file is created under a temporary name, locked, and only then renamed to its final name,
// so a file under a final name is never unlocked while its creator lives. No file = no lease
// was ever taken (history from before leases, or a run still being set up): never abandoned.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::orchestrator {

class RunLease {
 public:
  // `name` is "<run pk>" or "<run pk>.<task id>" (see LeaseName).
  static Result<std::unique_ptr<RunLease>> Acquire(const std::string& lock_dir,
                                                   std::string_view name);
  // Removes the file, then releases the lock.
  ~RunLease();
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

 private:
  RunLease(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

std::string LeaseName(int64_t run_pk, std::string_view task_id = {});

struct AbandonedLease {
  std::string name;    // "<run pk>" or "<run pk>.<task id>"
  std::string task_id;  // empty for a whole run
  std::string holder;   // what the file says of its process: "pid 1234 on host, started ..."
};

// The leases of run `run_pk` whose holder is gone; each one found is removed (its file
// unlinked), so a second caller does not report it again.
Result<std::vector<AbandonedLease>> TakeAbandonedLeases(const std::string& lock_dir,
                                                        int64_t run_pk);

}  // namespace pinpipe::orchestrator
