// REST Proxy v2 consumers (protocols.md §1.5): instances in groups, subscriptions with a range
// assignment of partitions among a group's members, manual assignments, positions, committed
// offsets (in the log's durable offset store), and long-polled record reads.
//
// Threads: handlers run on reactor threads and take `mu_` briefly. A poller thread completes
// long polls (woken by the log's data-available callbacks or at their deadline) and expires idle
// instances. Reads from the log happen under `mu_`; consumers are far less frequent than produces.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gateway/consumer_instance.h"
#include "http/request.h"
#include "http/responder.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {

struct ConsumerOptions {
  int64_t instance_timeout_ms = 300000;  // consumer.instance.timeout.ms
  int64_t request_timeout_ms = 1000;     // consumer.request.timeout.ms
  int64_t max_bytes = 64 << 20;          // consumer.request.max.bytes
};

class ConsumerManager {
 public:
  ConsumerManager(log::LogManager& log, ConsumerOptions options);
  ~ConsumerManager();  // Stop()
  void Stop();

  void Create(const http::Request& req, http::Responder r);
  void Delete(const http::Request& req, http::Responder r);
  void Subscribe(const http::Request& req, http::Responder r);
  void GetSubscription(const http::Request& req, http::Responder r);
  void Unsubscribe(const http::Request& req, http::Responder r);
  void Assign(const http::Request& req, http::Responder r);
  void GetAssignments(const http::Request& req, http::Responder r);
  void Seek(const http::Request& req, http::Responder r);
  void SeekBeginning(const http::Request& req, http::Responder r);
  void SeekEnd(const http::Request& req, http::Responder r);
  void CommitOffsets(const http::Request& req, http::Responder r);
  void GetOffsets(const http::Request& req, http::Responder r);
  void Records(const http::Request& req, http::Responder r);

  size_t instance_count() const;

 private:
  struct Poll;
  using Key = std::pair<std::string, std::string>;  // group, instance

  void SeekToEdge(const http::Request& req, http::Responder r, bool end);  // beginning or end
  ConsumerInstance* Find(const http::Request& req);  // requires mu_; touches last_used
  void Rebalance(const std::string& group);          // requires mu_
  bool AssignmentStale(const ConsumerInstance& c);   // requires mu_
  void CommitPositions(ConsumerInstance& c, const std::vector<TopicPartition>* only);  // mu_
  void RemoveInstance(const Key& key);                // requires mu_
  int64_t ResolvePosition(ConsumerInstance& c, const TopicPartition& tp, bool* error);  // mu_
  // Reads records into `body` (a JSON array). Returns the bytes of key+value collected.
  int64_t ReadInto(ConsumerInstance& c, int64_t max_bytes, std::string& body, int* error_code,
                   std::string* error);  // requires mu_
  void TryComplete(const std::shared_ptr<Poll>& poll, bool deadline_passed);
  void RegisterWaits(const std::shared_ptr<Poll>& poll, ConsumerInstance& c);  // requires mu_
  void PollerLoop();
  int64_t NowMs() const;

  log::LogManager& log_;
  ConsumerOptions options_;
  mutable std::mutex mu_;
  std::map<Key, std::unique_ptr<ConsumerInstance>> instances_;
  std::vector<std::shared_ptr<Poll>> polls_;  // pending long polls (guarded by mu_)
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::thread poller_;
};

}  // namespace pinpipe::gateway
