#include "kafka/cluster_consumers.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <random>

#include "common/clock.h"
#include "common/json_validator.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "gateway/consumer_instance.h"
#include "gateway/consumer_requests.h"
#include "gateway/embedded_format.h"
#include "gateway/rest_errors.h"

namespace pinpipe::kafka {

using gateway::AppendConsumedRecord;
using gateway::EmbeddedFormat;
using gateway::RecordNotJsonError;
using gateway::RestError;
using gateway::RestJson;
namespace rest_code = gateway::rest_code;

namespace {

constexpr size_t kMaxBufferedBytes = 16 << 20;  // read-ahead per instance; then the assignment pauses
constexpr int kPollMs = 20;                      // a queued call waits at most this long

int64_t NowMs() { return Clock::System().SteadyMs(); }


http::Response KafkaError(const std::string& what, rd_kafka_resp_err_t err) {
  return RestError(rest_code::kKafkaError, "Kafka error: " + what + ": " + rd_kafka_err2str(err));
}

std::string NewInstanceName() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "rest-consumer-";
  for (int i = 0; i < 2; ++i) {
    uint64_t w = rng();
    for (int k = 0; k < 16; ++k) s += kHex[(w >> (k * 4)) & 15];
  }
  return s;
}

void AppendPartitions(std::string& body, const rd_kafka_topic_partition_list_t* list) {
  for (int i = 0; list && i < list->cnt; ++i) {
    if (i) body += ',';
    body += "{\"topic\":";
    AppendJsonString(body, list->elems[i].topic);
    body += ",\"partition\":";
    AppendJsonInt(body, list->elems[i].partition);
    body += '}';
  }
}

}  // namespace

struct ClusterConsumers::Instance {
  using Task = std::move_only_function<void(Instance&)>;
  std::string group, name;
  gateway::ConsumerSettings settings;
  std::atomic<int64_t> last_used_ms{0};
  std::atomic<bool> done{false};  // the thread has closed the consumer and ends

  Mutex mu;
  std::deque<Task> tasks GUARDED_BY(mu);
  bool closing GUARDED_BY(mu) = false;
  std::optional<http::Responder> close_answer GUARDED_BY(mu);  // DELETE: answered once closed
  std::string described GUARDED_BY(mu);                         // for GroupMembers

  // ---- the thread's own
  rd_kafka_t* rk = nullptr;
  struct Msg {
    std::string topic;
    int32_t partition = 0;
    int64_t offset = 0;
    std::optional<std::string> key, value;
  };
  std::deque<Msg> buffer;
  size_t buffered = 0;
  bool paused = false;
  struct Read {
    http::Responder r;
    int64_t deadline_ms = 0;
    int64_t max_bytes = 0;
  };
  std::optional<Read> read;

  bool Post(Task t) {
    MutexLock l(mu);
    if (closing) return false;
    tasks.push_back(std::move(t));
    return true;
  }
  void Run(const ClusterConsumerOptions& o);
  bool Open(const ClusterConsumerOptions& o);
  void Serve();       // answers the pending read when it can
  void Flow();        // pauses or resumes the assignment by the buffer's size
  void DropBuffered(const rd_kafka_topic_partition_list_t* parts);
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque);
};

bool ClusterConsumers::Instance::Open(const ClusterConsumerOptions& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", o.cluster.bootstrap},
      {"group.id", group},
      {"client.id", name},
      {"enable.auto.commit", settings.auto_commit ? "true" : "false"},
      // A record counts as consumed when a read returns it (stored then, committed later).
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", settings.reset == gateway::OffsetReset::kEarliest ? "earliest"
                            : settings.reset == gateway::OffsetReset::kLatest ? "latest"
                                                                              : "error"},
      {"partition.assignment.strategy", "range"},
  };
  for (const auto& kv : o.cluster.properties) props.push_back(kv);
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      spdlog::error("rest consumer {}/{}: kafka client setting {}: {}", group, name, k, errstr);
      rd_kafka_conf_destroy(conf);
      return false;
    }
  }
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
    spdlog::debug("librdkafka {} {}: {}", level, fac, buf);
  });
  if (o.cluster.oauth.enabled()) {
    if (Status st = InstallOauthRefresh(conf, o.cluster.oauth); !st) {
      spdlog::error("rest consumer {}/{}: {}", group, name, st.error().message());
      rd_kafka_conf_destroy(conf);
      return false;
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &Instance::OnRebalance);
  rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    spdlog::error("rest consumer {}/{}: {}", group, name, errstr);
    return false;
  }
  if (o.cluster.oauth.enabled()) {
    if (Status st = StartOauthRefresh(rk); !st) spdlog::error("rest consumer {}/{}: {}", group, name, st.error().message());
  }
  rd_kafka_poll_set_consumer(rk);
  return true;
}

void ClusterConsumers::Instance::DropBuffered(const rd_kafka_topic_partition_list_t* parts) {
  std::deque<Msg> keep;
  buffered = 0;
  for (auto& m : buffer) {
    bool revoked = parts == nullptr;
    for (int i = 0; !revoked && i < parts->cnt; ++i) {
      revoked = parts->elems[i].partition == m.partition && m.topic == parts->elems[i].topic;
    }
    if (!revoked) {
      buffered += (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0);
      keep.push_back(std::move(m));
    }
  }
  buffer.swap(keep);
}

// Eager rebalances (the range assignor): revocation drops the read-ahead of the revoked
// partitions and commits what reads returned (auto-commit) before the partitions move.
void ClusterConsumers::Instance::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                             rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* in = static_cast<Instance*>(opaque);
  const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
    } else {
      rd_kafka_assign(rk, parts);
    }
    in->paused = false;
    return;
  }
  in->DropBuffered(cooperative ? parts : nullptr);
  if (in->settings.auto_commit) (void)rd_kafka_commit(rk, nullptr, 0);
  if (cooperative) {
    rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
  } else {
    rd_kafka_assign(rk, nullptr);
  }
  in->paused = false;
}

void ClusterConsumers::Instance::Flow() {
  const bool want_pause = buffered > kMaxBufferedBytes;
  if (want_pause == paused) return;
  if (!want_pause && buffered > kMaxBufferedBytes / 2) return;
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk, &list) != RD_KAFKA_RESP_ERR_NO_ERROR || !list) return;
  if (want_pause) {
    rd_kafka_pause_partitions(rk, list);
  } else {
    rd_kafka_resume_partitions(rk, list);
  }
  rd_kafka_topic_partition_list_destroy(list);
  paused = want_pause;
}

void ClusterConsumers::Instance::Serve() {
  if (!read) return;
  if (buffer.empty() && NowMs() < read->deadline_ms) return;
  const bool json = settings.format == gateway::EmbeddedFormat::kJson;
  std::string body = "[";
  int64_t collected = 0;
  std::map<std::pair<std::string, int32_t>, int64_t> next;
  std::optional<http::Response> error;
  bool any = false;
  while (!buffer.empty()) {
    Msg& m = buffer.front();
    const auto size = static_cast<int64_t>((m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0));
    if (any && collected + size > read->max_bytes) break;
    if (json && ((m.key && !ValidateJson(*m.key)) || (m.value && !ValidateJson(*m.value)))) {
      // As the embedded REST consumer: the records before it are answered; when it comes
      // first, this answer is its error and the position moves past it.
      if (!any) {
        error = RecordNotJsonError(m.topic, m.partition, m.offset);
        next[{m.topic, m.partition}] = m.offset + 1;
        buffered -= static_cast<size_t>(size);
        buffer.pop_front();
      }
      break;
    }
    if (any) body += ',';
    any = true;
    auto view = [](const std::optional<std::string>& p) {
      return p ? std::optional<std::string_view>(*p) : std::nullopt;
    };
    AppendConsumedRecord(body, m.topic, m.partition, m.offset, view(m.key), view(m.value),
                         json ? EmbeddedFormat::kJson : EmbeddedFormat::kBinary);
    collected += size;
    next[{m.topic, m.partition}] = m.offset + 1;
    buffered -= static_cast<size_t>(size);
    buffer.pop_front();
  }
  body += ']';
  if (!next.empty()) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
    for (const auto& [tp, off] : next) {
      rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second)->offset = off;
    }
    (void)rd_kafka_offsets_store(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
  if (error) {
    read->r.Send(std::move(*error));
  } else {
    http::Response out;
    out.status = 200;
    out.content_type = std::string(gateway::FormatContentType(settings.format));
    out.body = std::move(body);
    read->r.Send(std::move(out));
  }
  read.reset();
}

void ClusterConsumers::Instance::Run(const ClusterConsumerOptions& o) {
  const bool opened = Open(o);
  while (true) {
    std::deque<Task> batch;
    bool close = false;
    {
      MutexLock l(mu);
      batch.swap(tasks);
      close = closing;
    }
    for (auto& t : batch) t(*this);
    if (close) break;
    if (!opened) {
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));  // answers calls until deleted
      continue;
    }
    Serve();
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, kPollMs)) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        Msg msg;
        msg.topic = rd_kafka_topic_name(m->rkt);
        msg.partition = m->partition;
        msg.offset = m->offset;
        if (m->key) msg.key.emplace(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) msg.value.emplace(static_cast<const char*>(m->payload), m->len);
        buffered += m->key_len + m->len;
        buffer.push_back(std::move(msg));
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        spdlog::debug("rest consumer {}/{}: {}", group, name, rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    Flow();
  }
  if (rk) {
    rd_kafka_consumer_close(rk);  // leaves the group (auto-commit: commits stored offsets)
    rd_kafka_destroy(rk);
    rk = nullptr;
  }
  if (read) read->r.Send(RestJson(200, "[]"));
  read.reset();
  std::optional<http::Responder> answer;
  std::deque<Task> rest;
  {
    MutexLock l(mu);
    answer = std::move(close_answer);
    close_answer.reset();
    rest.swap(tasks);
  }
  for (auto& t : rest) t(*this);  // queued before the close: answered (rk is gone: an error)
  if (answer) answer->Send(http::Response::NoContent());
  done.store(true);
}

// ---- the manager

ClusterConsumers::ClusterConsumers(ClusterConsumerOptions options) : options_(std::move(options)) {
  sweeper_ = std::thread([this] {
    UniqueMutexLock lock(mu_);
    while (!stopped_) {
      (void)cv_.WaitFor(mu_, std::chrono::milliseconds(1000));
      if (stopped_) break;
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
}

ClusterConsumers::~ClusterConsumers() { Stop(); }

void ClusterConsumers::Stop() {
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Instance>> all;
  {
    MutexLock l(mu_);
    if (stopped_ && !sweeper_.joinable()) return;
    stopped_ = true;
    all.swap(instances_);
  }
  cv_.NotifyAll();
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& [key, in] : all) {
    MutexLock l(in->mu);
    in->closing = true;
  }
  // Every instance thread made (deleted ones may still be leaving their group) ends before
  // the manager does; closing a consumer is bounded by librdkafka's own timeouts.
  std::vector<std::weak_ptr<Instance>> created;
  {
    MutexLock l(mu_);
    created.swap(created_);
  }
  for (auto& w : created) {
    while (auto in = w.lock()) {
      if (in->done.load()) break;
      in.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

void ClusterConsumers::Sweep() {
  const int64_t now = NowMs();
  std::vector<std::shared_ptr<Instance>> expired;
  {
    MutexLock l(mu_);
    for (auto it = instances_.begin(); it != instances_.end();) {
      if (now - it->second->last_used_ms.load() > options_.instance_timeout_ms) {
        expired.push_back(it->second);
        it = instances_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& in : expired) {
    MutexLock l(in->mu);
    in->closing = true;  // its thread leaves the group and ends
  }
}

bool ClusterConsumers::HasInstances(const std::string& group) {
  MutexLock l(mu_);
  auto it = instances_.lower_bound({group, ""});
  return it != instances_.end() && it->first.first == group;
}

std::vector<std::string> ClusterConsumers::GroupMembers(const std::string& group) {
  std::vector<std::shared_ptr<Instance>> found;
  {
    MutexLock l(mu_);
    for (auto it = instances_.lower_bound({group, ""}); it != instances_.end() && it->first.first == group; ++it) {
      found.push_back(it->second);
    }
  }
  std::vector<std::string> out;
  for (auto& in : found) {
    MutexLock l(in->mu);
    out.push_back("rest:" + in->name + (in->described.empty() ? "" : " subscribed to " + in->described));
  }
  return out;
}

std::shared_ptr<ClusterConsumers::Instance> ClusterConsumers::Find(const http::Request& req) {
  MutexLock l(mu_);
  auto it = instances_.find({std::string(req.PathParam("group")), std::string(req.PathParam("instance"))});
  if (it == instances_.end()) return nullptr;
  it->second->last_used_ms.store(NowMs());
  return it->second;
}

void ClusterConsumers::Create(const http::Request& req, http::Responder r) {
  const std::string group(req.PathParam("group"));
  if (auto bad = gateway::CheckGroupName(group)) return r.Send(RestError(bad->code, bad->message));
  auto settings = gateway::ParseCreateRequest(req.body);
  if (!settings) return r.Send(RestError(settings.error().code, settings.error().message));
  auto in = std::make_shared<Instance>();
  in->group = group;
  in->settings = std::move(*settings);
  in->name = in->settings.name.empty() ? NewInstanceName() : in->settings.name;
  in->last_used_ms.store(NowMs());
  std::string host = req.Header("Host").empty() ? "127.0.0.1" : std::string(req.Header("Host"));
  std::string body = "{\"instance_id\":";
  AppendJsonString(body, in->name);
  body += ",\"base_uri\":";
  AppendJsonString(body, "http://" + host + "/consumers/" + http::PercentEncodeSegment(group) + "/instances/" +
                             http::PercentEncodeSegment(in->name));
  body += '}';
  {
    MutexLock l(mu_);
    if (stopped_) return r.Send(RestError(rest_code::kKafkaRetriable, "the server is stopping"));
    if (!instances_.emplace(std::make_pair(group, in->name), in).second) {
      return r.Send(RestError(rest_code::kConsumerAlreadyExists,
                              "Consumer with specified consumer ID already exists in the specified consumer group."));
    }
    // The consumer is made on its own thread (librdkafka's calls are that thread's), which
    // holds the instance until it has closed the consumer; Stop waits for it.
    created_.erase(std::remove_if(created_.begin(), created_.end(), [](const auto& w) { return w.expired(); }),
                   created_.end());
    created_.push_back(in);
    std::thread([in, o = options_] { in->Run(o); }).detach();
  }
  r.Send(RestJson(200, std::move(body)));
}

void ClusterConsumers::Delete(const http::Request& req, http::Responder r) {
  std::shared_ptr<Instance> in;
  {
    MutexLock l(mu_);
    auto it = instances_.find({std::string(req.PathParam("group")), std::string(req.PathParam("instance"))});
    if (it == instances_.end()) return r.Send(gateway::InstanceNotFound());
    in = it->second;
    instances_.erase(it);
  }
  {
    MutexLock l(in->mu);
    in->closing = true;
    in->close_answer = std::move(r);  // answered by its thread once the consumer left the group
  }
}

namespace {

// Queues `fn` on the instance's thread, or answers 40403 when the instance is closing.
template <typename Fn>
void Queue(const std::shared_ptr<ClusterConsumers::Instance>& in, http::Responder r, Fn fn) {
  if (!in) return r.Send(gateway::InstanceNotFound());
  auto shared = std::make_shared<http::Responder>(std::move(r));
  if (!in->Post([shared, fn = std::move(fn)](ClusterConsumers::Instance& i) mutable {
        if (!i.rk) return shared->Send(RestError(rest_code::kKafkaError, "Kafka error: the consumer could not be made (see the log)"));
        fn(i, *shared);
      })) {
    shared->Send(gateway::InstanceNotFound());
  }
}

}  // namespace

void ClusterConsumers::Subscribe(const http::Request& req, http::Responder r) {
  auto sub = gateway::ParseSubscription(req.body);
  if (!sub) return r.Send(RestError(sub.error().code, sub.error().message));
  Queue(Find(req), std::move(r), [sub = std::move(*sub)](Instance& in, http::Responder& r) {
    std::vector<std::string> topics = sub->topics;
    if (sub->pattern) topics.push_back("^" + sub->pattern_text);  // librdkafka: a regex
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    std::string described;
    for (const auto& t : topics) {
      rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
      described += (described.empty() ? "" : ",") + t;
    }
    rd_kafka_resp_err_t err = rd_kafka_subscribe(in.rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) return r.Send(KafkaError("subscribe", err));
    {
      MutexLock l(in.mu);
      in.described = std::move(described);
    }
    r.Send(http::Response::NoContent());
  });
}

void ClusterConsumers::GetSubscription(const http::Request& req, http::Responder r) {
  Queue(Find(req), std::move(r), [](Instance& in, http::Responder& r) {
    rd_kafka_topic_partition_list_t* list = nullptr;
    std::string body = "{\"topics\":[";
    if (rd_kafka_subscription(in.rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list) {
      for (int i = 0; i < list->cnt; ++i) {
        if (i) body += ',';
        AppendJsonString(body, list->elems[i].topic);
      }
      rd_kafka_topic_partition_list_destroy(list);
    }
    body += "]}";
    r.Send(RestJson(200, std::move(body)));
  });
}

void ClusterConsumers::Unsubscribe(const http::Request& req, http::Responder r) {
  Queue(Find(req), std::move(r), [](Instance& in, http::Responder& r) {
    rd_kafka_resp_err_t err = rd_kafka_unsubscribe(in.rk);
    if (err) return r.Send(KafkaError("unsubscribe", err));
    {
      MutexLock l(in.mu);
      in.described.clear();
    }
    r.Send(http::Response::NoContent());
  });
}

void ClusterConsumers::GetAssignments(const http::Request& req, http::Responder r) {
  Queue(Find(req), std::move(r), [](Instance& in, http::Responder& r) {
    rd_kafka_topic_partition_list_t* list = nullptr;
    std::string body = "{\"partitions\":[";
    if (rd_kafka_assignment(in.rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list) {
      AppendPartitions(body, list);
      rd_kafka_topic_partition_list_destroy(list);
    }
    body += "]}";
    r.Send(RestJson(200, std::move(body)));
  });
}

namespace {

void Unsupported(http::Responder r, std::string_view what) {
  r.Send(RestError(rest_code::kIllegalState,
                   "Illegal state: " + std::string(what) + " is not supported with kafka.bootstrap (subscribe instead)"));
}

}  // namespace

void ClusterConsumers::Assign(const http::Request&, http::Responder r) { Unsupported(std::move(r), "manual assignment"); }
void ClusterConsumers::Seek(const http::Request&, http::Responder r) { Unsupported(std::move(r), "seeking"); }
void ClusterConsumers::SeekBeginning(const http::Request&, http::Responder r) { Unsupported(std::move(r), "seeking"); }
void ClusterConsumers::SeekEnd(const http::Request&, http::Responder r) { Unsupported(std::move(r), "seeking"); }

void ClusterConsumers::CommitOffsets(const http::Request& req, http::Responder r) {
  auto list = gateway::ParseCommit(req.body);
  if (!list) return r.Send(RestError(list.error().code, list.error().message));
  Queue(Find(req), std::move(r), [list = std::move(*list)](Instance& in, http::Responder& r) {
    rd_kafka_topic_partition_list_t* parts = nullptr;
    if (list) {
      parts = rd_kafka_topic_partition_list_new(static_cast<int>(list->size()));
      for (const auto& o : *list) {
        // The client posts the last consumed record; Kafka stores the next offset.
        rd_kafka_topic_partition_list_add(parts, o.tp.first.c_str(), o.tp.second)->offset = o.offset + 1;
      }
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(in.rk, parts, 0);  // synchronous, on this thread
    if (parts) rd_kafka_topic_partition_list_destroy(parts);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) return r.Send(KafkaError("offset commit failed", err));
    r.Send(RestJson(200, "[]"));
  });
}

void ClusterConsumers::GetOffsets(const http::Request& req, http::Responder r) {
  auto parts = gateway::ParsePartitionList(req.body);
  if (!parts) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  const int64_t timeout = options_.cluster.timeout_ms;
  Queue(Find(req), std::move(r), [parts = std::move(*parts), timeout](Instance& in, http::Responder& r) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
    for (const auto& tp : parts) rd_kafka_topic_partition_list_add(list, tp.first.c_str(), tp.second);
    rd_kafka_resp_err_t err = rd_kafka_committed(in.rk, list, static_cast<int>(timeout));
    if (err) {
      rd_kafka_topic_partition_list_destroy(list);
      return r.Send(KafkaError("fetching committed offsets", err));
    }
    std::string body = "{\"offsets\":[";
    bool first = true;
    for (int i = 0; i < list->cnt; ++i) {
      const auto& e = list->elems[i];
      if (e.offset < 0) continue;
      if (!first) body += ',';
      first = false;
      body += "{\"topic\":";
      AppendJsonString(body, e.topic);
      body += ",\"partition\":";
      AppendJsonInt(body, e.partition);
      body += ",\"offset\":";
      AppendJsonInt(body, e.offset);
      body += ",\"metadata\":";
      AppendJsonString(body, std::string_view(e.metadata ? static_cast<const char*>(e.metadata) : "", e.metadata_size));
      body += '}';
    }
    rd_kafka_topic_partition_list_destroy(list);
    body += "]}";
    r.Send(RestJson(200, std::move(body)));
  });
}

void ClusterConsumers::Records(const http::Request& req, http::Responder r) {
  auto in = Find(req);
  if (!in) return r.Send(gateway::InstanceNotFound());
  bool unsupported = false;
  auto wanted = gateway::AcceptedFormat(req.Header("Accept"), &unsupported);
  if (unsupported || (wanted && *wanted != in->settings.format)) {
    return r.Send(RestError(rest_code::kFormatMismatch,
                            "The requested embedded data format does not match the deserializer for this consumer instance"));
  }
  int64_t timeout = -1, max_bytes = options_.max_bytes;
  if (auto t = req.QueryParam("timeout")) {
    if (std::from_chars(t->data(), t->data() + t->size(), timeout).ec != std::errc()) timeout = -1;
  }
  if (auto m = req.QueryParam("max_bytes")) {
    int64_t v;
    if (std::from_chars(m->data(), m->data() + m->size(), v).ec == std::errc() && v > 0) {
      max_bytes = std::min(v, options_.max_bytes);
    }
  }
  int64_t wait = in->settings.request_timeout_ms >= 0 ? in->settings.request_timeout_ms : options_.request_timeout_ms;
  if (timeout > 0) wait = std::min(timeout, wait);
  if (timeout == 0) wait = 0;
  const int64_t deadline = NowMs() + wait;
  Queue(in, std::move(r), [deadline, max_bytes](Instance& i, http::Responder& r) {
    if (i.read) i.read->r.Send(RestJson(200, "[]"));  // a newer read replaces an older one
    i.read = Instance::Read{std::move(r), deadline, max_bytes};
    i.Serve();
  });
}

}  // namespace pinpipe::kafka
