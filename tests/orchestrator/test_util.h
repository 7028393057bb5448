// Helpers shared by the orchestrator tests: a temporary directory and small DAGs.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/dag.h"

namespace pinpipe::orchestrator::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/pinpipe_orch_XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Records the order tasks ran in, and how many ran at once.
struct Trace {
  std::mutex mu;
  std::vector<std::string> started;
  std::atomic<int> running{0}, max_running{0};

  TaskFn Task(std::string name, std::chrono::milliseconds sleep = std::chrono::milliseconds(0),
              int64_t out = 1) {
    return [this, name, sleep, out](const TaskContext&) -> Result<TaskStats> {
      {
        std::lock_guard lock(mu);
        started.push_back(name);
      }
      const int now = ++running;
      int prev = max_running.load();
      while (now > prev && !max_running.compare_exchange_weak(prev, now)) {
      }
      std::this_thread::sleep_for(sleep);
      --running;
      return TaskStats{1, out, 0, name + " done", {}};
    };
  }
  size_t IndexOf(const std::string& name) {
    std::lock_guard lock(mu);
    for (size_t i = 0; i < started.size(); ++i) {
      if (started[i] == name) return i;
    }
    return SIZE_MAX;
  }
};

// load >> [a, b, c] >> analyze, each task sleeping `sleep`.
inline DagDefinition DiamondDag(Trace& trace, std::chrono::milliseconds sleep) {
  DagDefinition dag("diamond");
  dag.retry_delay = std::chrono::milliseconds(10);
  for (const char* t : {"load", "a", "b", "c", "analyze"}) dag.AddTask(t, trace.Task(t, sleep));
  (void)dag.AddDependencies("load >> [a, b, c] >> analyze");
  return dag;
}

}  // namespace pinpipe::orchestrator::testing
