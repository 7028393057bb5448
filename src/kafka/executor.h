// Executor: a few threads for the broker's work that may block (fetch reads that can miss the
// page cache, offset-commit fsyncs, topic creation) and a timer queue (fetch long polls), so a
// reactor thread never waits on the disk. Tasks run in submission order per deadline.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::kafka {

class Executor {
 public:
  using Task = std::move_only_function<void()>;
  explicit Executor(size_t threads);
  ~Executor();  // Stop()
  // False (task dropped) after Stop.
  bool Post(Task task);
  // Runs `task` on a pool thread once `delay_ms` have passed (or at Stop, so nothing is lost).
  bool PostAfter(int64_t delay_ms, Task task);
  // Runs what is queued (timers at once), then joins the threads. Idempotent.
  void Stop();

 private:
  void Loop();
  Mutex mu_;
  CondVar cv_;
  std::deque<Task> ready_ GUARDED_BY(mu_);
  std::multimap<int64_t, Task> timed_ GUARDED_BY(mu_);  // steady-clock ms -> task
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace pinpipe::kafka
