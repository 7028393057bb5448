#include "kafka/cluster_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>

#include "common/logging.h"

namespace pinpipe::kafka {
namespace {

constexpr size_t kMaxBuffered = 32u << 20;  // fetched and not yet read, over all partitions
constexpr int kSeekTimeoutMs = 10000;
constexpr int kFetchWaitMs = 1000;  // Fetch's wait for data known to be there

std::string ErrText(rd_kafka_resp_err_t err) { return rd_kafka_err2str(err); }

ErrorCode CodeOf(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return ErrorCode::kNotFound;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
      return ErrorCode::kAlreadyExists;
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      return ErrorCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      return ErrorCode::kTimeout;
    default:
      return ErrorCode::kUnavailable;
  }
}

Error ErrorFrom(rd_kafka_resp_err_t err, std::string_view what) {
  return Error(CodeOf(err), "kafka cluster: " + std::string(what) + ": " + ErrText(err));
}

struct TopicHandle {
  rd_kafka_topic_t* rkt;
  ~TopicHandle() { rd_kafka_topic_destroy(rkt); }
};

}  // namespace

// One partition being read: the messages fetched from `next_read` on, in offset order.
struct ClusterLog::Part {
  log::TopicPartition tp;
  rd_kafka_topic_t* rkt = nullptr;
  bool started = false;           // consume_start_queue was called (by the reader thread)
  int64_t seek_to = -1;           // a start/seek the reader thread has still to make
  int64_t next_read = -1;         // the offset the next Fetch continues at
  std::deque<rd_kafka_message_t*> messages;
  size_t bytes = 0;
  bool out_of_range = false;
  std::string error;              // a fetch error for this partition, reported once
  ErrorCode error_code = ErrorCode::kUnavailable;
  std::map<uint64_t, std::function<void()>> waiters;

  void Clear(size_t& total) {
    for (auto* m : messages) rd_kafka_message_destroy(m);
    messages.clear();
    total -= bytes;
    bytes = 0;
  }
};

// The records of one Append: each message's opaque points at its slot.
struct ClusterLog::Batch {
  struct Slot {
    Batch* batch;
    uint32_t index;
  };
  explicit Batch(size_t n) : slots(n), offsets(n, -1) {}
  std::vector<Slot> slots;
  std::vector<int64_t> offsets;
  std::atomic<size_t> remaining{0};
  Mutex mu;  // guards error
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string topic;
  log::AppendCallback done;

  void Release(size_t count) {
    if (remaining.fetch_sub(count, std::memory_order_acq_rel) != count) return;
    if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
      done(Result<log::AppendResult>(std::unexpected(ErrorFrom(error, "produce to " + topic))));
    } else {
      log::AppendResult r;
      r.base_offset = offsets.front();
      r.last_offset = offsets.back();
      bool contiguous = true;
      for (size_t i = 1; i < offsets.size() && contiguous; ++i) {
        contiguous = offsets[i] == offsets[i - 1] + 1;
      }
      if (!contiguous) r.offsets = offsets.data();
      done(r);
    }
    delete this;
  }
};

ClusterLog::ClusterLog(ClusterOptions options) : options_(std::move(options)) {}

ClusterLog::~ClusterLog() { Close(); }

Result<std::unique_ptr<ClusterLog>> ClusterLog::Open(ClusterOptions options) {
  if (options.bootstrap.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "kafka.bootstrap is empty");
  }
  std::unique_ptr<ClusterLog> log(new ClusterLog(std::move(options)));
  PINPIPE_RETURN_IF_ERROR(log->Init());
  return log;
}

namespace {

// A configuration with the common settings: bootstrap, client id, pass-through properties.
Result<rd_kafka_conf_t*> BaseConf(const ClusterOptions& o) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  auto set = [&](const std::string& k, const std::string& v) -> Status {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      return MakeError(ErrorCode::kInvalidArgument, "kafka client setting " + k + ": " + errstr);
    }
    return OkStatus();
  };
  Status st = set("bootstrap.servers", o.bootstrap);
  if (st) st = set("client.id", o.client_id);
  // librdkafka's own lines go to the debug log: pinpipe reports what matters (error callback,
  // failed requests) in its own words, once.
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
    spdlog::debug("librdkafka {} {}: {}", level, fac, buf);
  });
  for (const auto& [k, v] : o.properties) {
    if (st) st = set(k, v);
  }
  if (st && o.oauth.enabled()) st = InstallOauthRefresh(conf, o.oauth);
  if (!st) {
    rd_kafka_conf_destroy(conf);
    return std::unexpected(st.error());
  }
  return conf;
}

Status Set(rd_kafka_conf_t* conf, const char* k, const std::string& v) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("kafka client setting ") + k + ": " + errstr);
  }
  return OkStatus();
}

}  // namespace

Status ClusterLog::Init() {
  PINPIPE_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, BaseConf(options_));
  Status st = Set(conf, "enable.idempotence", "true");
  if (st) st = Set(conf, "acks", "all");
  if (st) st = Set(conf, "message.timeout.ms", std::to_string(options_.timeout_ms));
  if (st) st = Set(conf, "linger.ms", "1");
  if (!st) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &ClusterLog::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &ClusterLog::OnError);
  char errstr[512];
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!producer_) {
    rd_kafka_conf_destroy(conf);
    return MakeError(ErrorCode::kInvalidArgument, std::string("kafka client: ") + errstr);
  }
  if (options_.oauth.enabled()) PINPIPE_RETURN_IF_ERROR(StartOauthRefresh(producer_));
  poller_ = std::thread([this] { PollLoop(); });
  // The cluster must answer once: a wrong address fails `serve` at start, not every request.
  // The answer also fills the topic cache the REST Proxy's produce looks topics up in.
  auto topics = ListTopics();
  if (!topics) {
    return MakeError(topics.error().code(), topics.error().message() + " (kafka.bootstrap = " + options_.bootstrap + ")");
  }
  return OkStatus();
}

void ClusterLog::PollLoop() {
  while (!stop_.load(std::memory_order_acquire)) rd_kafka_poll(producer_, 100);
}

void ClusterLog::Close() {
  if (closed_) return;
  closed_ = true;
  if (reader_.joinable()) {
    stop_.store(true);
    {
      MutexLock lock(mu_);
      space_cv_.NotifyAll();
      data_cv_.NotifyAll();
    }
    rd_kafka_queue_yield(queue_);
    reader_.join();
  }
  std::vector<std::function<void()>> fire;
  {
    MutexLock lock(mu_);
    for (auto& [tp, p] : parts_) {
      if (p->started) rd_kafka_consume_stop(p->rkt, p->tp.partition);
      p->Clear(buffered_bytes_);
      for (auto& [id, fn] : p->waiters) fire.push_back(std::move(fn));
      p->waiters.clear();
      rd_kafka_topic_destroy(p->rkt);
    }
    parts_.clear();
    waits_.clear();
  }
  for (auto& fn : fire) fn();  // as LogManager::Close wakes its waiters
  if (queue_) rd_kafka_queue_destroy(queue_);
  if (consumer_) rd_kafka_destroy(consumer_);
  if (producer_) {
    if (rd_kafka_flush(producer_, static_cast<int>(options_.timeout_ms)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka cluster: records still unacknowledged at shutdown; they fail");
      rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    }
    stop_.store(true);
    if (poller_.joinable()) poller_.join();
    rd_kafka_poll(producer_, 0);  // the purged records' reports
    rd_kafka_destroy(producer_);
  }
}

void ClusterLog::OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque) {
  (void)rk;
  auto* self = static_cast<ClusterLog*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__FATAL ||
      err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__RESOLVE) {
    self->NoteClusterError("kafka cluster: " + std::string(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
  }
}

void ClusterLog::NoteClusterError(std::string message) {
  MutexLock lock(error_mu_);
  if (cluster_error_ != message) spdlog::warn("{}", message);
  cluster_error_ = std::move(message);
  has_error_.store(true, std::memory_order_relaxed);
}

void ClusterLog::ClearClusterError() {
  if (!has_error_.load(std::memory_order_relaxed)) return;
  MutexLock lock(error_mu_);
  if (!cluster_error_.empty()) spdlog::info("kafka cluster: answering again");
  cluster_error_.clear();
  has_error_.store(false, std::memory_order_relaxed);
}

std::string ClusterLog::ClusterError() const {
  if (!has_error_.load(std::memory_order_relaxed)) return {};
  MutexLock lock(error_mu_);
  return cluster_error_;
}

// ---------------------------------------------------------------- writing

void ClusterLog::OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque) {
  (void)rk;
  if (!msg->err) static_cast<ClusterLog*>(opaque)->ClearClusterError();  // one relaxed load
  auto* slot = static_cast<Batch::Slot*>(msg->_private);
  if (!slot) return;  // a DLQ record: at least once, nobody waits
  Batch* b = slot->batch;
  if (msg->err) {
    MutexLock lock(b->mu);
    if (b->error == RD_KAFKA_RESP_ERR_NO_ERROR) b->error = msg->err;
  } else {
    b->offsets[slot->index] = msg->offset;
  }
  b->Release(1);
}

Status ClusterLog::Append(std::string_view topic, int32_t partition, std::span<const log::Record> records,
                          log::AppendCallback done) {
  if (records.empty()) return MakeError(ErrorCode::kInvalidArgument, "no records to append");
  auto* b = new Batch(records.size());
  b->topic = std::string(topic);
  b->done = std::move(done);
  b->remaining.store(records.size() + 1);  // + this call's hold
  for (size_t i = 0; i < records.size(); ++i) {
    const log::Record& r = records[i];
    b->slots[i] = {b, static_cast<uint32_t>(i)};
    rd_kafka_headers_t* hdrs = nullptr;
    if (!r.headers.empty()) {
      hdrs = rd_kafka_headers_new(r.headers.size());
      for (const auto& h : r.headers) {
        rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(b->topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY((r.key ? r.key->data() : nullptr), (r.key ? r.key->size() : 0)),
        RD_KAFKA_V_VALUE((r.value ? const_cast<char*>(r.value->data()) : nullptr), (r.value ? r.value->size() : 0)),
        RD_KAFKA_V_TIMESTAMP(r.timestamp_ms > 0 ? r.timestamp_ms : 0),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(&b->slots[i]), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (hdrs) rd_kafka_headers_destroy(hdrs);  // owned by the message only on success
      if (i == 0) {
        delete b;
        return std::unexpected(ErrorFrom(err, "produce to " + std::string(topic)));
      }
      {
        MutexLock lock(b->mu);
        b->error = err;
      }
      b->Release(records.size() - i);  // the records never enqueued
      break;
    }
  }
  b->Release(1);
  return OkStatus();
}

Status ClusterLog::Produce(std::string_view topic, const log::Record& record) {
  if (!GetTopic(topic)) {  // the cache first: one metadata round trip per topic, not per record
    PINPIPE_ASSIGN_OR_RETURN(log::TopicInfo info, GetOrCreateTopic(topic));
    (void)info;
  }
  rd_kafka_headers_t* hdrs = nullptr;
  if (!record.headers.empty()) {
    hdrs = rd_kafka_headers_new(record.headers.size());
    for (const auto& h : record.headers) {
      rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
  }
  const std::string name(topic);
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_, RD_KAFKA_V_TOPIC(name.c_str()), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY((record.key ? record.key->data() : nullptr), (record.key ? record.key->size() : 0)),
      RD_KAFKA_V_VALUE((record.value ? const_cast<char*>(record.value->data()) : nullptr),
                       (record.value ? record.value->size() : 0)),
      RD_KAFKA_V_TIMESTAMP(record.timestamp_ms > 0 ? record.timestamp_ms : 0), RD_KAFKA_V_HEADERS(hdrs),
      RD_KAFKA_V_OPAQUE(nullptr), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    return std::unexpected(ErrorFrom(err, "produce to " + name));
  }
  return OkStatus();
}

// ---------------------------------------------------------------- topics

void ClusterLog::Remember(const log::TopicInfo& info) {
  MutexLock lock(topics_mu_);
  auto it = topics_.find(info.name);
  if (it != topics_.end() && it->second.partitions == info.partitions) return;
  log::TopicInfo t = info;
  t.id = next_topic_id_++;
  topics_[t.name] = t;
}

Result<log::TopicInfo> ClusterLog::GetTopic(std::string_view topic) const {
  MutexLock lock(topics_mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return MakeError(ErrorCode::kNotFound, "topic " + std::string(topic) + " not known yet");
  return it->second;
}

Result<log::TopicInfo> ClusterLog::Describe(std::string_view topic) {
  const std::string name(topic);
  TopicHandle h{rd_kafka_topic_new(producer_, name.c_str(), nullptr)};
  if (!h.rkt) return MakeError(ErrorCode::kInvalidArgument, "bad topic name " + name);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer_, 0, h.rkt, &md, static_cast<int>(options_.timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(ErrorFrom(err, "metadata of " + name));
  Result<log::TopicInfo> out = MakeError(ErrorCode::kNotFound, "topic " + name + " not found");
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (name != t.topic) continue;
    if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR && t.partition_cnt > 0) {
      out = log::TopicInfo{name, t.partition_cnt, 0};
    } else if (t.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      out = std::unexpected(ErrorFrom(t.err, "metadata of " + name));
    }
  }
  rd_kafka_metadata_destroy(md);
  if (out) Remember(*out);
  return out;
}

Result<log::TopicInfo> ClusterLog::LookUpTopic(std::string_view topic) { return Describe(topic); }

Result<log::TopicInfo> ClusterLog::GetOrCreateTopic(std::string_view topic) {
  auto info = Describe(topic);
  if (info || info.error().code() != ErrorCode::kNotFound || !options_.auto_create) return info;
  if (Status st = CreateTopic(topic, options_.default_partitions);
      !st && st.error().code() != ErrorCode::kAlreadyExists) {
    return std::unexpected(st.error());
  }
  // The cluster elects the new partitions' leaders asynchronously: wait until it names them.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  for (;;) {
    info = Describe(topic);
    if (info || info.error().code() != ErrorCode::kNotFound || std::chrono::steady_clock::now() > deadline) {
      return info;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {

// Runs one admin request on a private queue and returns its result event (or an error).
template <typename Fn>
Result<rd_kafka_event_t*> RunAdmin(rd_kafka_t* rk, int64_t timeout_ms, rd_kafka_admin_op_t op, Fn&& fn) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, op);
  char errstr[256];
  (void)rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout_ms), errstr, sizeof errstr);
  (void)rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout_ms), errstr, sizeof errstr);
  fn(opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout_ms) + 5000);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  if (!ev) return MakeError(ErrorCode::kTimeout, "kafka cluster: no answer to an admin request");
  if (rd_kafka_event_error(ev)) {
    Error e = ErrorFrom(rd_kafka_event_error(ev), rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
    return std::unexpected(e);
  }
  return ev;
}

Status TopicResult(const rd_kafka_topic_result_t* r) {
  rd_kafka_resp_err_t err = rd_kafka_topic_result_error(r);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return OkStatus();
  const char* msg = rd_kafka_topic_result_error_string(r);
  return MakeError(CodeOf(err), std::string("kafka cluster: ") + rd_kafka_topic_result_name(r) + ": " +
                                    (msg ? msg : ErrText(err).c_str()));
}

}  // namespace

Status ClusterLog::CreateTopic(std::string_view topic, int32_t partitions) {
  char errstr[512];
  const std::string name(topic);
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, options_.replication_factor,
                                                  errstr, sizeof errstr);
  if (!nt) return MakeError(ErrorCode::kInvalidArgument, std::string("create topic ") + name + ": " + errstr);
  auto ev = RunAdmin(producer_, options_.timeout_ms, RD_KAFKA_ADMIN_OP_CREATETOPICS,
                     [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_CreateTopics(producer_, &nt, 1, o, q);
                     });
  rd_kafka_NewTopic_destroy(nt);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(*ev), &n);
  Status st = n == 1 ? TopicResult(res[0]) : MakeError(ErrorCode::kInternal, "kafka cluster: no topic result");
  rd_kafka_event_destroy(*ev);
  if (st) spdlog::debug("kafka cluster: created topic {} ({} partitions)", name, partitions);
  return st;
}

Status ClusterLog::DeleteTopic(std::string_view topic) {
  const std::string name(topic);
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(name.c_str());
  auto ev = RunAdmin(producer_, options_.timeout_ms, RD_KAFKA_ADMIN_OP_DELETETOPICS,
                     [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                       rd_kafka_DeleteTopics(producer_, &dt, 1, o, q);
                     });
  rd_kafka_DeleteTopic_destroy(dt);
  if (!ev) return std::unexpected(ev.error());
  size_t n = 0;
  const rd_kafka_topic_result_t** res =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(*ev), &n);
  Status st = n == 1 ? TopicResult(res[0]) : MakeError(ErrorCode::kInternal, "kafka cluster: no topic result");
  rd_kafka_event_destroy(*ev);
  if (st) {
    MutexLock lock(topics_mu_);
    topics_.erase(name);
  }
  return st;
}

Result<std::vector<log::TopicInfo>> ClusterLog::ListTopics() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(producer_, 1, nullptr, &md, static_cast<int>(options_.timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Error e = ErrorFrom(err, "metadata");
    NoteClusterError(e.message());
    return std::unexpected(e);
  }
  ClearClusterError();
  std::vector<log::TopicInfo> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || t.partition_cnt <= 0) continue;
    if (std::string_view(t.topic).starts_with("__")) continue;  // __consumer_offsets and the like
    out.push_back({t.topic, t.partition_cnt, 0});
  }
  rd_kafka_metadata_destroy(md);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& t : out) Remember(t);
  return out;
}

std::vector<log::TopicPartition> ClusterLog::ListPartitions() {
  auto topics = ListTopics();
  MutexLock lock(topics_mu_);
  if (topics) {  // else the last answer: a cluster that does not answer has not lost its topics
    last_partitions_.clear();
    for (const auto& t : *topics) {
      for (int32_t p = 0; p < t.partitions; ++p) last_partitions_.push_back({t.name, p});
    }
  }
  return last_partitions_;
}

// ---------------------------------------------------------------- reading

Status ClusterLog::EnsureConsumer() {
  if (consumer_) return OkStatus();
  PINPIPE_ASSIGN_OR_RETURN(rd_kafka_conf_t * conf, BaseConf(options_));
  Status st = Set(conf, "enable.partition.eof", "false");
  // Out of range must surface: the reader (the sink) decides what to do about it.
  if (st) st = Set(conf, "auto.offset.reset", "error");
  if (st) st = Set(conf, "queued.max.messages.kbytes", "16384");
  if (st) st = Set(conf, "fetch.wait.max.ms", "100");
  if (!st) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_error_cb(conf, &ClusterLog::OnError);
  char errstr[512];
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!consumer_) {
    rd_kafka_conf_destroy(conf);
    return MakeError(ErrorCode::kInvalidArgument, std::string("kafka consumer: ") + errstr);
  }
  if (options_.oauth.enabled()) PINPIPE_RETURN_IF_ERROR(StartOauthRefresh(consumer_));
  queue_ = rd_kafka_queue_new(consumer_);
  reader_ = std::thread([this] { ReaderLoop(); });
  return OkStatus();
}

ClusterLog::Part& ClusterLog::PartLocked(const log::TopicPartition& tp) {
  auto& p = parts_[tp];
  if (!p) {
    p = std::make_unique<Part>();
    p->tp = tp;
    p->rkt = rd_kafka_topic_new(consumer_, tp.topic.c_str(), nullptr);
  }
  return *p;
}

void ClusterLog::RequestSeekLocked(Part& p, int64_t offset) {
  p.Clear(buffered_bytes_);
  p.seek_to = offset;
  p.next_read = offset;
  p.out_of_range = false;
  space_cv_.NotifyAll();
  rd_kafka_queue_yield(queue_);
}

void ClusterLog::ReaderLoop() {
  std::vector<rd_kafka_message_t*> msgs(1024);
  while (!stop_.load()) {
    {
      UniqueMutexLock lock(mu_);
      // Seeks first, on this thread: nothing fetched before a seek is popped after it.
      for (auto& [tp, p] : parts_) {
        if (p->seek_to < 0) continue;
        const int64_t to = p->seek_to;
        p->seek_to = -1;
        if (!p->started) {
          if (rd_kafka_consume_start_queue(p->rkt, tp.partition, to, queue_) == -1) {
            p->error = "cannot start reading: " + ErrText(rd_kafka_last_error());
            p->next_read = -1;
          } else {
            p->started = true;
          }
        } else if (rd_kafka_resp_err_t err = rd_kafka_seek(p->rkt, tp.partition, to, kSeekTimeoutMs); err) {
          p->error = "cannot seek to " + std::to_string(to) + ": " + ErrText(err);
          p->next_read = -1;
        }
      }
      while (!stop_.load() && buffered_bytes_ >= kMaxBuffered) space_cv_.Wait(mu_);
    }
    if (stop_.load()) break;
    rd_kafka_poll(consumer_, 0);  // error callbacks
    ssize_t n = rd_kafka_consume_batch_queue(queue_, 100, msgs.data(), msgs.size());
    if (n <= 0) continue;
    std::vector<std::function<void()>> fire;
    {
      MutexLock lock(mu_);
      bool got_data = false;
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
        auto it = parts_.find(log::TopicPartition{rd_kafka_topic_name(m->rkt), m->partition});
        Part* p = it == parts_.end() ? nullptr : it->second.get();
        // A seek asked for since this batch was fetched makes it stale.
        if (!p || p->seek_to >= 0 || p->next_read < 0) {
          rd_kafka_message_destroy(m);
          continue;
        }
        if (m->err) {
          if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
            p->out_of_range = true;
          } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            p->error = rd_kafka_message_errstr(m);
            p->error_code = CodeOf(m->err);
          }
          rd_kafka_message_destroy(m);
        } else {
          const int64_t last = p->messages.empty() ? p->next_read - 1 : p->messages.back()->offset;
          if (m->offset <= last) {  // already buffered (never expected; kept out)
            rd_kafka_message_destroy(m);
            continue;
          }
          p->messages.push_back(m);
          p->bytes += m->len + m->key_len + 64;
          buffered_bytes_ += m->len + m->key_len + 64;
          got_data = true;
        }
        for (auto& [id, fn] : p->waiters) {
          fire.push_back(std::move(fn));
          waits_.erase(id);
        }
        p->waiters.clear();
      }
      if (got_data) ClearClusterError();
      data_cv_.NotifyAll();
    }
    for (auto& fn : fire) fn();
  }
}

Result<log::FetchResult> ClusterLog::Fetch(const log::TopicPartition& tp, int64_t offset, size_t max_bytes,
                                           std::string& out) {
  log::FetchResult f;
  f.next_offset = offset;
  bool out_of_range = false;
  {
    UniqueMutexLock lock(mu_);
    PINPIPE_RETURN_IF_ERROR(EnsureConsumer());
    Part& p = PartLocked(tp);  // parts are never removed before Close: the reference stays valid
    if (p.next_read != offset && p.error.empty()) RequestSeekLocked(p, offset);
    auto ready = [&] {
      return !p.error.empty() ||
             (p.seek_to < 0 && p.next_read == offset && (!p.messages.empty() || p.out_of_range));
    };
    if (!ready()) {
      // Behind the cluster's end with nothing here yet (a seek, a fetch on its way): wait a
      // little, as a Kafka fetch's max wait does, so that a caller reading from any offset
      // (the stream job's re-reads, `--once` runs) gets the data without spinning.
      int64_t lo = -1, hi = -1;
      if (rd_kafka_get_watermark_offsets(consumer_, tp.topic.c_str(), tp.partition, &lo, &hi) !=
              RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0) {
        lock.unlock();
        auto o = Offsets(tp);  // blocking: worker threads only (the LogReader contract)
        lock.lock();
        hi = o ? o->high_watermark : -1;
      }
      if (hi > offset) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kFetchWaitMs);
        while (!ready() && !stop_.load() && data_cv_.WaitUntil(mu_, deadline)) {
        }
      }
    }
    if (!p.error.empty()) {
      Error e(p.error_code, "kafka cluster: " + tp.ToString() + ": " + p.error);
      p.error.clear();
      RequestSeekLocked(p, offset);  // start again from here next time
      lock.unlock();
      if (e.code() == ErrorCode::kNotFound) {
        // Readers take kNotFound as "the topic was deleted" (the sink drops its state): say it
        // only when the cluster's metadata agrees, not for a fetch's passing complaint.
        auto info = Describe(tp.topic);
        if (info || info.error().code() != ErrorCode::kNotFound) {
          return MakeError(ErrorCode::kUnavailable, e.message());
        }
      }
      return std::unexpected(e);
    }
    if (p.next_read != offset || p.seek_to >= 0) {
      // Still on its way.
    } else if (p.out_of_range) {
      out_of_range = true;
      p.out_of_range = false;
      p.next_read = -1;  // the next Fetch seeks again, wherever the reader goes
    } else if (!p.messages.empty()) {
      // Whole batches of consecutive offsets, up to about max_bytes (at least one record).
      scratch_records_.clear();
      scratch_headers_.clear();
      size_t taken = 0;
      size_t estimate = 0;
      int64_t base = -1;
      auto flush = [&] {
        if (scratch_records_.empty()) return;
        log::BatchOptions bo;
        bo.base_offset = base;
        log::EncodeBatch(bo, scratch_records_, 0, out);
        scratch_records_.clear();
        scratch_headers_.clear();
      };
      while (taken < p.messages.size() && (taken == 0 || estimate < max_bytes)) {
        rd_kafka_message_t* m = p.messages[taken];
        if (!scratch_records_.empty() && m->offset != base + static_cast<int64_t>(scratch_records_.size())) {
          flush();  // a gap in the offsets (compaction, transaction markers): a new batch
        }
        if (scratch_records_.empty()) base = m->offset;
        log::Record r;
        if (m->key) r.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) r.value = std::string_view(static_cast<const char*>(m->payload), m->len);
        rd_kafka_timestamp_type_t tstype;
        r.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
        rd_kafka_headers_t* hdrs = nullptr;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
          // Rare (DLQ records). The views point into the message; the vector may grow, so a
          // record with headers ends its batch before another record's headers are added.
          flush();
          base = m->offset;
          const char* name;
          const void* val;
          size_t size;
          for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
            log::Header h;
            h.key = name;
            if (val) h.value = std::string_view(static_cast<const char*>(val), size);
            scratch_headers_.push_back(h);
          }
          r.headers = scratch_headers_;
          scratch_records_.push_back(r);
          flush();
        } else {
          scratch_records_.push_back(r);
        }
        ++taken;
        estimate += m->len + m->key_len + 32;
        f.next_offset = m->offset + 1;
      }
      flush();
      for (size_t i = 0; i < taken; ++i) {
        rd_kafka_message_t* m = p.messages.front();
        const size_t b = m->len + m->key_len + 64;
        p.bytes -= b;
        buffered_bytes_ -= b;
        rd_kafka_message_destroy(m);
        p.messages.pop_front();
      }
      p.next_read = f.next_offset;
      space_cv_.NotifyAll();
    }
    int64_t lo = -1, hi = -1;
    if (consumer_ && rd_kafka_get_watermark_offsets(consumer_, tp.topic.c_str(), tp.partition, &lo, &hi) ==
                         RD_KAFKA_RESP_ERR_NO_ERROR) {
      f.log_start_offset = std::max<int64_t>(lo, 0);
      f.high_watermark = hi;
    }
    // What is buffered is below the high watermark, whatever the cached one says.
    int64_t buffered_end = p.messages.empty() ? f.next_offset : p.messages.back()->offset + 1;
    f.high_watermark = std::max({f.high_watermark, f.next_offset, buffered_end});
  }
  if (out_of_range) {
    PINPIPE_ASSIGN_OR_RETURN(log::PartitionOffsets o, Offsets(tp));
    f.out_of_range = true;
    f.log_start_offset = o.log_start_offset;
    f.high_watermark = o.high_watermark;
    return f;
  }
  if (f.next_offset == offset) {
    // Nothing here yet. A cluster nobody can reach is an error the reader should see.
    std::string err = ClusterError();
    if (!err.empty()) return MakeError(ErrorCode::kUnavailable, err);
  }
  return f;
}

Result<log::PartitionOffsets> ClusterLog::Offsets(const log::TopicPartition& tp) {
  {
    MutexLock lock(mu_);
    PINPIPE_RETURN_IF_ERROR(EnsureConsumer());
  }
  int64_t lo = 0, hi = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer_, tp.topic.c_str(), tp.partition, &lo, &hi,
                                                             static_cast<int>(options_.timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::unexpected(ErrorFrom(err, "offsets of " + tp.ToString()));
  return log::PartitionOffsets{lo, hi};
}

Result<uint64_t> ClusterLog::WaitForData(const log::TopicPartition& tp, int64_t offset, std::function<void()> fn) {
  MutexLock lock(mu_);
  PINPIPE_RETURN_IF_ERROR(EnsureConsumer());
  Part& p = PartLocked(tp);
  if (p.next_read != offset && p.error.empty() && !p.out_of_range) RequestSeekLocked(p, offset);
  if (p.seek_to < 0 && (!p.messages.empty() || p.out_of_range || !p.error.empty())) return uint64_t{0};
  const uint64_t id = next_wait_id_++;
  p.waiters.emplace(id, std::move(fn));
  waits_.emplace(id, tp);
  return id;
}

void ClusterLog::CancelWait(uint64_t id) {
  MutexLock lock(mu_);
  auto it = waits_.find(id);
  if (it == waits_.end()) return;
  if (auto p = parts_.find(it->second); p != parts_.end()) p->second->waiters.erase(id);
  waits_.erase(it);
}

}  // namespace pinpipe::kafka
