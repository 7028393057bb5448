// ClusterConsumers: the REST Proxy's consumers with kafka.bootstrap — every instance is one
// librdkafka high-level consumer, a real member of the external cluster's group (group.id =
// the REST group, client.id = the instance name, the "range" assignor), as a Confluent REST
// Proxy's consumers are.
//
// Threads: each instance has one thread that owns its rd_kafka_t (librdkafka's consumer calls
// are not for several threads): it runs the instance's queued calls in order and otherwise
// polls the consumer, which serves the group protocol (heartbeats, rebalances) and fills a
// small read-ahead buffer; a full buffer pauses the assignment (polling goes on, so the
// instance stays a live member however rarely its client reads). HTTP handlers only copy the
// request and queue it: nothing blocks a reactor.
// Positions: a record counts as consumed when a GET .../records returns it (its offset is
// stored then; auto-commit commits stored offsets, and the rebalance's revocation commits them
// first). Buffered records of revoked partitions are dropped.
// Not supported on a cluster: manual assignment and seeks (40903 with a message saying so).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "gateway/consumer_api.h"
#include "kafka/cluster_log.h"

namespace pinpipe::kafka {

struct ClusterConsumerOptions {
  ClusterOptions cluster;                // bootstrap and pass-through security settings
  int64_t instance_timeout_ms = 300000;  // consumer.instance.timeout.ms
  int64_t request_timeout_ms = 1000;     // consumer.request.timeout.ms
  int64_t max_bytes = 64 << 20;          // consumer.request.max.bytes
};

class ClusterConsumers final : public gateway::ConsumerApi {
 public:
  explicit ClusterConsumers(ClusterConsumerOptions options);
  ~ClusterConsumers() override;  // Stop()
  void Stop() override;
  bool HasInstances(const std::string& group) override;
  std::vector<std::string> GroupMembers(const std::string& group) override;

  void Create(const http::Request& req, http::Responder r) override;
  void Delete(const http::Request& req, http::Responder r) override;
  void Subscribe(const http::Request& req, http::Responder r) override;
  void GetSubscription(const http::Request& req, http::Responder r) override;
  void Unsubscribe(const http::Request& req, http::Responder r) override;
  void Assign(const http::Request& req, http::Responder r) override;
  void GetAssignments(const http::Request& req, http::Responder r) override;
  void Seek(const http::Request& req, http::Responder r) override;
  void SeekBeginning(const http::Request& req, http::Responder r) override;
  void SeekEnd(const http::Request& req, http::Responder r) override;
  void CommitOffsets(const http::Request& req, http::Responder r) override;
  void GetOffsets(const http::Request& req, http::Responder r) override;
  void Records(const http::Request& req, http::Responder r) override;

  struct Instance;

 private:
  std::shared_ptr<Instance> Find(const http::Request& req);
  void Sweep();

  ClusterConsumerOptions options_;
  Mutex mu_;
  // (group, instance name) -> instance
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Instance>> instances_ GUARDED_BY(mu_);
  std::vector<std::weak_ptr<Instance>> created_ GUARDED_BY(mu_);  // every thread made, for Stop
  bool stopped_ GUARDED_BY(mu_) = false;
  CondVar cv_;
  std::thread sweeper_;  // instance expiry, once a second
};

}  // namespace pinpipe::kafka
