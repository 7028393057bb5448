// SubscribeToShard (enhanced fan-out): a registered consumer's push subscription to one shard.
// Transport-free: a subscription writes SubscribeToShardEvent values to an EventSink, which the
// gateway frames as an AWS event stream over an HTTP/2 (or chunked HTTP/1.1) response.
//
// Semantics (API_SubscribeToShard):
//  - Open checks the ConsumerARN (a registered consumer of an existing stream, the ARN's
//    creation time included), the ShardId and the StartingPosition (AT_SEQUENCE_NUMBER,
//    AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP: GetShardIterator's rules and
//    messages) — ResourceNotFoundException / InvalidArgumentException / ValidationException.
//  - One subscription per (consumer, shard): a call within 5 s of the last successful one is
//    ResourceInUseException; a later call takes over, and the previous subscription ends
//    with a ResourceInUseException event.
//  - Events: the records from the position on (at most 10,000 and 1 MiB per event), with
//    ContinuationSequenceNumber (the last record's number, or one AFTER_SEQUENCE_NUMBER resumes
//    from) and MillisBehindLatest; an event at least every 5 s when nothing arrives; at a closed
//    shard's end one event with ChildShards and no ContinuationSequenceNumber, then the end.
//  - A subscription lives 5 minutes (Options::lifetime_ms), then ends cleanly; the client
//    subscribes again from its last ContinuationSequenceNumber.
//
// Threads and waking: reads run on the executor (the gateway's pool: a read may miss the page
// cache), one at a time per subscription. Caught up, a subscription registers
// LogManager::WaitForData, whose callback (on the thread that made the append durable)
// schedules the next read: an append is pushed within one pool hand-off, with no polling.
// Sweep() — every second on this object's thread, or from tests after moving the clock —
// ends expired subscriptions, sends the 5-second heartbeats, resumes subscriptions paused
// behind a slow reader (EventSink::Buffered over max_buffered) and wakes waiters whose
// shard was closed by a reshard. Time is the injected Clock's (tests move a ManualClock).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/mutex.h"
#include "kinesis/service.h"

namespace pinpipe::kinesis {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // A SubscribeToShardEvent; false once the client is gone.
  virtual bool Event(const Value& event) = 0;
  // The end: cleanly (no error) or with an exception event.
  virtual void End(const std::optional<ApiError>& error) = 0;
  // Bytes written and not yet sent to the client.
  virtual size_t Buffered() const = 0;
};

class Subscription;

class Subscriptions {
 public:
  struct Options {
    int64_t lifetime_ms = 300000;
    int64_t takeover_after_ms = 5000;  // a call within this of the last one: ResourceInUse
    int64_t heartbeat_ms = 5000;
    int64_t max_event_records = 10000;
    size_t max_event_bytes = 1 << 20;
    size_t max_buffered = 8 << 20;  // pause reading while the client has this much unread
    bool sweeper_thread = true;     // tests call Sweep themselves
  };
  // Runs a task on a worker thread; false when it cannot (the task is dropped).
  using Executor = std::function<bool(std::function<void()>)>;

  Subscriptions(Service& service, const Clock& clock, Executor run, Options options);
  ~Subscriptions();  // Stop()
  // Ends every subscription (cleanly) and joins the sweeper. Idempotent.
  void Stop();

  // Checks a SubscribeToShard request and takes its lease. Worker thread.
  std::expected<std::shared_ptr<Subscription>, ApiError> Open(const Value& req);
  // Starts pushing events into `sink` (after the initial response was written).
  void Run(const std::shared_ptr<Subscription>& sub, std::shared_ptr<EventSink> sink);
  // The client went away: ends the subscription without writing.
  void Cancel(const std::shared_ptr<Subscription>& sub);
  void Sweep();
  size_t live() const;

 private:
  friend class Subscription;
  void Schedule(const std::shared_ptr<Subscription>& sub);
  void Pump(const std::shared_ptr<Subscription>& sub);
  void Wait(const std::shared_ptr<Subscription>& sub);
  void Finish(const std::shared_ptr<Subscription>& sub, const std::optional<ApiError>& error, bool write);

  Service& service_;
  const Clock& clock_;
  Executor run_;
  Options options_;
  // The lease owns its live subscription (waiters and the HTTP body hold weak references);
  // Finish drops it, the entry stays for the 5-second rule.
  struct Lease {
    int64_t started_ms = 0;
    std::shared_ptr<Subscription> sub;
  };
  mutable Mutex mu_;
  std::map<std::string, Lease> leases_;  // "<consumer ARN>|<shard id>"
  bool stopped_ = false;
  CondVar cv_;
  std::thread sweeper_;
};

}  // namespace pinpipe::kinesis
