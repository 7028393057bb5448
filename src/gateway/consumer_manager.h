// REST Proxy v2 consumers (protocols.md §1.5): instances in groups, subscriptions with a range
// assignment of partitions among a group's members, manual assignments, positions, committed
// offsets (in the log's durable offset store), and long-polled record reads.
//
// Threads and locks (nothing here blocks a reactor):
//  - Handlers run on reactor threads only to copy the request (a `Call`) and post it to a small
//    WorkPool; every consumer operation runs there and answers through its Responder.
//  - `mu_` guards only the map of groups; each Group's `mu` guards its members' state. Neither
//    is held while reading the log, fsyncing a commit or matching a topic pattern: reads work
//    on a snapshot of positions and apply it only if the instance's `version` did not change
//    meanwhile; commits are snapshotted and written after unlocking; patterns (RE2, linear
//    time) are matched against a topic list taken outside the lock. One slow consumer delays
//    only its own request.
//  - Subscribed instances are members of a groups::GroupCoordinator group (the Kafka
//    listener's in embedded mode, so REST and Kafka consumers of one group share it; else one
//    of its own), protocol type "consumer", protocol "range". A round runs on callbacks: the
//    instance asks to join (from a worker), the coordinator answers when every member has
//    rejoined, a REST leader computes the range assignment, SyncGroup hands it out. No thread
//    waits for other members; reads of an instance in a round answer nothing (parked up to
//    their timeout) until its new assignment is applied. A rebalance the instance did not
//    start reaches it through JoinRequest::on_rebalance (its requests are its heartbeat; the
//    coordinator never expires it; deleting or expiring the instance leaves the group).
//  - A poller thread keeps the pending long polls (`poll_mu_`), woken by the log's
//    data-available callbacks or at their deadline, and hands each due poll back to the pool;
//    it also posts the expiry sweep of idle instances once a second.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "gateway/consumer_api.h"
#include "gateway/consumer_instance.h"
#include "gateway/work_pool.h"
#include "groups/group_coordinator.h"
#include "http/request.h"
#include "http/responder.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {

struct ConsumerOptions {
  int64_t instance_timeout_ms = 300000;  // consumer.instance.timeout.ms
  int64_t request_timeout_ms = 1000;     // consumer.request.timeout.ms
  int64_t max_bytes = 64 << 20;          // consumer.request.max.bytes
  size_t worker_threads = 4;             // blocking consumer work (reads, commits)
  size_t max_queued = 4096;              // consumer requests waiting for a worker; then 503
  const Clock* clock = &Clock::System();  // instance expiry and long-poll deadlines
  // The coordinator whose groups subscribed instances join (the Kafka listener's, so REST and
  // Kafka consumers share groups); null: the manager runs its own. Must outlive Stop().
  groups::GroupCoordinator* coordinator = nullptr;
  // The host REST members show in DescribeGroups (the REST Proxy is their Kafka client).
  std::string client_host = "/127.0.0.1";
};

class ConsumerManager final : public ConsumerApi {
 public:
  ConsumerManager(log::LogManager& log, ConsumerOptions options);
  ~ConsumerManager() override;  // Stop()
  // Answers pending long polls, finishes queued work and joins the threads.
  void Stop() override;
  // Whether the group has consumer instances (Kafka's DeleteGroups refuses such a group).
  bool HasInstances(const std::string& group) override;

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

  size_t instance_count() const { return instance_count_.load(std::memory_order_relaxed); }
  // The group's live instances, described ("rest:<name> subscribed to a,b"), for admin
  // actions that need the group empty (offset reset). Short locks only.
  std::vector<std::string> GroupMembers(const std::string& group) override;

  // What a handler needs of its request, copied on the reactor (the Request's views are not
  // used off it).
  struct Call {
    std::string group, instance, body, host, accept;
    std::optional<std::string> timeout, max_bytes;
  };

 private:
  struct Group;
  struct Poll;
  using Handler = void (ConsumerManager::*)(Call&, http::Responder&);

  void Dispatch(const http::Request& req, http::Responder r, Handler h);
  void DoCreate(Call& call, http::Responder& r);
  void DoDelete(Call& call, http::Responder& r);
  void DoSubscribe(Call& call, http::Responder& r);
  void DoGetSubscription(Call& call, http::Responder& r);
  void DoUnsubscribe(Call& call, http::Responder& r);
  void DoAssign(Call& call, http::Responder& r);
  void DoGetAssignments(Call& call, http::Responder& r);
  void DoSeek(Call& call, http::Responder& r);
  void DoSeekBeginning(Call& call, http::Responder& r);
  void DoSeekEnd(Call& call, http::Responder& r);
  void DoCommitOffsets(Call& call, http::Responder& r);
  void DoGetOffsets(Call& call, http::Responder& r);
  void DoRecords(Call& call, http::Responder& r);
  void SeekToEdge(Call& call, http::Responder& r, bool end);

  // The group and instance a call names; touches last_used. Takes `mu_` and the group's
  // mutex briefly; the returned group is not locked.
  struct Found {
    std::shared_ptr<Group> group;
    std::shared_ptr<ConsumerInstance> instance;
  };
  std::optional<Found> Find(const std::string& group, const std::string& instance);
  // Group membership (see the top of this file). JoinGroup starts a join round for a
  // subscribed instance (or marks one wanted when a round is in flight): it commits the
  // positions read so far (auto-commit) before its partitions can move, then asks the
  // coordinator, with no lock held. The callbacks run on whichever thread completes them
  // and only post blocking work to the pool.
  struct JoinMeta;
  void JoinGroup(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c);
  void OnRebalance(const std::weak_ptr<Group>& g, const std::weak_ptr<ConsumerInstance>& c);
  void OnJoined(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c,
                const std::shared_ptr<const JoinMeta>& meta, groups::JoinResult r);
  void OnSynced(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c,
                const std::shared_ptr<const JoinMeta>& meta, int32_t generation, groups::SyncResult s);
  void RejoinLater(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c);
  // Whether a member may commit (Kafka's generation check); true for non-members.
  bool MayCommit(const std::string& group, const std::string& member_id, int32_t generation);
  bool Post(WorkPool::Task task);  // to the pool, marking its threads as workers
  // True if topics or partitions changed since the instance's assignment (no lock held).
  bool AssignmentStale(const std::shared_ptr<Group>& g, const ConsumerInstance& c);
  // The instance's positions as commits (all, or only `only`), without those in a topic
  // deleted since the assignment; requires the group lock.
  std::vector<std::pair<TopicPartition, int64_t>> CommitSnapshot(
      const ConsumerInstance& c, const std::vector<TopicPartition>* only = nullptr) const;
  // Durable when it returns; called with no lock held.
  Status CommitNow(const std::string& group,
                   const std::vector<std::pair<TopicPartition, int64_t>>& commits);
  void RemoveInstance(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c);
  void SweepExpired();

  // Long polls: one read attempt on a worker (see consumer_manager.cc).
  void Attempt(const std::shared_ptr<Poll>& poll);
  void Park(const std::shared_ptr<Poll>& poll);  // wait for data or the deadline
  void Finish(const std::shared_ptr<Poll>& poll, http::Response response);
  void PollerLoop();
  int64_t NowMs() const;

  log::LogManager& log_;
  ConsumerOptions options_;
  std::unique_ptr<groups::GroupCoordinator> own_coordinator_;  // when options_ names none
  groups::GroupCoordinator* coordinator_;
  WorkPool pool_;
  std::atomic<size_t> instance_count_{0};

  Mutex mu_;  // taken before a Group::mu, never while holding one
  std::map<std::string, std::shared_ptr<Group>, std::less<>> groups_ GUARDED_BY(mu_);

  Mutex poll_mu_;
  std::vector<std::shared_ptr<Poll>> polls_ GUARDED_BY(poll_mu_);
  CondVar cv_;
  bool wake_ GUARDED_BY(poll_mu_) = false;
  bool stop_ GUARDED_BY(poll_mu_) = false;
  std::atomic<bool> stopping_{false};
  std::thread poller_;
};

}  // namespace pinpipe::gateway
