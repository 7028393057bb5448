#include "gateway/consumer_manager.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>
#include <set>

#include "common/json_validator.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "gateway/consumer_requests.h"
#include "gateway/rest_errors.h"
#include "groups/consumer_protocol.h"
#include "groups/range_assignor.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {
namespace {

http::Response Error(const ApiError& e) { return RestError(e.code, e.message); }

http::Response IllegalState(std::string_view what) {
  return RestError(rest_code::kIllegalState, "Illegal state: " + std::string(what));
}

http::Response NoAssignment(const TopicPartition& tp) {
  return IllegalState("No current assignment for partition " + tp.first + "-" + std::to_string(tp.second));
}

// A failed durable write of offsets: the REST Proxy's 500 shape.
http::Response CommitFailed(const pinpipe::Error& e) {
  return RestError(rest_code::kKafkaError, "Kafka error: offset commit failed: " + e.message());
}

std::string NewInstanceName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng(), b = rng();
  std::string s = "rest-consumer-";
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s += '-';
    uint64_t w = i < 16 ? a : b;
    s += kHex[(w >> ((i % 16) * 4)) & 15];
  }
  return s;
}

void AppendTopicPartitionJson(std::string& out, const TopicPartition& tp) {
  out += "{\"topic\":";
  AppendJsonString(out, tp.first);
  out += ",\"partition\":";
  AppendJsonInt(out, tp.second);
  out += '}';
}

bool MatchesPattern(const Subscription& s, std::string_view topic) {
  return RE2::FullMatch(re2::StringPiece(topic.data(), topic.size()), *s.pattern);
}

// Kafka's error codes the membership round reacts to.
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int16_t kIllegalGeneration = 22;
constexpr int16_t kUnknownMemberId = 25;

// A REST member's rebalance timeout: it rejoins from the pool as soon as a round starts, so
// this only bounds how long a round waits for an instance whose rejoin could not be queued.
constexpr int32_t kRestRebalanceTimeoutMs = 60000;

// Set on the pool's threads: a coordinator callback arriving there may do blocking work
// (commits) inline; elsewhere (a Kafka connection's thread, the ticker) it is posted.
thread_local bool tl_worker = false;

}  // namespace

struct ConsumerManager::Group {
  std::string name;
  Mutex mu;
  // By instance name. The instances' fields are guarded by this mutex too (see
  // consumer_instance.h).
  std::map<std::string, std::shared_ptr<ConsumerInstance>> members GUARDED_BY(mu);
};

// What a join round was asked with: the subscribed topics' partition counts and ids at that
// moment (the assignment is computed from them; a later change is noticed by AssignmentStale).
struct ConsumerManager::JoinMeta {
  std::map<std::string, int32_t> from;
  std::map<std::string, uint64_t> ids;
};

// One GET records request, from its first read attempt to its answer. It belongs to one
// thread at a time: the worker running Attempt, or the poller while it is parked.
struct ConsumerManager::Poll {
  std::shared_ptr<Group> group;
  std::shared_ptr<ConsumerInstance> instance;
  http::Responder responder;
  EmbeddedFormat format = EmbeddedFormat::kBinary;
  int64_t deadline_ms = 0;
  int64_t max_bytes = 0;
  int64_t min_bytes = 1;
  // The read so far, not yet applied to the instance: records (comma-separated JSON objects),
  // their key+value bytes, and the next offset of every owned partition after them.
  bool started = false;
  uint64_t version = 0;  // the instance's version the cursor was taken at
  size_t start = 0;      // round-robin start among partitions
  std::map<TopicPartition, int64_t> cursor;
  std::string body;
  int64_t collected = 0;
  bool any = false;
  bool full = false;  // the next record would exceed max_bytes
  bool moved = false;  // the cursor stepped over a damaged stretch or an unreadable record
  // ---- guarded by poll_mu_ while parked
  std::vector<log::LogManager::WaitId> waits;
  bool woken = false;
};

ConsumerManager::ConsumerManager(log::LogManager& log, ConsumerOptions options)
    : log_(log),
      options_(options),
      own_coordinator_(options.coordinator ? nullptr
                                           : std::make_unique<groups::GroupCoordinator>(
                                                 groups::CoordinatorOptions{.clock = options.clock})),
      coordinator_(options.coordinator ? options.coordinator : own_coordinator_.get()),
      pool_(std::max<size_t>(options.worker_threads, 1), options.max_queued) {
  if (own_coordinator_) own_coordinator_->Start();
  poller_ = std::thread([this] { PollerLoop(); });
}

bool ConsumerManager::Post(WorkPool::Task task) {
  return pool_.Post([t = std::move(task)]() mutable {
    tl_worker = true;
    t();
  });
}

ConsumerManager::~ConsumerManager() { Stop(); }

void ConsumerManager::Stop() {
  if (stopping_.exchange(true)) return;
  {
    MutexLock lock(poll_mu_);
    stop_ = true;
  }
  cv_.NotifyAll();
  if (poller_.joinable()) poller_.join();
  std::vector<std::shared_ptr<Poll>> parked;
  {
    MutexLock lock(poll_mu_);
    parked.swap(polls_);
  }
  for (auto& p : parked) {
    for (auto id : p->waits) log_.CancelWait(id);
    Finish(p, RestJson(200, "[]"));
  }
  // The instances leave their groups (a Kafka member left alone takes every partition); the
  // callbacks of rounds in flight see stopping_ and do nothing more.
  std::vector<std::pair<std::string, std::string>> members;
  {
    MutexLock lock(mu_);
    for (auto& [name, g] : groups_) {
      MutexLock glock(g->mu);
      for (auto& [n, c] : g->members) {
        if (!c->member_id.empty()) members.emplace_back(name, std::exchange(c->member_id, {}));
      }
    }
  }
  for (const auto& [group, member] : members) coordinator_->Leave(group, member);
  pool_.Stop();  // queued work sees stopping_ and answers at once
  if (own_coordinator_) own_coordinator_->Stop();
}

int64_t ConsumerManager::NowMs() const { return options_.clock->SteadyMs(); }

// ---- dispatch: copy the request on the reactor, run on a worker

void ConsumerManager::Dispatch(const http::Request& req, http::Responder r, Handler h) {
  struct Job {
    Call call;
    http::Responder r;
  };
  auto job = std::make_shared<Job>();
  Call& c = job->call;
  c.group = std::string(req.PathParam("group"));
  c.instance = std::string(req.PathParam("instance"));
  c.body = std::string(req.body);
  c.host = std::string(req.Header("Host"));
  c.accept = std::string(req.Header("Accept"));
  if (auto t = req.QueryParam("timeout")) c.timeout = std::string(*t);
  if (auto m = req.QueryParam("max_bytes")) c.max_bytes = std::string(*m);
  job->r = std::move(r);
  if (!Post([this, job, h] { (this->*h)(job->call, job->r); })) {
    job->r.Send(RestError(rest_code::kKafkaRetriable,
                          "the server is overloaded with consumer requests or stopping; retry later"));
  }
}

void ConsumerManager::Create(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoCreate); }
void ConsumerManager::Delete(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoDelete); }
void ConsumerManager::Subscribe(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoSubscribe); }
void ConsumerManager::GetSubscription(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoGetSubscription); }
void ConsumerManager::Unsubscribe(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoUnsubscribe); }
void ConsumerManager::Assign(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoAssign); }
void ConsumerManager::GetAssignments(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoGetAssignments); }
void ConsumerManager::Seek(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoSeek); }
void ConsumerManager::SeekBeginning(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoSeekBeginning); }
void ConsumerManager::SeekEnd(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoSeekEnd); }
void ConsumerManager::CommitOffsets(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoCommitOffsets); }
void ConsumerManager::GetOffsets(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoGetOffsets); }
void ConsumerManager::Records(const http::Request& q, http::Responder r) { Dispatch(q, std::move(r), &ConsumerManager::DoRecords); }

// ---- instances and groups

bool ConsumerManager::HasInstances(const std::string& group) {
  std::shared_ptr<Group> g;
  {
    MutexLock lock(mu_);
    auto it = groups_.find(group);
    if (it == groups_.end()) return false;
    g = it->second;
  }
  MutexLock lock(g->mu);
  return !g->members.empty();
}

std::optional<ConsumerManager::Found> ConsumerManager::Find(const std::string& group,
                                                            const std::string& instance) {
  std::shared_ptr<Group> g;
  {
    MutexLock lock(mu_);
    auto it = groups_.find(group);
    if (it == groups_.end()) return std::nullopt;
    g = it->second;
  }
  MutexLock lock(g->mu);
  auto it = g->members.find(instance);
  if (it == g->members.end()) return std::nullopt;
  it->second->last_used_ms.store(NowMs(), std::memory_order_relaxed);
  return Found{g, it->second};
}

std::vector<std::string> ConsumerManager::GroupMembers(const std::string& group) {
  std::shared_ptr<Group> g;
  {
    MutexLock lock(mu_);
    auto it = groups_.find(group);
    if (it == groups_.end()) return {};
    g = it->second;
  }
  std::vector<std::string> out;
  MutexLock lock(g->mu);
  for (const auto& [name, c] : g->members) {
    if (c->removed) continue;
    std::string d = "rest:" + name;
    if (c->subscribed()) {
      d += c->subscription->pattern ? " subscribed to /" + c->subscription->pattern_text + "/" : " subscribed to ";
      for (size_t i = 0; i < c->subscription->topics.size(); ++i) {
        d += (i ? "," : "") + c->subscription->topics[i];
      }
    } else if (c->manual) {
      d += " with manual assignment";
    }
    out.push_back(std::move(d));
  }
  return out;
}

void ConsumerManager::DoCreate(Call& call, http::Responder& r) {
  if (auto bad = CheckGroupName(call.group)) return r.Send(Error(*bad));
  auto settings = ParseCreateRequest(call.body);
  if (!settings) return r.Send(Error(settings.error()));
  auto c = std::make_shared<ConsumerInstance>();
  c->group = call.group;
  c->settings = std::move(*settings);
  if (c->settings.name.empty()) c->settings.name = NewInstanceName();
  c->last_used_ms.store(NowMs());

  std::string host = call.host.empty() ? "127.0.0.1" : call.host;
  std::string body = "{\"instance_id\":";
  AppendJsonString(body, c->name());
  body += ",\"base_uri\":";
  // Encoded segments, as the REST Proxy's UriBuilder.path() writes them: a client that
  // follows base_uri reaches this instance whatever its group's and its name's bytes.
  AppendJsonString(body, "http://" + host + "/consumers/" + http::PercentEncodeSegment(c->group) + "/instances/" +
                             http::PercentEncodeSegment(c->name()));
  body += '}';
  {
    MutexLock lock(mu_);
    auto& g = groups_[c->group];
    if (!g) {
      g = std::make_shared<Group>();
      g->name = c->group;
    }
    MutexLock glock(g->mu);
    if (!g->members.emplace(c->name(), c).second) {
      return r.Send(RestError(rest_code::kConsumerAlreadyExists,
                              "Consumer with specified consumer ID already exists in the specified consumer group."));
    }
  }
  instance_count_.fetch_add(1, std::memory_order_relaxed);
  r.Send(RestJson(200, std::move(body)));
}

std::vector<std::pair<TopicPartition, int64_t>> ConsumerManager::CommitSnapshot(
    const ConsumerInstance& c, const std::vector<TopicPartition>* only) const {
  std::vector<std::pair<TopicPartition, int64_t>> out;
  // A position in a topic that was deleted since the assignment is no position in the topic
  // there now (created again under the name): never committed.
  auto current = [&](const TopicPartition& tp) {
    auto it = c.assigned_ids.find(tp.first);
    if (it == c.assigned_ids.end()) return true;
    auto info = log_.GetTopic(tp.first);
    return info && info->id == it->second;
  };
  if (only) {
    for (const auto& tp : *only) {
      auto it = c.positions.find(tp);
      if (it != c.positions.end() && it->second >= 0 && current(tp)) out.emplace_back(tp, it->second);
    }
  } else {
    for (const auto& [tp, pos] : c.positions) {
      if (pos >= 0 && current(tp)) out.emplace_back(tp, pos);
    }
  }
  return out;
}

Status ConsumerManager::CommitNow(const std::string& group,
                                  const std::vector<std::pair<TopicPartition, int64_t>>& commits) {
  if (commits.empty()) return OkStatus();
  std::vector<log::OffsetCommit> list;
  list.reserve(commits.size());
  for (const auto& [tp, pos] : commits) list.push_back(log::OffsetCommit{tp.first, tp.second, pos, ""});
  return log_.offsets().Commit(group, list);
}

void ConsumerManager::RemoveInstance(const std::shared_ptr<Group>& g,
                                     const std::shared_ptr<ConsumerInstance>& c) {
  std::vector<std::pair<TopicPartition, int64_t>> commits;
  std::string member_id;
  int32_t generation = -1;
  {
    MutexLock lock(g->mu);
    if (c->removed) return;
    if (c->settings.auto_commit && !c->rebalancing) commits = CommitSnapshot(*c);
    member_id = c->member_id;
    generation = c->generation;
  }
  if (!commits.empty() && MayCommit(g->name, member_id, generation)) {
    if (Status st = CommitNow(g->name, commits); !st) {
      spdlog::warn("rest consumer {}/{}: auto-commit at removal failed: {}", g->name, c->name(),
                   st.error().ToString());
    }
  }
  {
    MutexLock lock(mu_);
    MutexLock glock(g->mu);
    if (c->removed) return;
    c->removed = true;
    member_id = std::exchange(c->member_id, {});
    g->members.erase(c->name());
    auto it = groups_.find(g->name);
    if (g->members.empty() && it != groups_.end() && it->second == g) groups_.erase(it);
  }
  instance_count_.fetch_sub(1, std::memory_order_relaxed);
  // Leaving starts the round that hands its partitions to the others (a round in flight for
  // it ends in OnJoined/OnSynced, which see `removed`).
  if (!member_id.empty()) coordinator_->Leave(g->name, member_id);
}

void ConsumerManager::DoDelete(Call& call, http::Responder& r) {
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  RemoveInstance(f->group, f->instance);
  r.Send(http::Response::NoContent());
}

void ConsumerManager::SweepExpired() {
  const int64_t now = NowMs();
  std::vector<Found> expired;
  {
    MutexLock lock(mu_);
    for (auto& [name, g] : groups_) {
      MutexLock glock(g->mu);
      for (auto& [n, c] : g->members) {
        if (now - c->last_used_ms.load(std::memory_order_relaxed) > options_.instance_timeout_ms) {
          expired.push_back(Found{g, c});
        }
      }
    }
  }
  for (auto& f : expired) RemoveInstance(f.group, f.instance);
}

// ---- subscriptions and assignments

void ConsumerManager::DoSubscribe(Call& call, http::Responder& r) {
  // Parsed and compiled (RE2, bounded) before any lock.
  auto sub = ParseSubscription(call.body);
  if (!sub) return r.Send(Error(sub.error()));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  {
    MutexLock lock(f->group->mu);
    ConsumerInstance& c = *f->instance;
    if (c.removed) return r.Send(InstanceNotFound());
    if (c.manual) {
      return r.Send(IllegalState("Subscription to topics, partitions and pattern are mutually exclusive"));
    }
    c.subscription = std::move(*sub);
  }
  // A group of REST instances only is assigned before the answer; with Kafka members the round
  // ends when they have rejoined, and reads wait for it.
  JoinGroup(f->group, f->instance);
  r.Send(http::Response::NoContent());
}

void ConsumerManager::DoGetSubscription(Call& call, http::Responder& r) {
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  std::vector<std::string> topics;
  {
    MutexLock lock(f->group->mu);
    const ConsumerInstance& c = *f->instance;
    if (c.subscription) {
      topics = c.subscription->topics;
      if (c.subscription->pattern) {
        for (const auto& [t, n] : c.assigned_from) topics.push_back(t);
      }
    }
  }
  std::string body = "{\"topics\":[";
  for (size_t i = 0; i < topics.size(); ++i) {
    if (i) body += ',';
    AppendJsonString(body, topics[i]);
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

void ConsumerManager::DoUnsubscribe(Call& call, http::Responder& r) {
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  std::vector<std::pair<TopicPartition, int64_t>> commits;
  std::string member_id;
  int32_t generation = -1;
  {
    MutexLock lock(f->group->mu);
    ConsumerInstance& c = *f->instance;
    if (c.subscribed()) {
      if (c.settings.auto_commit && !c.rebalancing) commits = CommitSnapshot(c);
      c.subscription.reset();
      c.assigned_from.clear();
      c.assigned_ids.clear();
      member_id = std::exchange(c.member_id, {});
      generation = std::exchange(c.generation, -1);
      c.rebalancing = false;
    } else if (c.manual) {
      c.manual = false;
    }
    c.positions.clear();
    ++c.version;
  }
  // Committed before the partitions move, so their next owner starts there.
  if (!commits.empty() && MayCommit(f->group->name, member_id, generation)) {
    if (Status st = CommitNow(f->group->name, commits); !st) return r.Send(CommitFailed(st.error()));
  }
  if (!member_id.empty()) coordinator_->Leave(f->group->name, member_id);
  r.Send(http::Response::NoContent());
}

void ConsumerManager::DoAssign(Call& call, http::Responder& r) {
  auto parts = ParsePartitionList(call.body);
  if (!parts) return r.Send(Error(parts.error()));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  MutexLock lock(f->group->mu);
  ConsumerInstance& c = *f->instance;
  if (c.subscribed()) {
    return r.Send(IllegalState("Subscription to topics, partitions and pattern are mutually exclusive"));
  }
  c.manual = true;
  std::map<TopicPartition, int64_t> positions;
  for (auto& tp : *parts) {
    auto old = c.positions.find(tp);
    positions[tp] = old == c.positions.end() ? -1 : old->second;
  }
  c.positions = std::move(positions);
  ++c.version;
  r.Send(http::Response::NoContent());
}

void ConsumerManager::DoGetAssignments(Call& call, http::Responder& r) {
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  if (AssignmentStale(f->group, *f->instance)) JoinGroup(f->group, f->instance);
  std::string body = "{\"partitions\":[";
  {
    MutexLock lock(f->group->mu);
    bool first = true;
    for (const auto& [tp, pos] : f->instance->positions) {
      if (!first) body += ',';
      first = false;
      AppendTopicPartitionJson(body, tp);
    }
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

// ---- group membership (the coordinator's "consumer" protocol; see consumer_manager.h)

bool ConsumerManager::MayCommit(const std::string& group, const std::string& member_id, int32_t generation) {
  // Not a member (manual assignment, or before the first join): outside group management, as
  // before; a member commits as a Kafka member does, with its generation.
  return member_id.empty() || coordinator_->CheckCommit(group, generation, member_id) == 0;
}

void ConsumerManager::RejoinLater(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c) {
  if (stopping_.load()) return;
  if (!Post([this, g, c] { JoinGroup(g, c); })) {
    // The pool is full: the next read of the instance starts the round (Attempt).
    spdlog::warn("rest consumer {}/{}: rejoining its group must wait for the next read: the pool is full",
                 g->name, c->name());
  }
}

void ConsumerManager::OnRebalance(const std::weak_ptr<Group>& wg, const std::weak_ptr<ConsumerInstance>& wc) {
  if (stopping_.load()) return;
  auto g = wg.lock();
  auto c = wc.lock();
  if (!g || !c) return;
  // On a worker (a REST request started the round: another instance subscribed or left) the
  // rejoin runs at once, so that request's answer comes after the group's new assignment.
  if (tl_worker) return JoinGroup(g, c);
  RejoinLater(g, c);
}

void ConsumerManager::JoinGroup(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c) {
  std::shared_ptr<const Subscription> sub;
  std::vector<std::pair<TopicPartition, int64_t>> commits;
  std::string member_id;
  int32_t generation = -1;
  {
    MutexLock lock(g->mu);
    if (c->removed || !c->subscribed() || stopping_.load()) return;
    if (c->joining) {
      c->rejoin = true;
      return;
    }
    c->joining = true;
    c->rejoin = false;
    if (!c->rebalancing) {
      // Reads stop here (a read in flight finds the version moved and does not apply).
      c->rebalancing = true;
      ++c->version;
      // Eager protocol: what was read is committed before any partition can move, as a Kafka
      // consumer commits in onPartitionsRevoked before it rejoins.
      if (c->settings.auto_commit) commits = CommitSnapshot(*c);
    }
    sub = c->subscription;
    member_id = c->member_id;
    generation = c->generation;
  }
  if (!commits.empty() && MayCommit(g->name, member_id, generation)) {
    if (Status st = CommitNow(g->name, commits); !st) {
      spdlog::warn("rest consumer {}/{}: auto-commit before rejoining failed: {}", g->name, c->name(),
                   st.error().ToString());
    }
  }
  // The subscription's topics (pattern matched without any lock; RE2 is linear).
  std::vector<std::string> topics = sub->topics;
  if (sub->pattern) {
    for (const auto& t : log_.ListTopics()) {
      if (MatchesPattern(*sub, t.name)) topics.push_back(t.name);
    }
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  }
  auto meta = std::make_shared<JoinMeta>();
  for (const auto& t : topics) {
    auto info = log_.GetTopic(t);
    meta->from[t] = info ? info->partitions : 0;
    meta->ids[t] = info ? info->id : 0;
  }
  const auto& co = coordinator_->options();
  groups::JoinRequest req;
  req.group_id = g->name;
  req.member_id = std::move(member_id);
  req.client_id = c->name();
  req.client_host = options_.client_host;
  req.protocol_type = "consumer";
  req.session_timeout_ms = static_cast<int32_t>(std::clamp<int64_t>(
      options_.instance_timeout_ms, co.min_session_timeout_ms, co.max_session_timeout_ms));
  req.rebalance_timeout_ms = kRestRebalanceTimeoutMs;
  req.protocols.emplace_back("range", groups::EncodeSubscription(topics));
  req.session_expires = false;  // the instance's expiry (consumer.instance.timeout.ms) leaves
  req.initial_delay = false;
  req.on_rebalance = [this, wg = std::weak_ptr<Group>(g), wc = std::weak_ptr<ConsumerInstance>(c)] {
    OnRebalance(wg, wc);
  };
  coordinator_->Join(std::move(req), [this, g, c, meta = std::shared_ptr<const JoinMeta>(meta)](
                                         groups::JoinResult r) { OnJoined(g, c, meta, std::move(r)); });
}

void ConsumerManager::OnJoined(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c,
                               const std::shared_ptr<const JoinMeta>& meta, groups::JoinResult r) {
  if (r.error != 0) {
    bool again = false;
    {
      MutexLock lock(g->mu);
      c->joining = false;
      if (r.error == kUnknownMemberId) {
        c->member_id.clear();
        c->generation = -1;
      }
      again = !c->removed && c->subscribed() && (c->rejoin || r.error == kUnknownMemberId);
    }
    if (r.error != kUnknownMemberId && r.error != kCoordinatorNotAvailable) {
      // INCONSISTENT_GROUP_PROTOCOL: the group's Kafka members speak no "range" (or another
      // protocol type); the instance stays without partitions and tries again at its reads.
      static std::atomic<int64_t> last_warn{0};
      const int64_t now = NowMs();
      if (now - last_warn.exchange(now) > 10000) spdlog::warn("rest consumer {}/{}: joining the group failed with Kafka error {}", g->name, c->name(),
                   r.error);
    }
    if (again) RejoinLater(g, c);
    return;
  }
  bool leave = false;
  {
    MutexLock lock(g->mu);
    if (c->removed || !c->subscribed() || stopping_.load()) {
      leave = true;
      c->joining = false;
    } else {
      c->member_id = r.member_id;
      c->generation = r.generation;
    }
  }
  if (leave) {
    coordinator_->Leave(g->name, r.member_id);
    return;
  }
  std::vector<std::pair<std::string, std::string>> assignments;
  if (r.leader == r.member_id) {
    // The leader assigns for everyone, Kafka members included (in memory: no I/O here).
    assignments = groups::RangeAssign(r.members, [&](const std::string& topic) {
      auto info = log_.GetTopic(topic);
      return info ? info->partitions : 0;
    });
  }
  const int32_t generation = r.generation;
  coordinator_->Sync(g->name, generation, r.member_id, std::move(assignments),
                     [this, g, c, meta, generation](groups::SyncResult s) {
                       OnSynced(g, c, meta, generation, std::move(s));
                     });
}

void ConsumerManager::OnSynced(const std::shared_ptr<Group>& g, const std::shared_ptr<ConsumerInstance>& c,
                               const std::shared_ptr<const JoinMeta>& meta, int32_t generation,
                               groups::SyncResult s) {
  std::optional<groups::TopicPartitionList> assigned;
  if (s.error == 0) {
    assigned = groups::DecodeAssignment(s.assignment);
    if (!assigned) {
      spdlog::warn("rest consumer {}/{}: the leader's assignment does not decode; no partitions", g->name,
                   c->name());
      assigned.emplace();
    }
  }
  bool again = false;
  {
    MutexLock lock(g->mu);
    c->joining = false;
    if (s.error != 0) {
      if (s.error == kUnknownMemberId) {
        c->member_id.clear();
        c->generation = -1;
      }
      // REBALANCE_IN_PROGRESS: the new round's on_rebalance rejoins (already called, or set
      // `rejoin` while this round was in flight).
      again = !c->removed && c->subscribed() &&
              (c->rejoin || s.error == kUnknownMemberId || s.error == kIllegalGeneration);
    } else if (!c->removed && c->subscribed()) {
      std::set<TopicPartition> target;
      for (const auto& [topic, parts] : *assigned) {
        for (int32_t p : parts) target.emplace(topic, p);
      }
      for (auto it = c->positions.begin(); it != c->positions.end();) {
        // Revoked partitions go (their positions were committed before the round, with
        // auto-commit); so do positions in a topic deleted (and maybe created again) since
        // the last assignment: not positions in the topic there now.
        auto old_id = c->assigned_ids.find(it->first.first);
        auto new_id = meta->ids.find(it->first.first);
        const bool recreated = old_id != c->assigned_ids.end() &&
                               (new_id == meta->ids.end() || new_id->second != old_id->second);
        if (recreated || !target.count(it->first)) {
          it = c->positions.erase(it);
        } else {
          ++it;
        }
      }
      for (const auto& tp : target) c->positions.emplace(tp, -1);  // -1: committed or reset
      c->assigned_from = meta->from;
      c->assigned_ids = meta->ids;
      c->generation = generation;
      c->rebalancing = false;
      ++c->version;
      again = c->rejoin;
    }
  }
  if (again) RejoinLater(g, c);
}

bool ConsumerManager::AssignmentStale(const std::shared_ptr<Group>& g, const ConsumerInstance& c) {
  std::shared_ptr<const Subscription> sub;
  std::map<std::string, int32_t> from;
  std::map<std::string, uint64_t> ids;
  {
    MutexLock lock(g->mu);
    if (!c.subscribed()) return false;
    sub = c.subscription;
    from = c.assigned_from;
    ids = c.assigned_ids;
  }
  auto id_changed = [&](const log::TopicInfo& t) {
    auto it = ids.find(t.name);
    return it != ids.end() && it->second != t.id;
  };
  if (sub->pattern) {
    size_t matching = 0;
    for (const auto& t : log_.ListTopics()) {
      if (!MatchesPattern(*sub, t.name)) continue;
      ++matching;
      auto it = from.find(t.name);
      if (it == from.end() || it->second != t.partitions || id_changed(t)) return true;
    }
    return matching != from.size();
  }
  for (const auto& [t, n] : from) {
    auto info = log_.GetTopic(t);
    if ((info ? info->partitions : 0) != n) return true;
    if (info && id_changed(*info)) return true;
  }
  return false;
}

// ---- positions

void ConsumerManager::DoSeek(Call& call, http::Responder& r) {
  auto req = ParseSeek(call.body);
  if (!req) return r.Send(Error(req.error()));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  {
    MutexLock lock(f->group->mu);
    for (const auto& o : req->offsets) {
      if (!f->instance->positions.count(o.tp)) return r.Send(NoAssignment(o.tp));
    }
    for (const auto& [tp, ts] : req->timestamps) {
      if (!f->instance->positions.count(tp)) return r.Send(NoAssignment(tp));
    }
  }
  // Timestamps scan batch headers on disk: done here, on a worker, with no lock held.
  std::vector<std::pair<TopicPartition, int64_t>> by_time;
  for (const auto& [tp, ts] : req->timestamps) {
    auto off = log_.OffsetForTimestamp(tp.first, tp.second, ts);
    if (!off) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
    int64_t o = *off;
    if (o < 0) {
      auto info = log_.GetPartitionInfo(tp.first, tp.second);
      o = info ? info->high_watermark : 0;
    }
    by_time.emplace_back(tp, o);
  }
  MutexLock lock(f->group->mu);
  ConsumerInstance& c = *f->instance;
  for (const auto& o : req->offsets) {
    if (!c.positions.count(o.tp)) return r.Send(NoAssignment(o.tp));
  }
  for (const auto& [tp, o] : by_time) {
    if (!c.positions.count(tp)) return r.Send(NoAssignment(tp));
  }
  for (const auto& o : req->offsets) c.positions[o.tp] = o.offset;
  for (const auto& [tp, o] : by_time) c.positions[tp] = o;
  ++c.version;
  r.Send(http::Response::NoContent());
}

void ConsumerManager::DoSeekBeginning(Call& call, http::Responder& r) { SeekToEdge(call, r, false); }
void ConsumerManager::DoSeekEnd(Call& call, http::Responder& r) { SeekToEdge(call, r, true); }

void ConsumerManager::SeekToEdge(Call& call, http::Responder& r, bool end) {
  auto parts = ParsePartitionList(call.body);
  if (!parts) return r.Send(Error(parts.error()));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  MutexLock lock(f->group->mu);
  ConsumerInstance& c = *f->instance;
  for (auto& tp : *parts) {
    if (!c.positions.count(tp)) return r.Send(NoAssignment(tp));
  }
  for (auto& tp : *parts) {
    auto info = log_.GetPartitionInfo(tp.first, tp.second);  // in memory
    c.positions[tp] = !info ? 0 : end ? info->high_watermark : info->log_start_offset;
  }
  ++c.version;
  r.Send(http::Response::NoContent());
}

// ---- committed offsets

void ConsumerManager::DoCommitOffsets(Call& call, http::Responder& r) {
  auto list = ParseCommit(call.body);
  if (!list) return r.Send(Error(list.error()));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  // A subscribed instance commits as a group member: refused, as Kafka refuses a member's
  // commit, while a round is moving partitions or after its generation ended.
  std::string member_id;
  int32_t generation = -1;
  bool member = false;
  {
    MutexLock lock(f->group->mu);
    member = f->instance->subscribed();
    member_id = f->instance->member_id;
    generation = f->instance->generation;
  }
  if (member && (member_id.empty() || !MayCommit(f->group->name, member_id, generation))) {
    return r.Send(RestError(rest_code::kKafkaError,
                            "Kafka error: CommitFailedException: the group is rebalancing or this "
                            "instance's generation ended; read again (the new assignment) and commit then"));
  }
  if (!*list) {
    // No list: everything consumed so far.
    std::vector<std::pair<TopicPartition, int64_t>> commits;
    {
      MutexLock lock(f->group->mu);
      commits = CommitSnapshot(*f->instance);
    }
    if (Status st = CommitNow(f->group->name, commits); !st) return r.Send(CommitFailed(st.error()));
    return r.Send(RestJson(200, "[]"));
  }
  std::vector<log::OffsetCommit> commits;
  for (const OffsetSpec& o : **list) {
    // Kafka refuses commits for partitions it does not host (UNKNOWN_TOPIC_OR_PARTITION).
    auto info = log_.GetTopic(o.tp.first);
    if (!info || o.tp.second >= info->partitions) {
      return r.Send(RestError(rest_code::kUnknownTopicOrPartition,
                              "This server does not host this topic-partition: " + o.tp.first + "-" +
                                  std::to_string(o.tp.second)));
    }
    // The client posts the offset of the last consumed record; Kafka stores the next one.
    commits.push_back(log::OffsetCommit{o.tp.first, o.tp.second, o.offset + 1, o.metadata});
  }
  if (!commits.empty()) {
    Status st = log_.offsets().Commit(f->group->name, commits);
    if (!st) {
      if (st.error().code() == ErrorCode::kInvalidArgument || st.error().code() == ErrorCode::kNotFound) {
        return r.Send(RestError(rest_code::kUnprocessable, st.error().message()));
      }
      return r.Send(CommitFailed(st.error()));
    }
  }
  r.Send(RestJson(200, "[]"));
}

void ConsumerManager::DoGetOffsets(Call& call, http::Responder& r) {
  auto parts = ParsePartitionList(call.body);
  if (!parts) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  std::string body = "{\"offsets\":[";
  bool first = true;
  for (auto& tp : *parts) {
    auto committed = log_.offsets().Fetch(f->group->name, tp.first, tp.second);
    if (!committed) continue;
    if (!first) body += ',';
    first = false;
    body += "{\"topic\":";
    AppendJsonString(body, tp.first);
    body += ",\"partition\":";
    AppendJsonInt(body, tp.second);
    body += ",\"offset\":";
    AppendJsonInt(body, committed->offset);
    body += ",\"metadata\":";
    AppendJsonString(body, committed->metadata);
    body += '}';
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

// ---- records

void ConsumerManager::DoRecords(Call& call, http::Responder& r) {
  bool unsupported = false;
  auto wanted = AcceptedFormat(call.accept, &unsupported);
  int64_t timeout = -1, max_bytes = options_.max_bytes;
  if (call.timeout) {
    const std::string& t = *call.timeout;
    if (std::from_chars(t.data(), t.data() + t.size(), timeout).ec != std::errc()) timeout = -1;
  }
  if (call.max_bytes) {
    const std::string& m = *call.max_bytes;
    int64_t v;
    if (std::from_chars(m.data(), m.data() + m.size(), v).ec == std::errc() && v > 0) {
      max_bytes = std::min(v, options_.max_bytes);
    }
  }
  auto f = Find(call.group, call.instance);
  if (!f) return r.Send(InstanceNotFound());
  const ConsumerSettings& s = f->instance->settings;  // fixed at creation
  if (unsupported || (wanted && *wanted != s.format)) {
    return r.Send(RestError(rest_code::kFormatMismatch,
                            "The requested embedded data format does not match the deserializer for this consumer instance"));
  }
  std::vector<std::pair<TopicPartition, int64_t>> commits;
  std::string member_id;
  int32_t generation = -1;
  {
    MutexLock lock(f->group->mu);
    if (!f->instance->subscribed() && !f->instance->manual) {
      return r.Send(IllegalState("Consumer is not subscribed to any topics or assigned any partitions"));
    }
    // Auto-commit: what the previous reads returned is committed at this poll, as Kafka does
    // (not during a round: JoinGroup committed them, and the partitions may be moving).
    if (s.auto_commit && !f->instance->rebalancing) {
      commits = CommitSnapshot(*f->instance);
      member_id = f->instance->member_id;
      generation = f->instance->generation;
    }
  }
  if (!commits.empty() && !MayCommit(f->group->name, member_id, generation)) commits.clear();
  if (Status st = CommitNow(f->group->name, commits); !st) {
    // As Kafka's auto-commit: the poll goes on; the records may be delivered again.
    static std::atomic<int64_t> last_warn{0};
    const int64_t now = NowMs();
    if (now - last_warn.exchange(now) > 10000) {
      spdlog::warn("rest consumer {}/{}: auto-commit failed: {}", f->group->name, f->instance->name(),
                   st.error().ToString());
    }
  }
  int64_t wait = s.request_timeout_ms >= 0 ? s.request_timeout_ms : options_.request_timeout_ms;
  if (timeout > 0) wait = std::min(timeout, wait);
  if (timeout == 0) wait = 0;
  auto poll = std::make_shared<Poll>();
  poll->group = f->group;
  poll->instance = f->instance;
  poll->responder = std::move(r);
  poll->format = s.format;
  poll->deadline_ms = NowMs() + wait;
  poll->max_bytes = max_bytes;
  // fetch.min.bytes: wait (up to the deadline) until that many key+value bytes are there.
  poll->min_bytes = std::min<int64_t>(s.fetch_min_bytes > 0 ? s.fetch_min_bytes : 1, max_bytes);
  Attempt(poll);
}

void ConsumerManager::Finish(const std::shared_ptr<Poll>& poll, http::Response response) {
  poll->responder.Send(std::move(response));
}

namespace {

// Whether a stored key and value are JSON that every reader accepts (the check produce applies
// at the door; records written by a binary producer or an older version may fail it).
bool StoredJsonIsValid(const log::RecordView& rec) {
  for (const auto* part : {&rec.key, &rec.value}) {
    if (*part && !ValidateJson(**part)) return false;
  }
  return true;
}

// Resolves a position that is unset (-1) or out of range: the committed offset, else
// auto.offset.reset. Returns -1 when the partition does not exist (yet); sets *error for
// auto.offset.reset=none without a usable committed offset. Reads only settings, which are
// fixed at creation.
int64_t ResolvePosition(log::LogManager& log, const ConsumerInstance& c, const TopicPartition& tp,
                        int64_t pos, bool* error) {
  auto info = log.GetPartitionInfo(tp.first, tp.second);
  if (!info) return -1;
  if (pos >= 0 && pos >= info->log_start_offset && pos <= info->high_watermark) return pos;
  if (pos < 0) {
    if (auto committed = log.offsets().Fetch(c.group, tp.first, tp.second)) {
      pos = committed->offset;
      if (pos >= info->log_start_offset && pos <= info->high_watermark) return pos;
    }
  }
  switch (c.settings.reset) {
    case OffsetReset::kEarliest: return info->log_start_offset;
    case OffsetReset::kLatest: return info->high_watermark;
    case OffsetReset::kNone: break;
  }
  *error = true;
  return -1;
}

}  // namespace

// One read attempt of a long poll, on a worker: take the positions under the group lock, read
// the log without it, and apply the new positions only if nobody moved them meanwhile.
void ConsumerManager::Attempt(const std::shared_ptr<Poll>& poll) {
  thread_local std::string read_buffer;
  ConsumerInstance& c = *poll->instance;
  Group& g = *poll->group;
  for (int round = 0; round < 4; ++round) {
    if (stopping_.load()) return Finish(poll, RestJson(200, "[]"));
    if (AssignmentStale(poll->group, c)) JoinGroup(poll->group, poll->instance);
    std::vector<TopicPartition> order;
    std::optional<std::map<TopicPartition, int64_t>> snapshot;
    uint64_t version = 0;
    bool in_round = false, join = false;
    {
      MutexLock lock(g.mu);
      if (c.removed) return Finish(poll, InstanceNotFound());
      if (c.subscribed() && (c.rebalancing || c.member_id.empty())) {
        // A join round: nothing to read until the new assignment (or no membership yet: a
        // failed round, or a rejoin that could not be queued, starts again here).
        in_round = true;
        join = !c.joining;
      } else if (!poll->started || poll->version != c.version) {
        snapshot = c.positions;
        version = c.version;
        poll->start = c.next_partition++;
      }
    }
    if (in_round) {
      poll->started = false;
      if (join) {
        JoinGroup(poll->group, poll->instance);  // a group of REST instances ends it at once
        if (round < 3) continue;
      }
      if (NowMs() < poll->deadline_ms && !stopping_.load()) {
        poll->cursor.clear();
        return Park(poll);  // no waits: the poller's 50 ms re-check tries again
      }
      return Finish(poll, RestJson(200, "[]"));
    }
    if (snapshot) {
      // A new start: resolve unset and out-of-range positions (committed offset or
      // auto.offset.reset) with no lock held, then store them if nothing moved meanwhile.
      poll->cursor.clear();
      poll->body.clear();
      poll->collected = 0;
      poll->any = poll->full = poll->moved = false;
      for (const auto& [tp, pos] : *snapshot) {
        bool reset_error = false;
        int64_t p = ResolvePosition(log_, c, tp, pos, &reset_error);
        if (reset_error) {
          return Finish(poll, RestError(rest_code::kKafkaError,
                                        "Kafka error: no committed offset for " + tp.first + "-" +
                                            std::to_string(tp.second) + " and auto.offset.reset is none"));
        }
        if (p >= 0) poll->cursor[tp] = p;
      }
      MutexLock lock(g.mu);
      if (c.removed) return Finish(poll, InstanceNotFound());
      if (c.version != version) continue;  // moved meanwhile: start again
      // Resolving is not a move (the same answer for every reader), so no version change.
      for (const auto& [tp, p] : poll->cursor) c.positions[tp] = p;
      poll->version = version;
      poll->started = true;
    }
    for (const auto& [tp, pos] : poll->cursor) order.push_back(tp);
    // Read outside every lock: the log may go to the disk.
    std::optional<http::Response> record_error;
    for (size_t k = 0; k < order.size() && !poll->full && !record_error; ++k) {
      const TopicPartition& tp = order[(poll->start + k) % order.size()];
      int64_t& pos = poll->cursor[tp];
      if (poll->collected >= poll->max_bytes) {
        poll->full = true;
        break;
      }
      read_buffer.clear();
      const auto read_max = static_cast<size_t>(std::max<int64_t>(poll->max_bytes - poll->collected, 1));
      auto rr = log_.Read(tp.first, tp.second, pos, read_max, read_buffer);
      if (rr && rr->out_of_range) {
        // The position left the log (retention, or the topic was deleted and created again
        // shorter): auto.offset.reset applies, as for a Kafka consumer's OFFSET_OUT_OF_RANGE.
        bool reset_error = false;
        const int64_t p = ResolvePosition(log_, c, tp, pos, &reset_error);
        if (!reset_error && p >= 0 && p != pos) {
          pos = p;
          poll->moved = true;
          read_buffer.clear();
          rr = log_.Read(tp.first, tp.second, pos, read_max, read_buffer);
        }
      }
      if (!rr) continue;
      if (rr->skipped() && rr->bytes == 0 && rr->next_offset > pos) {
        // Only a damaged stretch (reported by the log) lies ahead: step over it, as Kafka's
        // consumers do, instead of answering [] at the hole forever.
        pos = rr->next_offset;
        poll->moved = true;
      }
      if (rr->bytes == 0) continue;
      log::RecordReader reader(read_buffer, pos);
      log::RecordView rec;
      while (!record_error && reader.Next(rec)) {
        int64_t size = static_cast<int64_t>((rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0));
        // Always return at least one record, then stop before max_bytes would be exceeded.
        if (poll->any && poll->collected + size > poll->max_bytes) {
          poll->full = true;
          break;
        }
        if (poll->format == EmbeddedFormat::kJson && !StoredJsonIsValid(rec)) {
          // One bad record never stops a partition: the records before it are answered; when
          // it comes first, this answer is its error and the position moves past it.
          if (poll->any) {
            poll->full = true;
          } else {
            record_error = RecordNotJsonError(tp.first, tp.second, rec.offset);
            pos = rec.offset + 1;
            poll->moved = true;
          }
          break;
        }
        std::string& body = poll->body;
        if (poll->any) body += ',';
        poll->any = true;
        AppendConsumedRecord(body, tp.first, tp.second, rec.offset, rec.key, rec.value, poll->format);
        poll->collected += size;
        pos = rec.offset + 1;
      }
    }
    const bool enough = record_error || (poll->any && (poll->collected >= poll->min_bytes || poll->full));
    if (!enough && NowMs() < poll->deadline_ms && !stopping_.load()) return Park(poll);
    {
      MutexLock lock(g.mu);
      if (c.removed) return Finish(poll, InstanceNotFound());
      if (c.version != poll->version) {
        poll->started = false;  // moved meanwhile (seek, rebalance, another read): read again
        continue;
      }
      if (poll->any || poll->moved) {
        for (const auto& [tp, pos] : poll->cursor) {
          auto it = c.positions.find(tp);
          if (it != c.positions.end()) it->second = pos;
        }
        ++c.version;
      }
    }
    if (record_error) return Finish(poll, std::move(*record_error));
    http::Response out;
    out.status = 200;
    out.content_type = std::string(FormatContentType(poll->format));
    out.body.reserve(poll->body.size() + 2);
    out.body += '[';
    out.body += poll->body;
    out.body += ']';
    return Finish(poll, std::move(out));
  }
  Finish(poll, RestJson(200, "[]"));
}

// Waits for data at the poll's cursor (or its deadline) on the poller; registering with the
// log happens outside poll_mu_ (its callbacks take poll_mu_).
void ConsumerManager::Park(const std::shared_ptr<Poll>& poll) {
  std::vector<log::LogManager::WaitId> waits;
  bool woken = false;
  std::weak_ptr<Poll> weak = poll;
  for (const auto& [tp, pos] : poll->cursor) {
    auto id = log_.WaitForData(tp.first, tp.second, pos, [this, weak] {
      auto p = weak.lock();
      if (!p) return;
      {
        MutexLock lock(poll_mu_);
        p->woken = true;
        wake_ = true;
      }
      cv_.NotifyAll();
    });
    if (id && *id != 0) waits.push_back(*id);
    if (id && *id == 0) woken = true;  // data arrived in between
  }
  bool parked = false;
  {
    MutexLock lock(poll_mu_);
    if (!stop_) {
      poll->waits = std::move(waits);
      poll->woken = poll->woken || woken;
      polls_.push_back(poll);
      wake_ = true;
      parked = true;
    }
  }
  if (parked) {
    cv_.NotifyAll();
    return;
  }
  // Stopping: answer now.
  for (auto id : waits) log_.CancelWait(id);
  Finish(poll, RestJson(200, "[]"));
}

void ConsumerManager::PollerLoop() {
  UniqueMutexLock lock(poll_mu_);
  int64_t next_sweep = NowMs() + 1000;
  int64_t next_recheck = NowMs() + 50;
  while (!stop_) {
    int64_t now = NowMs();
    int64_t wake_at = std::min(next_sweep, next_recheck);
    for (auto& p : polls_) wake_at = std::min(wake_at, p->deadline_ms);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(std::max<int64_t>(wake_at - now, 0));
    while (!stop_ && !wake_ && cv_.WaitUntil(poll_mu_, deadline)) {
    }
    if (stop_) break;
    wake_ = false;
    now = NowMs();
    // Fallback re-check every 50 ms (consumer.iterator.backoff.ms) covers topics created and
    // partitions assigned after the poll started.
    const bool recheck = now >= next_recheck;
    if (recheck) next_recheck = now + 50;
    std::vector<std::shared_ptr<Poll>> due, keep;
    std::vector<log::LogManager::WaitId> cancel;
    for (auto& p : polls_) {
      if (p->woken || recheck || now >= p->deadline_ms) {
        cancel.insert(cancel.end(), p->waits.begin(), p->waits.end());
        p->waits.clear();
        p->woken = false;
        due.push_back(std::move(p));
      } else {
        keep.push_back(std::move(p));
      }
    }
    polls_.swap(keep);
    const bool sweep = now >= next_sweep;
    if (sweep) next_sweep = now + 1000;
    lock.unlock();
    for (auto id : cancel) log_.CancelWait(id);
    for (auto& p : due) {
      if (!Post([this, p] { Attempt(p); })) {
        // Workers saturated: answer what the poll has rather than hold it.
        Finish(p, RestError(rest_code::kKafkaRetriable, "the server is overloaded with consumer requests; retry later"));
      }
    }
    if (sweep) (void)Post([this] { SweepExpired(); });
    lock.lock();
  }
}

}  // namespace pinpipe::gateway
