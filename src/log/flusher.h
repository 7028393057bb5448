// Flusher: the group-commit threads. Each partition belongs to one sync lane (a thread with its
// own queue); an append queues its partition once until the lane has synced it. With
// flush=always a lane wakes as soon as a partition is queued and syncs every queued partition
// (write the buffered batches, fdatasync, acknowledge); with flush=interval it syncs its queued
// partitions every interval.
//
// Why lanes instead of one thread with helpers: lanes never wait for each other, so a
// partition's next fsync starts as soon as its previous one ends, concurrent fdatasyncs of
// different partitions still overlap, and a wake-up costs one futex on an uncontended lock
// instead of a broadcast to every helper and a barrier at the end of each round.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "log/log_options.h"

namespace pinpipe::log {

class PartitionLog;

class Flusher {
 public:
  explicit Flusher(const LogOptions& options);
  ~Flusher();
  void Start();
  // The lane a new partition is synced by (round robin, so a topic's partitions spread out).
  int AssignLane();
  // Queues `p` on its lane (the caller has set p->queued).
  void Enqueue(PartitionLog* p);
  // Syncs everything still queued and stops the threads.
  void Stop();

 private:
  static constexpr int kLanes = 4;
  struct Lane {
    Mutex mu;
    CondVar cv;
    std::vector<PartitionLog*> queue GUARDED_BY(mu);
    bool stop GUARDED_BY(mu) = false;
    std::thread thread;
  };
  void Loop(Lane& lane);

  const LogOptions& options_;
  std::unique_ptr<Lane[]> lanes_;
  std::atomic<int> next_lane_{0};
};

}  // namespace pinpipe::log
