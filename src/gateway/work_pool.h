// WorkPool: a few threads for the gateway's blocking work (fsyncs of offset commits, log reads
// that may miss the page cache, user-supplied patterns), so reactor threads never wait on it.
// A handler copies what it needs from the Request, posts a task that owns its Responder, and
// the task answers from its thread (http::Responder::Send is thread-safe).
// The queue is bounded: Post fails when it is full, and the caller answers 503 at once.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace pinpipe::gateway {

class WorkPool {
 public:
  using Task = std::move_only_function<void()>;
  WorkPool(size_t threads, size_t max_queued);
  ~WorkPool();  // Stop()
  // False (and `task` is destroyed, not run) when the queue is full or the pool stopped.
  bool Post(Task task);
  // Runs the tasks already queued, then joins the threads. Idempotent.
  void Stop();
  size_t queued() const;

 private:
  void Loop();

  const size_t max_queued_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<Task> tasks_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace pinpipe::gateway
