#include "gateway/consumer_manager.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <chrono>
#include <random>
#include <set>

#include "common/base64.h"
#include "common/json_writer.h"
#include "gateway/rest_errors.h"
#include "gateway/topic_names.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {
namespace {

namespace dom = simdjson::dom;

thread_local dom::parser json_parser;
thread_local std::string read_buffer;

// Parses a request body; an empty body parses as `{}` when allow_empty.
bool ParseBody(const http::Request& req, dom::element& out, bool allow_empty = true) {
  std::string_view body = req.body;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (!allow_empty) return false;
    body = "{}";
  }
  return json_parser.parse(body.data(), body.size()).get(out) == simdjson::SUCCESS;
}

http::Response NoContent() {
  http::Response r;
  r.status = 204;
  return r;
}

http::Response InstanceNotFound() {
  return RestError(rest_code::kConsumerInstanceNotFound, "Consumer instance not found.");
}

http::Response BadJson() {
  return RestError(rest_code::kBadRequest, "Bad Request: the body is not valid JSON");
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

// {"partitions":[{"topic","partition"}]} -> list; false on a shape error.
bool ParsePartitions(dom::element root, std::vector<TopicPartition>& out) {
  dom::array arr;
  if (root["partitions"].get_array().get(arr)) return false;
  for (dom::element e : arr) {
    std::string_view t;
    int64_t p;
    if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) || p < 0 ||
        p > INT32_MAX) {
      return false;
    }
    out.emplace_back(std::string(t), static_cast<int32_t>(p));
  }
  return true;
}

void AppendTopicPartitionJson(std::string& out, const TopicPartition& tp) {
  out += "{\"topic\":";
  AppendJsonString(out, tp.first);
  out += ",\"partition\":";
  AppendJsonInt(out, tp.second);
  out += '}';
}

}  // namespace

struct ConsumerManager::Poll {
  Key key;
  http::Responder responder;
  int64_t deadline_ms = 0;
  int64_t max_bytes = 0;
  int64_t min_bytes = 1;
  std::vector<log::LogManager::WaitId> waits;
  bool done = false;   // guarded by mu_
  bool woken = false;  // guarded by mu_: data may be available
};

ConsumerManager::ConsumerManager(log::LogManager& log, ConsumerOptions options)
    : log_(log), options_(options) {
  poller_ = std::thread([this] { PollerLoop(); });
}

ConsumerManager::~ConsumerManager() { Stop(); }

void ConsumerManager::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  std::lock_guard lock(mu_);
  for (auto& p : polls_) {
    for (auto id : p->waits) log_.CancelWait(id);
    if (!p->done) {
      p->done = true;
      p->responder.Send(RestJson(200, "[]"));
    }
  }
  polls_.clear();
}

int64_t ConsumerManager::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

size_t ConsumerManager::instance_count() const {
  std::lock_guard lock(mu_);
  return instances_.size();
}

ConsumerInstance* ConsumerManager::Find(const http::Request& req) {
  auto it = instances_.find(Key(std::string(req.PathParam("group")), std::string(req.PathParam("instance"))));
  if (it == instances_.end()) return nullptr;
  it->second->last_used_ms = NowMs();
  return it->second.get();
}

void ConsumerManager::Create(const http::Request& req, http::Responder r) {
  dom::element root;
  if (!ParseBody(req, root)) return r.Send(BadJson());
  if (!root.is_object()) return r.Send(RestError(rest_code::kUnprocessable, "the body must be a JSON object"));
  auto c = std::make_unique<ConsumerInstance>();
  c->group = std::string(req.PathParam("group"));
  if (c->group.empty() || c->group.size() > 249) {
    return r.Send(RestError(rest_code::kUnprocessable, "invalid consumer group name"));
  }
  std::string_view s;
  if (!root["id"].get_string().get(s) || !root["name"].get_string().get(s)) {
    c->name = std::string(s);
  } else {
    c->name = NewInstanceName();
  }
  // Instance names become URL path segments.
  if (c->name.empty() || c->name.find_first_of("/?# ") != std::string::npos) {
    return r.Send(RestError(rest_code::kUnprocessable, "invalid consumer instance name"));
  }
  if (!root["format"].get_string().get(s)) {
    std::string f(s);
    std::transform(f.begin(), f.end(), f.begin(), ::tolower);
    if (f == "json") {
      c->format = EmbeddedFormat::kJson;
    } else if (f == "binary") {
      c->format = EmbeddedFormat::kBinary;
    } else if (f == "avro" || f == "jsonschema" || f == "protobuf" || f == "string") {
      return r.Send(RestError(rest_code::kUnprocessable,
                              "format " + f + " is not supported by pinpipe; use json or binary"));
    } else {
      return r.Send(RestError(rest_code::kUnprocessable, "Invalid format type."));
    }
  }
  if (!root["auto.offset.reset"].get_string().get(s)) {
    if (s == "earliest" || s == "smallest") c->reset = OffsetReset::kEarliest;
    else if (s == "latest" || s == "largest") c->reset = OffsetReset::kLatest;
    else if (s == "none") c->reset = OffsetReset::kNone;
    else return r.Send(RestError(rest_code::kInvalidConsumerConfigValue,
                                 "Invalid consumer configuration: auto.offset.reset must be earliest, latest or none"));
  }
  if (!root["auto.commit.enable"].get_string().get(s)) {
    if (s == "true") c->auto_commit = true;
    else if (s == "false") c->auto_commit = false;
    else return r.Send(RestError(rest_code::kInvalidConsumerConfigValue,
                                 "Invalid consumer configuration: auto.commit.enable must be \"true\" or \"false\""));
  }
  int64_t n;
  if (!root["fetch.min.bytes"].get_int64().get(n) ||
      (root["fetch.min.bytes"].get_string().get(s) == simdjson::SUCCESS && std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc())) {
    if (n < -1 || n > 10000000) {
      return r.Send(RestError(rest_code::kInvalidConsumerConfig,
                              "Invalid consumer configuration. It does not abide by the constraints: fetch.min.bytes must be in -1..10000000"));
    }
    c->fetch_min_bytes = n;
  }
  if (!root["consumer.request.timeout.ms"].get_int64().get(n) ||
      (root["consumer.request.timeout.ms"].get_string().get(s) == simdjson::SUCCESS && std::from_chars(s.data(), s.data() + s.size(), n).ec == std::errc())) {
    c->request_timeout_ms = n;
  }
  c->last_used_ms = NowMs();

  std::string host(req.Header("Host"));
  if (host.empty()) host = "127.0.0.1";
  std::string body = "{\"instance_id\":";
  AppendJsonString(body, c->name);
  body += ",\"base_uri\":";
  AppendJsonString(body, "http://" + host + "/consumers/" + c->group + "/instances/" + c->name);
  body += '}';

  std::lock_guard lock(mu_);
  Key key(c->group, c->name);
  if (instances_.count(key)) {
    return r.Send(RestError(rest_code::kConsumerAlreadyExists,
                            "Consumer with specified consumer ID already exists in the specified consumer group."));
  }
  instances_.emplace(std::move(key), std::move(c));
  r.Send(RestJson(200, std::move(body)));
}

void ConsumerManager::RemoveInstance(const Key& key) {
  auto it = instances_.find(key);
  if (it == instances_.end()) return;
  ConsumerInstance& c = *it->second;
  if (c.auto_commit) CommitPositions(c, nullptr);
  bool was_member = c.subscribed();
  std::string group = c.group;
  instances_.erase(it);
  if (was_member) Rebalance(group);
}

void ConsumerManager::Delete(const http::Request& req, http::Responder r) {
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  RemoveInstance(Key(c->group, c->name));
  r.Send(NoContent());
}

void ConsumerManager::Subscribe(const http::Request& req, http::Responder r) {
  dom::element root;
  if (!ParseBody(req, root, false)) return r.Send(BadJson());
  std::vector<std::string> topics;
  std::optional<std::string> pattern;
  dom::array arr;
  std::string_view s;
  if (!root["topics"].get_array().get(arr)) {
    for (dom::element e : arr) {
      if (e.get_string().get(s)) return r.Send(RestError(rest_code::kUnprocessable, "topics must be strings"));
      if (auto bad = CheckTopicName(s)) return r.Send(RestError(rest_code::kKafkaBadRequest, *bad));
      topics.emplace_back(s);
    }
  } else if (!root["topic_pattern"].get_string().get(s)) {
    pattern = std::string(s);
  } else {
    return r.Send(RestError(rest_code::kUnprocessable, "subscription needs topics or topic_pattern"));
  }
  if (topics.empty() && !pattern) {
    return r.Send(RestError(rest_code::kUnprocessable, "topics may not be empty"));
  }
  std::optional<std::regex> re;
  if (pattern) {
    try {
      re.emplace(*pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return r.Send(RestError(rest_code::kUnprocessable, "invalid topic_pattern: " + std::string(e.what())));
    }
  }
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (c->manual) {
    return r.Send(RestError(rest_code::kIllegalState,
                            "Illegal state: Subscription to topics, partitions and pattern are mutually exclusive"));
  }
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  c->topics = std::move(topics);
  c->pattern_text = std::move(pattern);
  c->pattern = std::move(re);
  Rebalance(c->group);
  r.Send(NoContent());
}

void ConsumerManager::GetSubscription(const http::Request& req, http::Responder r) {
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  std::string body = "{\"topics\":[";
  std::vector<std::string> topics = c->topics;
  if (c->pattern) {
    for (const auto& [t, n] : c->assigned_from) topics.push_back(t);
  }
  for (size_t i = 0; i < topics.size(); ++i) {
    if (i) body += ',';
    AppendJsonString(body, topics[i]);
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

void ConsumerManager::Unsubscribe(const http::Request& req, http::Responder r) {
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (c->subscribed()) {
    if (c->auto_commit) CommitPositions(*c, nullptr);
    c->topics.clear();
    c->pattern.reset();
    c->pattern_text.reset();
    c->positions.clear();
    c->assigned_from.clear();
    Rebalance(c->group);
  } else if (c->manual) {
    c->manual = false;
    c->positions.clear();
  }
  r.Send(NoContent());
}

void ConsumerManager::Assign(const http::Request& req, http::Responder r) {
  dom::element root;
  if (!ParseBody(req, root, false)) return r.Send(BadJson());
  std::vector<TopicPartition> parts;
  if (!ParsePartitions(root, parts)) {
    return r.Send(RestError(rest_code::kUnprocessable, "expected {\"partitions\":[{\"topic\",\"partition\"}]}"));
  }
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (c->subscribed()) {
    return r.Send(RestError(rest_code::kIllegalState,
                            "Illegal state: Subscription to topics, partitions and pattern are mutually exclusive"));
  }
  c->manual = true;
  std::map<TopicPartition, int64_t> positions;
  for (auto& tp : parts) {
    auto old = c->positions.find(tp);
    positions[tp] = old == c->positions.end() ? -1 : old->second;
  }
  c->positions = std::move(positions);
  r.Send(NoContent());
}

void ConsumerManager::GetAssignments(const http::Request& req, http::Responder r) {
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (AssignmentStale(*c)) Rebalance(c->group);
  std::string body = "{\"partitions\":[";
  bool first = true;
  for (const auto& [tp, pos] : c->positions) {
    if (!first) body += ',';
    first = false;
    AppendTopicPartitionJson(body, tp);
  }
  body += "]}";
  r.Send(RestJson(200, std::move(body)));
}

// Range assignment per topic among the group's subscribed members (sorted by name), like
// Kafka's RangeAssignor. Revoked partitions are committed first when auto-commit is on, so the
// next owner continues where the previous one stopped.
void ConsumerManager::Rebalance(const std::string& group) {
  std::vector<ConsumerInstance*> members;
  for (auto it = instances_.lower_bound(Key(group, "")); it != instances_.end() && it->first.first == group; ++it) {
    if (it->second->subscribed()) members.push_back(it->second.get());
  }
  // Topic -> partitions, and topic -> subscribed members (in name order).
  std::map<std::string, int32_t> topic_partitions;
  std::map<std::string, std::vector<ConsumerInstance*>> subscribers;
  std::vector<log::TopicInfo> all_topics;
  bool listed = false;
  for (ConsumerInstance* m : members) {
    std::vector<std::string> topics = m->topics;
    if (m->pattern) {
      if (!listed) {
        all_topics = log_.ListTopics();
        listed = true;
      }
      for (const auto& t : all_topics) {
        if (std::regex_match(t.name, *m->pattern)) topics.push_back(t.name);
      }
    }
    std::map<std::string, int32_t> from;
    for (const auto& t : topics) {
      auto info = log_.GetTopic(t);
      int32_t n = info ? info->partitions : 0;
      from[t] = n;
      topic_partitions[t] = n;
      subscribers[t].push_back(m);
    }
    m->assigned_from = std::move(from);
  }
  std::map<ConsumerInstance*, std::set<TopicPartition>> target;
  for (auto& [topic, subs] : subscribers) {
    int32_t n = topic_partitions[topic];
    int32_t m = static_cast<int32_t>(subs.size());
    int32_t per = n / m, extra = n % m, next = 0;
    for (int32_t i = 0; i < m; ++i) {
      int32_t count = per + (i < extra ? 1 : 0);
      for (int32_t k = 0; k < count; ++k) target[subs[i]].insert({topic, next++});
    }
  }
  // Revoke first (committing), then assign.
  for (ConsumerInstance* m : members) {
    std::vector<TopicPartition> revoked;
    for (const auto& [tp, pos] : m->positions) {
      if (!target[m].count(tp)) revoked.push_back(tp);
    }
    if (m->auto_commit && !revoked.empty()) CommitPositions(*m, &revoked);
    for (const auto& tp : revoked) m->positions.erase(tp);
  }
  for (ConsumerInstance* m : members) {
    for (const auto& tp : target[m]) m->positions.emplace(tp, -1);
  }
}

bool ConsumerManager::AssignmentStale(const ConsumerInstance& c) {
  if (!c.subscribed()) return false;
  if (c.pattern) {
    size_t matching = 0;
    for (const auto& t : log_.ListTopics()) {
      if (!std::regex_match(t.name, *c.pattern)) continue;
      ++matching;
      auto it = c.assigned_from.find(t.name);
      if (it == c.assigned_from.end() || it->second != t.partitions) return true;
    }
    return matching != c.assigned_from.size() - c.topics.size() && c.topics.empty();
  }
  for (const auto& [t, n] : c.assigned_from) {
    auto info = log_.GetTopic(t);
    if ((info ? info->partitions : 0) != n) return true;
  }
  return false;
}

void ConsumerManager::CommitPositions(ConsumerInstance& c, const std::vector<TopicPartition>* only) {
  std::vector<log::OffsetCommit> commits;
  auto add = [&](const TopicPartition& tp, int64_t pos) {
    if (pos >= 0) commits.push_back(log::OffsetCommit{tp.first, tp.second, pos, ""});
  };
  if (only) {
    for (const auto& tp : *only) {
      auto it = c.positions.find(tp);
      if (it != c.positions.end()) add(it->first, it->second);
    }
  } else {
    for (const auto& [tp, pos] : c.positions) add(tp, pos);
  }
  if (!commits.empty()) (void)log_.offsets().Commit(c.group, commits);
}

int64_t ConsumerManager::ResolvePosition(ConsumerInstance& c, const TopicPartition& tp, bool* error) {
  int64_t& pos = c.positions[tp];
  auto info = log_.GetPartitionInfo(tp.first, tp.second);
  if (!info) return -1;  // topic or partition not there (yet)
  if (pos >= 0 && pos >= info->log_start_offset && pos <= info->high_watermark) return pos;
  if (pos < 0) {
    if (auto committed = log_.offsets().Fetch(c.group, tp.first, tp.second)) {
      pos = committed->offset;
      if (pos >= info->log_start_offset && pos <= info->high_watermark) return pos;
    }
  }
  switch (c.reset) {
    case OffsetReset::kEarliest: pos = info->log_start_offset; break;
    case OffsetReset::kLatest: pos = info->high_watermark; break;
    case OffsetReset::kNone: *error = true; return -1;
  }
  return pos;
}

int64_t ConsumerManager::ReadInto(ConsumerInstance& c, int64_t max_bytes, std::string& body,
                                  int* error_code, std::string* error) {
  if (AssignmentStale(c)) Rebalance(c.group);
  body.assign("[");
  int64_t collected = 0;
  bool first = true;
  std::vector<TopicPartition> owned;
  owned.reserve(c.positions.size());
  for (const auto& [tp, pos] : c.positions) owned.push_back(tp);
  if (owned.empty()) {
    body += ']';
    return 0;
  }
  thread_local dom::parser validator;
  const size_t start = c.next_partition++ % owned.size();
  for (size_t k = 0; k < owned.size() && collected < max_bytes; ++k) {
    const TopicPartition& tp = owned[(start + k) % owned.size()];
    bool reset_error = false;
    int64_t pos = ResolvePosition(c, tp, &reset_error);
    if (reset_error) {
      *error_code = rest_code::kKafkaError;
      *error = "Kafka error: no committed offset for " + tp.first + "-" + std::to_string(tp.second) +
               " and auto.offset.reset is none";
      return -1;
    }
    if (pos < 0) continue;
    read_buffer.clear();
    auto rr = log_.Read(tp.first, tp.second, pos,
                        static_cast<size_t>(std::max<int64_t>(max_bytes - collected, 1)), read_buffer);
    if (!rr || rr->bytes == 0) continue;
    log::RecordReader reader(read_buffer, pos);
    log::RecordView rec;
    while (reader.Next(rec)) {
      int64_t size = static_cast<int64_t>((rec.key ? rec.key->size() : 0) + (rec.value ? rec.value->size() : 0));
      // Always return at least one record, then stop before max_bytes would be exceeded.
      if (!first && collected + size > max_bytes) break;
      if (c.format == EmbeddedFormat::kJson) {
        for (const auto* part : {&rec.key, &rec.value}) {
          if (!*part) continue;
          dom::element ignored;
          if (validator.parse((*part)->data(), (*part)->size()).get(ignored)) {
            *error_code = rest_code::kSerialization;
            *error = "Error deserializing key/value for partition " + tp.first + "-" +
                     std::to_string(tp.second) + " at offset " + std::to_string(rec.offset) +
                     ": the record is not JSON; read it with a binary consumer";
            return -1;
          }
        }
      }
      if (!first) body += ',';
      first = false;
      body += "{\"topic\":";
      AppendJsonString(body, tp.first);
      body += ",\"key\":";
      if (!rec.key) {
        body += "null";
      } else if (c.format == EmbeddedFormat::kJson) {
        body += *rec.key;
      } else {
        body += '"';
        Base64Encode(*rec.key, body);
        body += '"';
      }
      body += ",\"value\":";
      if (!rec.value) {
        body += "null";
      } else if (c.format == EmbeddedFormat::kJson) {
        body += *rec.value;
      } else {
        body += '"';
        Base64Encode(*rec.value, body);
        body += '"';
      }
      body += ",\"partition\":";
      AppendJsonInt(body, tp.second);
      body += ",\"offset\":";
      AppendJsonInt(body, rec.offset);
      body += '}';
      collected += size;
      c.positions[tp] = rec.offset + 1;
    }
  }
  body += ']';
  return first ? 0 : std::max<int64_t>(collected, 1);
}

void ConsumerManager::Records(const http::Request& req, http::Responder r) {
  bool unsupported = false;
  auto wanted = AcceptedFormat(req.Header("Accept"), &unsupported);
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
  std::unique_lock lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (unsupported || (wanted && *wanted != c->format)) {
    return r.Send(RestError(rest_code::kFormatMismatch,
                            "The requested embedded data format does not match the deserializer for this consumer instance"));
  }
  if (!c->subscribed() && !c->manual) {
    return r.Send(RestError(rest_code::kIllegalState,
                            "Illegal state: Consumer is not subscribed to any topics or assigned any partitions"));
  }
  // Auto-commit: what the previous reads returned is committed at this poll, as Kafka does.
  if (c->auto_commit) CommitPositions(*c, nullptr);
  int64_t wait = c->request_timeout_ms > 0 ? c->request_timeout_ms : options_.request_timeout_ms;
  if (timeout > 0) wait = std::min(timeout, wait);
  if (timeout == 0) wait = 0;
  int64_t min_bytes = c->fetch_min_bytes > 0 ? c->fetch_min_bytes : 1;

  std::string body;
  int error_code = 0;
  std::string error;
  int64_t got = ReadInto(*c, max_bytes, body, &error_code, &error);
  if (got < 0) return r.Send(RestError(error_code, error));
  auto respond = [&](http::Responder& resp, std::string b) {
    http::Response out;
    out.status = 200;
    out.content_type = std::string(FormatContentType(c->format));
    out.body = std::move(b);
    resp.Send(std::move(out));
  };
  if (got >= min_bytes || wait <= 0) return respond(r, std::move(body));
  if (got > 0) {
    // Fewer than fetch.min.bytes: keep what we have and answer it at the deadline.
    respond(r, std::move(body));
    return;
  }
  auto poll = std::make_shared<Poll>();
  poll->key = Key(c->group, c->name);
  poll->responder = std::move(r);
  poll->deadline_ms = NowMs() + wait;
  poll->max_bytes = max_bytes;
  poll->min_bytes = min_bytes;
  RegisterWaits(poll, *c);
  polls_.push_back(poll);
  lock.unlock();
  cv_.notify_all();
}

void ConsumerManager::RegisterWaits(const std::shared_ptr<Poll>& poll, ConsumerInstance& c) {
  for (auto& [tp, pos] : c.positions) {
    if (pos < 0) continue;
    std::weak_ptr<Poll> weak = poll;
    auto id = log_.WaitForData(tp.first, tp.second, pos, [this, weak] {
      auto p = weak.lock();
      if (!p) return;
      {
        std::lock_guard lock(mu_);
        p->woken = true;
        wake_ = true;
      }
      cv_.notify_all();
    });
    if (id && *id != 0) poll->waits.push_back(*id);
    if (id && *id == 0) poll->woken = true;  // data arrived in between
  }
}

void ConsumerManager::TryComplete(const std::shared_ptr<Poll>& poll, bool deadline_passed) {
  // requires mu_
  auto it = instances_.find(poll->key);
  std::string body;
  int error_code = 0;
  std::string error;
  if (it == instances_.end()) {
    poll->done = true;
    poll->responder.Send(InstanceNotFound());
    return;
  }
  ConsumerInstance& c = *it->second;
  int64_t got = ReadInto(c, poll->max_bytes, body, &error_code, &error);
  if (got < 0) {
    poll->done = true;
    poll->responder.Send(RestError(error_code, error));
    return;
  }
  if (got > 0 || deadline_passed) {
    poll->done = true;
    for (auto id : poll->waits) log_.CancelWait(id);
    http::Response out;
    out.status = 200;
    out.content_type = std::string(FormatContentType(c.format));
    out.body = std::move(body);
    poll->responder.Send(std::move(out));
    return;
  }
  // Nothing yet: re-arm the waits at the current positions.
  for (auto id : poll->waits) log_.CancelWait(id);
  poll->waits.clear();
  poll->woken = false;
  RegisterWaits(poll, c);
}

void ConsumerManager::PollerLoop() {
  std::unique_lock lock(mu_);
  int64_t next_sweep = NowMs() + 1000;
  while (!stop_) {
    int64_t now = NowMs();
    // Fallback re-check every 50 ms (consumer.iterator.backoff.ms) covers topics created and
    // partitions assigned after the poll started.
    int64_t wake_at = std::min(next_sweep, now + 50);
    for (auto& p : polls_) wake_at = std::min(wake_at, p->deadline_ms);
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(wake_at - now, 0)),
                 [this] { return stop_ || wake_; });
    if (stop_) break;
    wake_ = false;
    now = NowMs();
    for (auto& p : polls_) {
      if (p->done) continue;
      TryComplete(p, now >= p->deadline_ms);
    }
    polls_.erase(std::remove_if(polls_.begin(), polls_.end(), [](auto& p) { return p->done; }),
                 polls_.end());
    if (now >= next_sweep) {
      next_sweep = now + 1000;
      std::vector<Key> expired;
      for (auto& [key, c] : instances_) {
        if (now - c->last_used_ms > options_.instance_timeout_ms) expired.push_back(key);
      }
      for (auto& key : expired) RemoveInstance(key);
    }
  }
}

void ConsumerManager::Seek(const http::Request& req, http::Responder r) {
  dom::element root;
  if (!ParseBody(req, root, false)) return r.Send(BadJson());
  std::vector<std::pair<TopicPartition, int64_t>> seeks;
  dom::array arr;
  if (!root["offsets"].get_array().get(arr)) {
    for (dom::element e : arr) {
      std::string_view t;
      int64_t p, o;
      if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) ||
          e["offset"].get_int64().get(o) || o < 0) {
        return r.Send(RestError(rest_code::kUnprocessable, "offsets need topic, partition and a non-negative offset"));
      }
      seeks.push_back({{std::string(t), static_cast<int32_t>(p)}, o});
    }
  }
  std::vector<std::pair<TopicPartition, int64_t>> by_time;
  if (!root["timestamps"].get_array().get(arr)) {
    for (dom::element e : arr) {
      std::string_view t, ts;
      int64_t p;
      if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) ||
          e["timestamp"].get_string().get(ts)) {
        return r.Send(RestError(rest_code::kUnprocessable, "timestamps need topic, partition and an ISO-8601 timestamp"));
      }
      // ISO-8601 "YYYY-MM-DDTHH:MM:SS[.mmm]Z" -> ms since the epoch (UTC).
      std::tm tm{};
      int ms = 0;
      if (sscanf(std::string(ts).c_str(), "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon,
                 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
        return r.Send(RestError(rest_code::kUnprocessable, "invalid timestamp " + std::string(ts)));
      }
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      int64_t when = static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
      auto off = log_.OffsetForTimestamp(t, static_cast<int32_t>(p), when);
      if (!off) return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
      by_time.push_back({{std::string(t), static_cast<int32_t>(p)}, *off});
    }
  }
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  for (auto& list : {&seeks, &by_time}) {
    for (auto& [tp, off] : *list) {
      if (!c->positions.count(tp)) {
        return r.Send(RestError(rest_code::kIllegalState,
                                "Illegal state: No current assignment for partition " + tp.first + "-" + std::to_string(tp.second)));
      }
    }
  }
  for (auto& [tp, off] : seeks) c->positions[tp] = off;
  for (auto& [tp, off] : by_time) {
    if (off < 0) {
      auto info = log_.GetPartitionInfo(tp.first, tp.second);
      off = info ? info->high_watermark : 0;
    }
    c->positions[tp] = off;
  }
  r.Send(NoContent());
}

void ConsumerManager::SeekBeginning(const http::Request& req, http::Responder r) {
  SeekToEdge(req, std::move(r), /*end=*/false);
}

void ConsumerManager::SeekEnd(const http::Request& req, http::Responder r) {
  SeekToEdge(req, std::move(r), /*end=*/true);
}

void ConsumerManager::SeekToEdge(const http::Request& req, http::Responder r, bool end) {
  dom::element root;
  std::vector<TopicPartition> parts;
  if (!ParseBody(req, root, false) || !ParsePartitions(root, parts)) return r.Send(BadJson());
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  for (auto& tp : parts) {
    if (!c->positions.count(tp)) {
      return r.Send(RestError(rest_code::kIllegalState, "Illegal state: No current assignment for partition " + tp.first + "-" + std::to_string(tp.second)));
    }
  }
  for (auto& tp : parts) {
    auto info = log_.GetPartitionInfo(tp.first, tp.second);
    c->positions[tp] = !info ? 0 : end ? info->high_watermark : info->log_start_offset;
  }
  r.Send(NoContent());
}

void ConsumerManager::CommitOffsets(const http::Request& req, http::Responder r) {
  dom::element root;
  if (!ParseBody(req, root)) return r.Send(BadJson());
  std::vector<std::tuple<std::string, int32_t, int64_t, std::string>> explicit_commits;
  dom::array arr;
  bool has_list = !root["offsets"].get_array().get(arr);
  if (has_list) {
    for (dom::element e : arr) {
      std::string_view t, meta;
      int64_t p, o;
      if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) || e["offset"].get_int64().get(o) || o < 0) {
        return r.Send(RestError(rest_code::kUnprocessable, "offsets need topic, partition and a non-negative offset"));
      }
      if (e["metadata"].get_string().get(meta)) meta = "";
      // The client posts the offset of the last consumed record; Kafka stores the next one.
      explicit_commits.emplace_back(std::string(t), static_cast<int32_t>(p), o + 1, std::string(meta));
    }
  }
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  if (!has_list) {
    CommitPositions(*c, nullptr);
  } else if (!explicit_commits.empty()) {
    std::vector<log::OffsetCommit> commits;
    for (auto& [t, p, o, m] : explicit_commits) commits.push_back(log::OffsetCommit{t, p, o, m});
    auto st = log_.offsets().Commit(c->group, commits);
    if (!st) return r.Send(RestError(rest_code::kKafkaError, "Kafka error: " + st.error().message()));
  }
  r.Send(RestJson(200, "[]"));
}

void ConsumerManager::GetOffsets(const http::Request& req, http::Responder r) {
  dom::element root;
  std::vector<TopicPartition> parts;
  if (!ParseBody(req, root, false) || !ParsePartitions(root, parts)) {
    return r.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
  }
  std::lock_guard lock(mu_);
  ConsumerInstance* c = Find(req);
  if (!c) return r.Send(InstanceNotFound());
  std::string body = "{\"offsets\":[";
  bool first = true;
  for (auto& tp : parts) {
    auto committed = log_.offsets().Fetch(c->group, tp.first, tp.second);
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

}  // namespace pinpipe::gateway
