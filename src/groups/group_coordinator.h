// GroupCoordinator: Kafka's classic consumer-group protocol (JoinGroup / SyncGroup / Heartbeat /
// LeaveGroup) as a state machine that knows no transport. A front end (the Kafka protocol
// handlers in src/kafka) turns requests into calls and calls back with the answers; callbacks
// run on the thread that completes them (a caller's or the ticker's), never under the lock.
//
// States (Kafka's GroupMetadata): Empty → PreparingRebalance → CompletingRebalance → Stable.
// A join, a leave or a member whose session expires starts a rebalance; the join round ends
// when every known member has rejoined (after group.initial.rebalance.delay.ms for a group
// that was empty) or at the members' largest rebalance timeout, dropping those that did not;
// then the generation increases, the protocol is chosen by vote, the leader gets every
// member's metadata and the followers none. The leader's SyncGroup hands out the assignments.
//
// Error answers are Kafka's error codes (the protocol's own vocabulary for groups).
// Committed offsets are not kept here: they live in the log's OffsetStore, shared with the
// REST Proxy's consumers; CheckCommit says whether a member may commit.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"

namespace pinpipe::groups {

struct CoordinatorOptions {
  int64_t initial_rebalance_delay_ms = 3000;  // group.initial.rebalance.delay.ms
  int32_t min_session_timeout_ms = 6000;      // group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;   // group.max.session.timeout.ms
  int64_t tick_ms = 100;
  // Steady time for the initial rebalance delay, session and rebalance timeouts; tests pass a
  // ManualClock and Tick.
  const Clock* clock = &Clock::System();
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;  // empty: a new member
  std::string client_id;
  std::string client_host;
  std::string protocol_type;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = -1;  // -1: the session timeout (JoinGroup v0)
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
  // A member its front end keeps alive (a REST Proxy consumer instance: no heartbeat thread,
  // its requests are its heartbeat): its session never expires, the front end calls Leave
  // when it ends. `on_rebalance` is then called (outside the lock, on the thread that started
  // the rebalance) whenever a rebalance starts while the member is not parked in a join, so
  // its front end rejoins at once — what a Kafka client learns from its next heartbeat.
  bool session_expires = true;
  std::function<void()> on_rebalance;
  // false: joining an empty group does not wait group.initial.rebalance.delay.ms (there is no
  // crowd of consumers starting together to wait for).
  bool initial_delay = true;
};

struct JoinResult {
  int16_t error = 0;
  int32_t generation = -1;
  std::string protocol;
  std::string leader;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> members;  // leader only: id, metadata
};

struct SyncResult {
  int16_t error = 0;
  std::string assignment;
};

struct MemberDescription {
  std::string member_id, client_id, client_host, metadata, assignment;
};

struct GroupDescription {
  int16_t error = 0;
  std::string group_id, state, protocol_type, protocol;
  std::vector<MemberDescription> members;
};

struct GroupListing {
  std::string group_id, protocol_type, state;
};

class GroupCoordinator {
 public:
  using JoinCallback = std::move_only_function<void(JoinResult)>;
  using SyncCallback = std::move_only_function<void(SyncResult)>;

  explicit GroupCoordinator(CoordinatorOptions options = {});
  ~GroupCoordinator();  // Stop()
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Starts the ticker thread (session expiry, join deadlines). Without it, call Tick().
  void Start();
  // Stops the ticker and answers every parked request with COORDINATOR_NOT_AVAILABLE.
  void Stop();
  // Expires sessions and completes join rounds whose time has come.
  void Tick();

  void Join(JoinRequest request, JoinCallback done);
  void Sync(const std::string& group_id, int32_t generation, const std::string& member_id,
            std::vector<std::pair<std::string, std::string>> assignments, SyncCallback done);
  int16_t Heartbeat(const std::string& group_id, int32_t generation, const std::string& member_id);
  int16_t Leave(const std::string& group_id, const std::string& member_id);
  // Whether an offset commit may proceed: generation -1 with an empty member id is a commit
  // outside group management (allowed unless the group has live members).
  int16_t CheckCommit(const std::string& group_id, int32_t generation, const std::string& member_id);
  const CoordinatorOptions& options() const { return options_; }

  std::vector<GroupListing> List() const;
  GroupDescription Describe(const std::string& group_id) const;
  // Forgets a group that has no members (Kafka's DeleteGroups, the membership half; its
  // committed offsets are the caller's: see group_admin.h). NON_EMPTY_GROUP while members
  // remain, GROUP_ID_NOT_FOUND when the coordinator does not know the group.
  int16_t DeleteGroup(const std::string& group_id);

 private:
  struct Member;
  struct Group;
  using Actions = std::vector<std::move_only_function<void()>>;
  int64_t Now() const;
  void PrepareRebalance(Group& g, Actions& actions, bool initial_delay = true) REQUIRES(mu_);
  void MaybeCompleteJoin(Group& g, Actions& actions, bool deadline_passed) REQUIRES(mu_);
  void RemoveMember(Group& g, const std::string& member_id, Actions& actions) REQUIRES(mu_);
  static void Run(Actions& actions);

  CoordinatorOptions options_;
  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<Group>, std::less<>> groups_ GUARDED_BY(mu_);
  uint64_t next_member_ GUARDED_BY(mu_) = 0;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread ticker_;
};

}  // namespace pinpipe::groups
