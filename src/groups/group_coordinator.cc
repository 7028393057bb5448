#include "groups/group_coordinator.h"

#include <algorithm>
#include <chrono>
#include <random>

namespace pinpipe::groups {
namespace {

// Kafka's error codes used by the group protocol.
constexpr int16_t kNone = 0;
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int16_t kIllegalGeneration = 22;
constexpr int16_t kInconsistentGroupProtocol = 23;
constexpr int16_t kInvalidGroupId = 24;
constexpr int16_t kUnknownMemberId = 25;
constexpr int16_t kInvalidSessionTimeout = 26;
constexpr int16_t kRebalanceInProgress = 27;
constexpr int16_t kNonEmptyGroup = 68;
constexpr int16_t kGroupIdNotFound = 69;

enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };

const char* StateName(State s) {
  switch (s) {
    case State::kEmpty: return "Empty";
    case State::kPreparingRebalance: return "PreparingRebalance";
    case State::kCompletingRebalance: return "CompletingRebalance";
    case State::kStable: return "Stable";
  }
  return "Dead";
}

}  // namespace

struct GroupCoordinator::Member {
  std::string id, client_id, client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::vector<std::pair<std::string, std::string>> protocols;
  std::string assignment;
  int64_t last_heartbeat_ms = 0;
  bool session_expires = true;
  std::function<void()> on_rebalance;
  std::optional<JoinCallback> join;  // parked JoinGroup
  std::optional<SyncCallback> sync;  // parked SyncGroup
  const std::string* Metadata(const std::string& protocol) const {
    for (const auto& [name, meta] : protocols) {
      if (name == protocol) return &meta;
    }
    return nullptr;
  }
};

struct GroupCoordinator::Group {
  std::string id;
  State state = State::kEmpty;
  int32_t generation = 0;
  std::string protocol_type, protocol, leader;
  std::map<std::string, Member> members;
  int64_t join_ready_ms = 0;     // a join round may end once everyone rejoined, not before
  int64_t join_deadline_ms = 0;  // and ends by then regardless
};

GroupCoordinator::GroupCoordinator(CoordinatorOptions options) : options_(std::move(options)) {}

GroupCoordinator::~GroupCoordinator() { Stop(); }

int64_t GroupCoordinator::Now() const { return options_.clock->SteadyMs(); }

void GroupCoordinator::Run(Actions& actions) {
  for (auto& a : actions) a();
  actions.clear();
}

void GroupCoordinator::Start() {
  ticker_ = std::thread([this] {
    UniqueMutexLock lock(mu_);
    while (!stop_) {
      (void)cv_.WaitFor(mu_, std::chrono::milliseconds(options_.tick_ms));
      if (stop_) break;
      lock.unlock();
      Tick();
      lock.lock();
    }
  });
}

void GroupCoordinator::Stop() {
  Actions actions;
  {
    MutexLock lock(mu_);
    if (stop_ && !ticker_.joinable()) return;
    stop_ = true;
    for (auto& [id, g] : groups_) {
      for (auto& [mid, m] : g->members) {
        if (m.join) {
          actions.push_back([cb = std::move(*m.join)]() mutable {
            JoinResult r;
            r.error = kCoordinatorNotAvailable;
            cb(std::move(r));
          });
          m.join.reset();
        }
        if (m.sync) {
          actions.push_back([cb = std::move(*m.sync)]() mutable {
            cb(SyncResult{kCoordinatorNotAvailable, {}});
          });
          m.sync.reset();
        }
      }
    }
  }
  cv_.NotifyAll();
  if (ticker_.joinable()) ticker_.join();
  Run(actions);
}

void GroupCoordinator::PrepareRebalance(Group& g, Actions& actions, bool initial_delay) {
  if (g.state == State::kCompletingRebalance) {
    for (auto& [id, m] : g.members) {
      if (m.sync) {
        actions.push_back([cb = std::move(*m.sync)]() mutable {
          cb(SyncResult{kRebalanceInProgress, {}});
        });
        m.sync.reset();
      }
    }
  }
  int64_t now = Now();
  int32_t timeout = 0;
  for (const auto& [id, m] : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  // Members without a heartbeat learn of the round now (they rejoin from their front end).
  for (const auto& [id, m] : g.members) {
    if (m.on_rebalance && !m.join) actions.push_back([cb = m.on_rebalance] { cb(); });
  }
  g.join_ready_ms = g.state == State::kEmpty && initial_delay ? now + options_.initial_rebalance_delay_ms : now;
  g.join_deadline_ms = std::max(now + timeout, g.join_ready_ms);
  g.state = State::kPreparingRebalance;
}

void GroupCoordinator::MaybeCompleteJoin(Group& g, Actions& actions, bool deadline_passed) {
  if (g.state != State::kPreparingRebalance) return;
  int64_t now = Now();
  bool all = std::all_of(g.members.begin(), g.members.end(),
                         [](const auto& kv) { return kv.second.join.has_value(); });
  if (!(all && now >= g.join_ready_ms) && !deadline_passed) return;
  // Members that did not rejoin in time leave the group.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second.join) {
      if (it->second.sync) {
        actions.push_back([cb = std::move(*it->second.sync)]() mutable {
          cb(SyncResult{kUnknownMemberId, {}});
        });
      }
      it = g.members.erase(it);
    } else {
      ++it;
    }
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.protocol.clear();
    g.leader.clear();
    return;
  }
  // The protocol every member supports with the most votes (each member votes for the first
  // of its protocols that all support).
  std::vector<std::string> candidates;
  for (const auto& [name, meta] : g.members.begin()->second.protocols) {
    bool everyone = std::all_of(g.members.begin(), g.members.end(),
                                [&](const auto& kv) { return kv.second.Metadata(name) != nullptr; });
    if (everyone) candidates.push_back(name);
  }
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& [name, meta] : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
    }
  }
  g.protocol.clear();
  int best = -1;
  for (const auto& name : candidates) {
    if (votes[name] > best) {
      best = votes[name];
      g.protocol = name;
    }
  }
  if (!g.members.contains(g.leader)) g.leader = g.members.begin()->first;
  g.state = State::kCompletingRebalance;
  for (auto& [id, m] : g.members) {
    m.last_heartbeat_ms = now;
    JoinResult r;
    r.generation = g.generation;
    r.protocol = g.protocol;
    r.leader = g.leader;
    r.member_id = id;
    if (id == g.leader) {
      for (const auto& [oid, om] : g.members) {
        const std::string* meta = om.Metadata(g.protocol);
        r.members.emplace_back(oid, meta ? *meta : std::string());
      }
    }
    actions.push_back([cb = std::move(*m.join), r = std::move(r)]() mutable { cb(std::move(r)); });
    m.join.reset();
  }
}

void GroupCoordinator::RemoveMember(Group& g, const std::string& member_id, Actions& actions) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  if (it->second.join) {
    actions.push_back([cb = std::move(*it->second.join)]() mutable {
      JoinResult r;
      r.error = kUnknownMemberId;
      cb(std::move(r));
    });
  }
  if (it->second.sync) {
    actions.push_back([cb = std::move(*it->second.sync)]() mutable {
      cb(SyncResult{kUnknownMemberId, {}});
    });
  }
  g.members.erase(it);
  if (g.members.empty()) {
    g.state = State::kEmpty;
    ++g.generation;
    g.protocol.clear();
    g.leader.clear();
    return;
  }
  if (g.state != State::kPreparingRebalance) PrepareRebalance(g, actions);
  MaybeCompleteJoin(g, actions, false);
}

void GroupCoordinator::Join(JoinRequest req, JoinCallback done) {
  Actions actions;
  auto fail = [&](int16_t code) {
    JoinResult r;
    r.error = code;
    r.member_id = req.member_id;
    done(std::move(r));
  };
  if (req.group_id.empty()) return fail(kInvalidGroupId);
  if (req.session_timeout_ms < options_.min_session_timeout_ms ||
      req.session_timeout_ms > options_.max_session_timeout_ms) {
    return fail(kInvalidSessionTimeout);
  }
  if (req.protocol_type.empty() || req.protocols.empty()) return fail(kInconsistentGroupProtocol);
  {
    MutexLock lock(mu_);
    if (stop_) {
      actions.push_back([&] { fail(kCoordinatorNotAvailable); });
    } else {
      auto& slot = groups_[req.group_id];
      if (!slot) {
        slot = std::make_unique<Group>();
        slot->id = req.group_id;
      }
      Group& g = *slot;
      bool known = !req.member_id.empty() && g.members.contains(req.member_id);
      if (!req.member_id.empty() && !known) {
        actions.push_back([&] { fail(kUnknownMemberId); });
      } else if (!g.members.empty() && g.protocol_type != req.protocol_type) {
        actions.push_back([&] { fail(kInconsistentGroupProtocol); });
      } else {
        // Every protocol the group speaks must keep at least one that this member speaks too.
        bool common = g.members.empty() || (g.members.size() == 1 && known);
        for (const auto& [name, meta] : req.protocols) {
          if (common) break;
          common = std::all_of(g.members.begin(), g.members.end(), [&](const auto& kv) {
            return kv.first == req.member_id || kv.second.Metadata(name) != nullptr;
          });
        }
        if (!common) {
          actions.push_back([&] { fail(kInconsistentGroupProtocol); });
        } else {
          if (!known) {
            static thread_local std::mt19937_64 rng{std::random_device{}()};
            char suffix[40];
            std::snprintf(suffix, sizeof suffix, "%016llx-%llu",
                          static_cast<unsigned long long>(rng()),
                          static_cast<unsigned long long>(++next_member_));
            req.member_id = (req.client_id.empty() ? std::string("member") : req.client_id) + "-" + suffix;
          }
          g.protocol_type = req.protocol_type;
          Member& m = g.members[req.member_id];
          m.id = req.member_id;
          m.client_id = req.client_id;
          m.client_host = req.client_host;
          m.session_timeout_ms = req.session_timeout_ms;
          m.rebalance_timeout_ms = req.rebalance_timeout_ms < 0 ? req.session_timeout_ms
                                                                : req.rebalance_timeout_ms;
          m.protocols = std::move(req.protocols);
          m.last_heartbeat_ms = Now();
          m.session_expires = req.session_expires;
          m.on_rebalance = std::move(req.on_rebalance);
          if (m.join) {  // a second join replaces the first, which learns it lost
            actions.push_back([cb = std::move(*m.join)]() mutable {
              JoinResult r;
              r.error = kUnknownMemberId;
              cb(std::move(r));
            });
          }
          m.join = std::move(done);
          if (g.state != State::kPreparingRebalance) PrepareRebalance(g, actions, req.initial_delay);
          MaybeCompleteJoin(g, actions, false);
        }
      }
    }
  }
  // The failure answers capture `req` and `done` by reference: both live until here.
  Run(actions);
}

void GroupCoordinator::Sync(const std::string& group_id, int32_t generation,
                            const std::string& member_id,
                            std::vector<std::pair<std::string, std::string>> assignments,
                            SyncCallback done) {
  Actions actions;
  int16_t error = kNone;
  std::optional<std::string> answer;
  {
    MutexLock lock(mu_);
    auto git = groups_.find(group_id);
    if (stop_) {
      error = kCoordinatorNotAvailable;
    } else if (git == groups_.end() || !git->second->members.contains(member_id)) {
      error = kUnknownMemberId;
    } else {
      Group& g = *git->second;
      Member& m = g.members[member_id];
      m.last_heartbeat_ms = Now();
      if (generation != g.generation) {
        error = kIllegalGeneration;
      } else if (g.state == State::kPreparingRebalance) {
        error = kRebalanceInProgress;
      } else if (g.state == State::kStable) {
        answer = m.assignment;
      } else {
        m.sync = std::move(done);
        if (member_id == g.leader) {
          for (auto& [id, om] : g.members) om.assignment.clear();
          for (auto& [id, a] : assignments) {
            if (auto it = g.members.find(id); it != g.members.end()) it->second.assignment = std::move(a);
          }
          g.state = State::kStable;
          for (auto& [id, om] : g.members) {
            if (om.sync) {
              actions.push_back([cb = std::move(*om.sync), a = om.assignment]() mutable {
                cb(SyncResult{kNone, std::move(a)});
              });
              om.sync.reset();
            }
          }
        }
      }
    }
  }
  if (error != kNone) {
    done(SyncResult{error, {}});
  } else if (answer) {
    done(SyncResult{kNone, std::move(*answer)});
  }
  Run(actions);
}

int16_t GroupCoordinator::Heartbeat(const std::string& group_id, int32_t generation,
                                    const std::string& member_id) {
  MutexLock lock(mu_);
  auto git = groups_.find(group_id);
  if (git == groups_.end() || !git->second->members.contains(member_id)) return kUnknownMemberId;
  Group& g = *git->second;
  g.members[member_id].last_heartbeat_ms = Now();
  if (generation != g.generation) return kIllegalGeneration;
  if (g.state == State::kPreparingRebalance) return kRebalanceInProgress;
  return kNone;
}

int16_t GroupCoordinator::Leave(const std::string& group_id, const std::string& member_id) {
  Actions actions;
  int16_t error = kNone;
  {
    MutexLock lock(mu_);
    auto git = groups_.find(group_id);
    if (git == groups_.end() || !git->second->members.contains(member_id)) {
      error = kUnknownMemberId;
    } else {
      RemoveMember(*git->second, member_id, actions);
    }
  }
  Run(actions);
  return error;
}

int16_t GroupCoordinator::CheckCommit(const std::string& group_id, int32_t generation,
                                      const std::string& member_id) {
  MutexLock lock(mu_);
  auto git = groups_.find(group_id);
  if (generation < 0 && member_id.empty()) {
    if (git == groups_.end() || git->second->members.empty()) return kNone;
    return kIllegalGeneration;
  }
  if (git == groups_.end() || !git->second->members.contains(member_id)) return kUnknownMemberId;
  Group& g = *git->second;
  if (generation != g.generation) return kIllegalGeneration;
  if (g.state == State::kCompletingRebalance) return kRebalanceInProgress;
  g.members[member_id].last_heartbeat_ms = Now();
  return kNone;
}

void GroupCoordinator::Tick() {
  Actions actions;
  {
    MutexLock lock(mu_);
    int64_t now = Now();
    for (auto& [gid, gp] : groups_) {
      Group& g = *gp;
      std::vector<std::string> expired;
      for (const auto& [id, m] : g.members) {
        // A member parked in JoinGroup is waiting for the others, not silent.
        // A member its front end keeps alive never expires here (it leaves by Leave).
        if (!m.join && m.session_expires && now - m.last_heartbeat_ms > m.session_timeout_ms) {
          expired.push_back(id);
        }
      }
      for (const auto& id : expired) RemoveMember(g, id, actions);
      if (g.state == State::kPreparingRebalance) {
        MaybeCompleteJoin(g, actions, now >= g.join_deadline_ms);
      }
    }
  }
  Run(actions);
}

std::vector<GroupListing> GroupCoordinator::List() const {
  MutexLock lock(mu_);
  std::vector<GroupListing> out;
  for (const auto& [id, g] : groups_) out.push_back({id, g->protocol_type, StateName(g->state)});
  return out;
}

GroupDescription GroupCoordinator::Describe(const std::string& group_id) const {
  MutexLock lock(mu_);
  GroupDescription d;
  d.group_id = group_id;
  auto git = groups_.find(group_id);
  if (git == groups_.end()) {
    d.state = "Dead";
    return d;
  }
  const Group& g = *git->second;
  d.state = StateName(g.state);
  d.protocol_type = g.protocol_type;
  d.protocol = g.protocol;
  for (const auto& [id, m] : g.members) {
    const std::string* meta = m.Metadata(g.protocol);
    d.members.push_back({id, m.client_id, m.client_host, meta ? *meta : std::string(), m.assignment});
  }
  return d;
}

int16_t GroupCoordinator::DeleteGroup(const std::string& group_id) {
  MutexLock lock(mu_);
  auto git = groups_.find(group_id);
  if (git == groups_.end()) return kGroupIdNotFound;
  // Members parked in a join round count too: they are about to be the group.
  if (!git->second->members.empty()) return kNonEmptyGroup;
  groups_.erase(git);
  return kNone;
}

}  // namespace pinpipe::groups
