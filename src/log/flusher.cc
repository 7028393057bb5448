#include "log/flusher.h"

#include <algorithm>
#include <chrono>

#include "common/mutex.h"
#include "log/partition_log.h"

namespace pinpipe::log {

Flusher::Flusher(const LogOptions& options)
    : options_(options), lanes_(std::make_unique<Lane[]>(kLanes)) {}

Flusher::~Flusher() { Stop(); }

void Flusher::Start() {
  if (options_.flush.mode == FlushPolicy::Mode::kOs) return;
  for (int i = 0; i < kLanes; ++i) {
    Lane& lane = lanes_[i];
    lane.thread = std::thread([this, &lane] { Loop(lane); });
  }
}

int Flusher::AssignLane() {
  return next_lane_.fetch_add(1, std::memory_order_relaxed) % kLanes;
}

void Flusher::Enqueue(PartitionLog* p) {
  Lane& lane = lanes_[p->lane()];
  bool wake;
  {
    MutexLock lock(lane.mu);
    wake = lane.queue.empty();
    lane.queue.push_back(p);
  }
  if (wake && options_.flush.mode == FlushPolicy::Mode::kAlways) lane.cv.NotifyOne();
}

void Flusher::Loop(Lane& lane) {
  const bool always = options_.flush.mode == FlushPolicy::Mode::kAlways;
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(1, options_.flush.interval_ms));
  std::vector<PartitionLog*> work;
  auto next_tick = std::chrono::steady_clock::now() + interval;
  while (true) {
    {
      MutexLock lock(lane.mu);
      if (always) {
        while (!lane.stop && lane.queue.empty()) lane.cv.Wait(lane.mu);
      } else {
        while (!lane.stop && lane.cv.WaitUntil(lane.mu, next_tick)) {
        }
        next_tick = std::chrono::steady_clock::now() + interval;
      }
      if (lane.stop && lane.queue.empty()) return;
      work.swap(lane.queue);
    }
    for (PartitionLog* p : work) {
      // Clear first: appends landing during the sync queue the partition again.
      p->queued.store(false, std::memory_order_release);
      p->SyncOnce();
    }
    work.clear();
  }
}

void Flusher::Stop() {
  for (int i = 0; i < kLanes; ++i) {
    Lane& lane = lanes_[i];
    {
      MutexLock lock(lane.mu);
      lane.stop = true;
    }
    lane.cv.NotifyAll();
  }
  for (int i = 0; i < kLanes; ++i) {
    if (lanes_[i].thread.joinable()) lanes_[i].thread.join();
  }
}

}  // namespace pinpipe::log
