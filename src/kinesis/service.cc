#include "kinesis/service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <cstdlib>

#include "common/base64.h"
#include "common/clock.h"
#include "kinesis/request_fields.h"
#include "kinesis/sequence_number.h"
#include "kinesis/shard_iterator.h"

namespace pinpipe::kinesis {
namespace {

constexpr std::string_view kNamePattern = "[a-zA-Z0-9_.-]+";
constexpr std::string_view kExplicitHashKeyHeader = "kinesis.ExplicitHashKey";

ApiError Err(std::string type, std::string message) { return ApiError{std::move(type), std::move(message), 400}; }
std::unexpected<ApiError> Fail(std::string type, std::string message) {
  return std::unexpected(Err(std::move(type), std::move(message)));
}
std::unexpected<ApiError> Internal(const Error& e) {
  return std::unexpected(ApiError{"InternalFailure", e.message(), 500});
}

// The stream a request names, by StreamName or StreamARN, validated.
struct StreamRef {
  std::string name;
};

std::optional<StreamRef> StreamOf(RequestFields& f, bool required = true) {
  const std::string* name = f.String("StreamName");
  const std::string* arn = f.String("StreamARN");
  StreamRef r;
  if (name) {
    r.name = *name;
  } else if (arn) {
    auto slash = arn->rfind(":stream/");
    if (!arn->starts_with("arn:") || slash == std::string::npos) {
      f.Fail("Value " + Quoted(*arn) + " at 'streamARN' failed to satisfy constraint: Member must satisfy "
             "regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
      return std::nullopt;
    }
    r.name = arn->substr(slash + 8);
  } else {
    if (required) f.Required(false, "streamName");
    return std::nullopt;
  }
  f.Length(r.name, 1, 128, "streamName");
  if (!r.name.empty()) f.Pattern(r.name, RequestFields::ValidName(r.name), kNamePattern, "streamName");
  return r;
}

std::string NotFound(const std::string& name, const std::string& account) {
  return "Stream " + name + " under account " + account + " not found.";
}

Value ModeDetails(const StreamMeta& s) {
  Value m = Value::Map();
  m.Set("StreamMode", Value::String(s.mode));
  return m;
}

Value Monitoring(const StreamMeta& s) {
  Value list = Value::Array();
  Value e = Value::Map();
  Value metrics = Value::Array();
  for (const auto& m : s.shard_level_metrics) metrics.Add(Value::String(m));
  e.Set("ShardLevelMetrics", std::move(metrics));
  list.Add(std::move(e));
  return list;
}

// The shard of the open shards whose hash range holds `k` (-1 if none: cannot happen for a
// stream whose open shards cover the space).
int32_t ShardFor(const StreamMeta& s, HashKey k) {
  for (const auto& sh : s.shards) {
    if (sh.open() && sh.start_hash <= k && k <= sh.end_hash) return sh.index;
  }
  return -1;
}

// State of one PutRecord(s) call shared by its appends' callbacks (one per shard); the last
// holder answers.
struct PendingPut {
  struct Slot {
    int32_t shard = -1;
    int64_t offset = -1;
    bool failed = false;
    bool throttled = false;  // ProvisionedThroughputExceededException (throttle or fault injection)
  };
  Service::Done done;
  bool many = false;
  std::shared_ptr<const StreamMeta> stream;
  int64_t now_ms = 0;
  std::vector<Slot> slots;
  std::vector<uint32_t> order;  // record indices grouped by shard
  std::atomic<int> remaining{1};

  void Release() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    Finish();
    delete this;
  }
  std::string account;
  std::string ThrottleMessage(const Slot& s) const {
    return "Rate exceeded for shard " + ShardIdOf(s.shard) + " in stream " + stream->name + " under account " +
           account + ".";
  }
  std::string Sequence(const Slot& s) const {
    const ShardMeta& sh = stream->shards[static_cast<size_t>(s.shard)];
    return EncodeSequenceNumber({sh.created_ms / 1000, sh.index, s.offset, now_ms / 1000});
  }
  void Finish() {
    if (!many) {
      if (slots[0].throttled) {
        done(std::unexpected(ApiError{"ProvisionedThroughputExceededException", ThrottleMessage(slots[0]), 400}));
        return;
      }
      if (slots[0].failed) {
        done(std::unexpected(ApiError{"InternalFailure", "Internal Service Failure", 500}));
        return;
      }
      Value r = Value::Map();
      r.fields.reserve(3);
      r.Set("ShardId", Value::String(ShardIdOf(slots[0].shard)));
      r.Set("SequenceNumber", Value::String(Sequence(slots[0])));
      r.Set("EncryptionType", Value::String(stream->encryption));
      done(std::move(r));
      return;
    }
    Value r = Value::Map();
    r.fields.reserve(3);
    int64_t failed = 0;
    Value recs = Value::Array();
    recs.items.reserve(slots.size());
    std::vector<std::string> shard_ids;  // per shard index, made once per request
    for (const auto& s : slots) {
      Value e = Value::Map();
      e.fields.reserve(2);
      if (s.throttled) {
        ++failed;
        e.Set("ErrorCode", Value::String("ProvisionedThroughputExceededException"));
        e.Set("ErrorMessage", Value::String(ThrottleMessage(s)));
      } else if (s.failed) {
        ++failed;
        e.Set("ErrorCode", Value::String("InternalFailure"));
        e.Set("ErrorMessage", Value::String("Internal Service Failure"));
      } else {
        e.Set("SequenceNumber", Value::String(Sequence(s)));
        if (s.shard < 0) {
          e.Set("ShardId", Value::String(ShardIdOf(s.shard)));
        } else {
          const auto k = static_cast<size_t>(s.shard);
          if (shard_ids.size() <= k) shard_ids.resize(k + 1);
          if (shard_ids[k].empty()) shard_ids[k] = ShardIdOf(s.shard);
          e.Set("ShardId", Value::String(shard_ids[k]));
        }
      }
      recs.Add(std::move(e));
    }
    r.Set("FailedRecordCount", Value::Int(failed));
    r.Set("Records", std::move(recs));
    r.Set("EncryptionType", Value::String(stream->encryption));
    done(std::move(r));
  }
};

}  // namespace

Result<std::unique_ptr<Service>> Service::Open(log::LogManager& log, ServiceOptions options) {
  std::unique_ptr<Service> s(new Service(log, std::move(options)));
  if (s->options_.throttle) s->throttle_ = std::make_unique<ShardThrottle>(s->options_.throttle_limits);
  PINPIPE_ASSIGN_OR_RETURN(s->store_, StreamStore::Open(log.options().dir));
  for (const auto& m : s->store_->All()) {
    for (const auto& sh : m->shards) {
      if (sh.closing()) {
        PINPIPE_RETURN_IF_ERROR(s->FinishClosing(m->name));
        break;
      }
    }
  }
  return s;
}


std::string Service::Arn(std::string_view stream) const {
  return "arn:aws:kinesis:" + options_.region + ":" + options_.account + ":stream/" + std::string(stream);
}

std::string Service::StartingSequence(const ShardMeta& sh) const {
  // Arrival time 0 marks the shard's start: below the first record's number (same seqIx, a
  // later arrival), and AFTER_SEQUENCE_NUMBER of it still starts at that first record.
  return EncodeSequenceNumber({sh.created_ms / 1000, sh.index, sh.start_offset, 0});
}

std::string Service::EndingSequence(const StreamMeta& s, const ShardMeta& sh) const {
  // The last record's number when the shard holds any, else the starting number.
  if (sh.end_offset > sh.start_offset) {
    std::string buf;
    auto r = log_.Read(s.name, sh.index, sh.end_offset - 1, 1, buf);
    if (r) {
      log::RecordReader reader(buf, sh.end_offset - 1);
      log::RecordView v;
      if (reader.Next(v)) {
        return EncodeSequenceNumber({sh.created_ms / 1000, sh.index, v.offset, v.timestamp_ms / 1000});
      }
    }
  }
  return StartingSequence(sh);
}

Value Service::ShardValue(const StreamMeta& s, const ShardMeta& sh) const {
  Value v = Value::Map();
  v.Set("ShardId", Value::String(ShardIdOf(sh.index)));
  if (sh.parent >= 0) v.Set("ParentShardId", Value::String(ShardIdOf(sh.parent)));
  if (sh.adjacent_parent >= 0) v.Set("AdjacentParentShardId", Value::String(ShardIdOf(sh.adjacent_parent)));
  Value range = Value::Map();
  range.Set("StartingHashKey", Value::String(HashKeyToString(sh.start_hash)));
  range.Set("EndingHashKey", Value::String(HashKeyToString(sh.end_hash)));
  v.Set("HashKeyRange", std::move(range));
  Value seq = Value::Map();
  seq.Set("StartingSequenceNumber", Value::String(StartingSequence(sh)));
  if (!sh.open()) seq.Set("EndingSequenceNumber", Value::String(EndingSequence(s, sh)));
  v.Set("SequenceNumberRange", std::move(seq));
  return v;
}

Outcome Service::Call(std::string_view op, const Value& req) {
  if (op == "CreateStream") return CreateStream(req);
  if (op == "DeleteStream") return DeleteStream(req);
  if (op == "DescribeStream") return DescribeStream(req);
  if (op == "DescribeStreamSummary") return DescribeStreamSummary(req);
  if (op == "ListStreams") return ListStreams(req);
  if (op == "ListShards") return ListShards(req);
  if (op == "GetShardIterator") return GetShardIterator(req);
  if (op == "GetRecords") return GetRecords(req);
  if (op == "IncreaseStreamRetentionPeriod") return ChangeRetention(req, true);
  if (op == "DecreaseStreamRetentionPeriod") return ChangeRetention(req, false);
  if (op == "AddTagsToStream") return AddTags(req);
  if (op == "RemoveTagsFromStream") return RemoveTags(req);
  if (op == "ListTagsForStream") return ListTags(req);
  if (op == "EnableEnhancedMonitoring") return EnhancedMonitoring(req, true);
  if (op == "DisableEnhancedMonitoring") return EnhancedMonitoring(req, false);
  if (op == "StartStreamEncryption") return StartStreamEncryption(req, true);
  if (op == "StopStreamEncryption") return StartStreamEncryption(req, false);
  if (op == "RegisterStreamConsumer") return RegisterConsumer(req);
  if (op == "DescribeStreamConsumer") return DescribeConsumer(req);
  if (op == "ListStreamConsumers") return ListConsumers(req);
  if (op == "DeregisterStreamConsumer") return DeregisterConsumer(req);
  if (op == "UpdateShardCount") return UpdateShardCount(req);
  if (op == "SplitShard") return SplitShard(req);
  if (op == "MergeShards") return MergeShards(req);
  return std::unexpected(ApiError{"UnknownOperationException", "", 400});
}

Outcome Service::CreateStream(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  auto count = f.Int("ShardCount");
  const Value* mode_details = f.Map("StreamModeDetails");
  const Value* tags = f.Map("Tags");
  std::string mode = "PROVISIONED";
  if (mode_details) {
    const Value* m = mode_details->Find("StreamMode");
    if (!m || m->kind != Value::Kind::kString) {
      f.Required(false, "streamModeDetails.streamMode");
    } else {
      f.Enum(m->s, {"PROVISIONED", "ON_DEMAND"}, "streamModeDetails.streamMode");
      mode = m->s;
    }
  }
  if (count) f.Range(*count, 1, 100000, "shardCount");
  if (auto e = f.Error()) return std::unexpected(*e);
  if (!count && mode == "PROVISIONED") {
    return Fail("InvalidArgumentException", "ShardCount is required for PROVISIONED streams.");
  }
  const int32_t shards = count ? static_cast<int32_t>(*count) : 4;  // on-demand starts with 4
  if (shards > options_.shard_limit) {
    return Fail("LimitExceededException",
                "This request would exceed the shard limit for the account " + options_.account +
                    " in " + options_.region + ". Current shard count for the account: 0. Limit: " +
                    std::to_string(options_.shard_limit) + ". Number of additional shards that would have "
                    "resulted from this request: " + std::to_string(shards) + ".");
  }
  if (ref->name == "." || ref->name == "..") {
    return Fail("InvalidArgumentException", "Stream name " + ref->name + " is reserved.");
  }
  std::optional<ApiError> api_err;
  auto st = store_->Update(ref->name, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    if (cur) {
      api_err = Err("ResourceInUseException",
                    "Stream " + ref->name + " under account " + options_.account + " already exists.");
      return MakeError(ErrorCode::kAlreadyExists, "exists");
    }
    // The log topic of the same name holds the records (DeleteStream deletes it). A topic that
    // exists without a stream (made over Kafka or the REST Proxy) is reused from its current
    // end when it has enough partitions.
    auto topic = log_.GetTopic(ref->name);
    if (!topic) {
      PINPIPE_RETURN_IF_ERROR(log_.CreateTopic(ref->name, shards));
    } else if (topic->partitions < shards) {
      api_err = Err("ResourceInUseException",
                    "A log topic named " + ref->name + " exists with " + std::to_string(topic->partitions) +
                        " partitions, fewer than the " + std::to_string(shards) + " shards requested.");
      return MakeError(ErrorCode::kAlreadyExists, "topic");
    }
    auto s = std::make_shared<StreamMeta>();
    s->name = ref->name;
    s->mode = mode;
    s->created_ms = NowMs();
    if (tags) {
      for (const auto& [k, v] : tags->fields) {
        if (v.kind == Value::Kind::kString) s->tags[k] = v.s;
      }
    }
    for (int32_t i = 0; i < shards; ++i) {
      PINPIPE_ASSIGN_OR_RETURN(log::PartitionInfo info, log_.GetPartitionInfo(ref->name, i));
      ShardMeta sh;
      sh.index = i;
      std::tie(sh.start_hash, sh.end_hash) = EvenRange(i, shards);
      sh.created_ms = s->created_ms;
      sh.start_offset = info.log_end_offset;
      s->shards.push_back(sh);
    }
    return s;
  });
  if (!st) return api_err ? std::unexpected(*api_err) : Internal(st.error());
  return Value::Null();
}

Outcome Service::DeleteStream(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const bool enforce = f.Bool("EnforceConsumerDeletion").value_or(false);
  if (auto e = f.Error()) return std::unexpected(*e);
  std::optional<ApiError> api_err;
  auto st = store_->Update(ref->name, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    if (!cur) {
      api_err = Err("ResourceNotFoundException", NotFound(ref->name, options_.account));
      return MakeError(ErrorCode::kNotFound, "missing");
    }
    if (!cur->consumers.empty() && !enforce) {
      api_err = Err("ResourceInUseException", "Stream " + ref->name + " under account " + options_.account +
                                                   " has registered consumers; set EnforceConsumerDeletion to delete them too.");
      return MakeError(ErrorCode::kAlreadyExists, "consumers");
    }
    // The records go with the stream: its log topic is deleted (inside the update, so a
    // CreateStream of the name waits and then creates an empty topic). Readers of the topic
    // (the sink, the stream job, consumers) see it as unknown.
    if (Status del = log_.DeleteTopic(ref->name); !del && del.error().code() != ErrorCode::kNotFound) {
      return std::unexpected(del.error());
    }
    return std::shared_ptr<StreamMeta>();
  });
  if (!st) return api_err ? std::unexpected(*api_err) : Internal(st.error());
  if (throttle_) throttle_->Forget(ref->name);
  return Value::Null();
}

Outcome Service::DescribeStream(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  auto limit = f.Int("Limit");
  const std::string* start = f.String("ExclusiveStartShardId");
  if (limit) f.Range(*limit, 1, 10000, "limit");
  if (start) f.Length(*start, 1, 128, "exclusiveStartShardId");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto s = store_->Get(ref->name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(ref->name, options_.account));
  Value d = Value::Map();
  d.Set("StreamName", Value::String(s->name));
  d.Set("StreamARN", Value::String(Arn(s->name)));
  d.Set("StreamStatus", Value::String(s->status));
  d.Set("StreamModeDetails", ModeDetails(*s));
  Value shards = Value::Array();
  const int64_t max = limit.value_or(100);
  int32_t after = start ? ShardIndexOf(*start, s->shards.size()) : -1;
  bool more = false;
  for (const auto& sh : s->shards) {
    if (sh.index <= after) continue;
    if (static_cast<int64_t>(shards.items.size()) >= max) {
      more = true;
      break;
    }
    shards.Add(ShardValue(*s, sh));
  }
  d.Set("Shards", std::move(shards));
  d.Set("HasMoreShards", Value::Bool(more));
  d.Set("RetentionPeriodHours", Value::Int(s->retention_hours));
  d.Set("StreamCreationTimestamp", Value::Timestamp(static_cast<double>(s->created_ms)));
  d.Set("EnhancedMonitoring", Monitoring(*s));
  d.Set("EncryptionType", Value::String(s->encryption));
  if (!s->key_id.empty()) d.Set("KeyId", Value::String(s->key_id));
  Value r = Value::Map();
  r.Set("StreamDescription", std::move(d));
  return r;
}

Outcome Service::DescribeStreamSummary(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  if (auto e = f.Error()) return std::unexpected(*e);
  auto s = store_->Get(ref->name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(ref->name, options_.account));
  Value d = Value::Map();
  d.Set("StreamName", Value::String(s->name));
  d.Set("StreamARN", Value::String(Arn(s->name)));
  d.Set("StreamStatus", Value::String(s->status));
  d.Set("StreamModeDetails", ModeDetails(*s));
  d.Set("RetentionPeriodHours", Value::Int(s->retention_hours));
  d.Set("StreamCreationTimestamp", Value::Timestamp(static_cast<double>(s->created_ms)));
  d.Set("EnhancedMonitoring", Monitoring(*s));
  d.Set("EncryptionType", Value::String(s->encryption));
  if (!s->key_id.empty()) d.Set("KeyId", Value::String(s->key_id));
  d.Set("OpenShardCount", Value::Int(s->open_shards()));
  d.Set("ConsumerCount", Value::Int(static_cast<int64_t>(s->consumers.size())));
  Value r = Value::Map();
  r.Set("StreamDescriptionSummary", std::move(d));
  return r;
}

Outcome Service::ListStreams(const Value& req) {
  RequestFields f(req);
  auto limit = f.Int("Limit");
  const std::string* start = f.String("ExclusiveStartStreamName");
  const std::string* token = f.String("NextToken");
  if (limit) f.Range(*limit, 1, 10000, "limit");
  if (start) f.Length(*start, 1, 128, "exclusiveStartStreamName");
  if (auto e = f.Error()) return std::unexpected(*e);
  std::string after = start ? *start : "";
  if (token) {
    // NextToken: base64 of the last name returned.
    std::string decoded;
    if (!Base64Decode(*token, decoded) || decoded.empty()) {
      return Fail("InvalidArgumentException", "Invalid NextToken.");
    }
    after = decoded;
  }
  const int64_t max = limit.value_or(100);
  Value names = Value::Array(), summaries = Value::Array();
  bool more = false;
  std::string last;
  for (const auto& s : store_->All()) {
    if (!after.empty() && s->name <= after) continue;
    if (static_cast<int64_t>(names.items.size()) >= max) {
      more = true;
      break;
    }
    names.Add(Value::String(s->name));
    Value sum = Value::Map();
    sum.Set("StreamName", Value::String(s->name));
    sum.Set("StreamARN", Value::String(Arn(s->name)));
    sum.Set("StreamStatus", Value::String(s->status));
    sum.Set("StreamModeDetails", ModeDetails(*s));
    sum.Set("StreamCreationTimestamp", Value::Timestamp(static_cast<double>(s->created_ms)));
    summaries.Add(std::move(sum));
    last = s->name;
  }
  Value r = Value::Map();
  r.Set("StreamNames", std::move(names));
  r.Set("HasMoreStreams", Value::Bool(more));
  if (more) {
    std::string t;
    Base64Encode(last, t);
    r.Set("NextToken", Value::String(std::move(t)));
  }
  r.Set("StreamSummaries", std::move(summaries));
  return r;
}

Outcome Service::ListShards(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f, /*required=*/false);
  const std::string* token = f.String("NextToken");
  const std::string* start = f.String("ExclusiveStartShardId");
  auto max = f.Int("MaxResults");
  const Value* filter = f.Map("ShardFilter");
  if (max) f.Range(*max, 1, 10000, "maxResults");
  if (auto e = f.Error()) return std::unexpected(*e);
  if (ref && token) return Fail("InvalidArgumentException", "NextToken and StreamName cannot be provided together.");
  if (!ref && !token) return Fail("InvalidArgumentException", "Either NextToken or StreamName should be provided.");
  std::string name;
  int32_t after = -1;
  if (token) {
    // NextToken: base64 of "<issued ms>/<last shard index>/<stream>"; it lasts 300 s.
    std::string t;
    long long issued = 0;
    int idx = 0, used = 0;
    if (!Base64Decode(*token, t) || std::sscanf(t.c_str(), "%lld/%d/%n", &issued, &idx, &used) != 2 || used <= 0) {
      return Fail("InvalidArgumentException", "Invalid NextToken.");
    }
    if (NowMs() - issued > 300000) {
      return Fail("ExpiredNextTokenException", "The timestamp of the NextToken has expired.");
    }
    name = t.substr(static_cast<size_t>(used));
    after = idx;
  } else {
    name = ref->name;
  }
  auto s = store_->Get(name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(name, options_.account));
  if (start && !token) after = std::max(after, ShardIndexOf(*start, s->shards.size()));
  // ShardFilter: which shards a consumer starting at that point would read.
  std::string type;
  int64_t ts = 0;
  if (filter) {
    const Value* t = filter->Find("Type");
    if (!t || t->kind != Value::Kind::kString) return Fail("ValidationException", "1 validation error detected: Value null at 'shardFilter.type' failed to satisfy constraint: Member must not be null");
    type = t->s;
    if (type == "AFTER_SHARD_ID") {
      const Value* id = filter->Find("ShardId");
      if (!id || id->kind != Value::Kind::kString) return Fail("InvalidArgumentException", "Must specify ShardId with AFTER_SHARD_ID.");
      after = std::max(after, ShardIndexOf(id->s, s->shards.size()));
    } else if (type == "AT_TIMESTAMP" || type == "FROM_TIMESTAMP") {
      RequestFields ff(*filter);
      auto t2 = ff.TimestampMs("Timestamp");
      if (!t2) return Fail("InvalidArgumentException", "Must specify Timestamp with " + type + ".");
      ts = *t2;
    } else if (type != "AT_TRIM_HORIZON" && type != "FROM_TRIM_HORIZON" && type != "AT_LATEST") {
      return Fail("ValidationException", "1 validation error detected: Value " + Quoted(type) +
                  " at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set: "
                  "[AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON, AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP]");
    }
  }
  const int64_t trim_ms = NowMs() - static_cast<int64_t>(s->retention_hours) * 3600000;
  auto keep = [&](const ShardMeta& sh) {
    if (type == "AT_LATEST") return sh.open();
    if (type == "AT_TRIM_HORIZON") return sh.open() ? sh.parent < 0 || sh.created_ms <= trim_ms : sh.closed_ms >= trim_ms;
    if (type == "FROM_TRIM_HORIZON") return sh.open() || sh.closed_ms >= trim_ms;
    if (type == "AT_TIMESTAMP") return sh.created_ms <= ts && (sh.open() || sh.closed_ms > ts);
    if (type == "FROM_TIMESTAMP") return sh.open() || sh.closed_ms > ts;
    return true;
  };
  const int64_t limit = max.value_or(1000);
  Value shards = Value::Array();
  int32_t last = after;
  bool more = false;
  for (const auto& sh : s->shards) {
    if (sh.index <= after || !keep(sh)) continue;
    if (static_cast<int64_t>(shards.items.size()) >= limit) {
      more = true;
      break;
    }
    shards.Add(ShardValue(*s, sh));
    last = sh.index;
  }
  Value r = Value::Map();
  r.Set("Shards", std::move(shards));
  if (more) {
    std::string t = std::to_string(NowMs()) + "/" + std::to_string(last) + "/" + s->name, enc;
    Base64Encode(t, enc);
    r.Set("NextToken", Value::String(std::move(enc)));
  }
  return r;
}

Outcome Service::GetShardIterator(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const std::string* shard_id = f.String("ShardId");
  const std::string* type = f.String("ShardIteratorType");
  const std::string* seq = f.String("StartingSequenceNumber");
  auto ts = f.TimestampMs("Timestamp");
  f.Required(shard_id != nullptr, "shardId");
  f.Required(type != nullptr, "shardIteratorType");
  if (shard_id) {
    f.Length(*shard_id, 1, 128, "shardId");
    if (!shard_id->empty()) f.Pattern(*shard_id, RequestFields::ValidName(*shard_id), kNamePattern, "shardId");
  }
  if (type) {
    f.Enum(*type, {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"},
           "shardIteratorType");
  }
  if (seq) {
    bool ok = !seq->empty() && seq->size() <= 129 && (*seq == "0" || (*seq)[0] != '0') &&
              std::all_of(seq->begin(), seq->end(), [](char c) { return c >= '0' && c <= '9'; });
    f.Pattern(*seq, ok, "0|([1-9]\\d{0,128})", "startingSequenceNumber");
  }
  if (auto e = f.Error()) return std::unexpected(*e);
  auto s = store_->Get(ref->name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(ref->name, options_.account));
  const int32_t idx = ShardIndexOf(*shard_id, s->shards.size());
  if (idx < 0) {
    return Fail("ResourceNotFoundException", "Shard " + *shard_id + " in stream " + s->name + " under account " +
                                                 options_.account + " does not exist");
  }
  const ShardMeta& sh = s->shards[static_cast<size_t>(idx)];
  const bool by_seq = *type == "AT_SEQUENCE_NUMBER" || *type == "AFTER_SEQUENCE_NUMBER";
  if (by_seq != (seq != nullptr)) {
    return Fail("InvalidArgumentException",
                "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
                "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified " + *type +
                    " and " + (seq ? "also" : "no") + " StartingSequenceNumber.");
  }
  auto info = log_.GetPartitionInfo(s->name, idx);
  if (!info) return Internal(info.error());
  const int64_t now = NowMs();
  const int64_t end = sh.open() ? info->high_watermark : sh.end_offset;
  const int64_t trim = std::max(sh.start_offset, info->log_start_offset);
  IteratorState it;
  it.stream = s->name;
  it.stream_created_ms = s->created_ms;
  it.shard_index = idx;
  it.issued_ms = now;
  if (*type == "TRIM_HORIZON") {
    it.offset = trim;
  } else if (*type == "LATEST") {
    it.offset = end;
  } else if (by_seq) {
    auto p = DecodeSequenceNumber(*seq);
    if (!p) {
      return Fail("InvalidArgumentException", "StartingSequenceNumber " + *seq + " used in GetShardIterator on shard " +
                                                  *shard_id + " in stream " + s->name + " under account " +
                                                  options_.account + " is invalid.");
    }
    if (p->shard_index != idx) {
      return Fail("InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes " + ShardIdOf(p->shard_index) +
                                                  ", while it was used in a call to a shard with " + *shard_id);
    }
    const bool after = *type == "AFTER_SEQUENCE_NUMBER" && p->record_s != 0;  // not a shard start
    it.offset = std::clamp(p->offset + (after ? 1 : 0), trim, std::max(trim, end));
  } else {  // AT_TIMESTAMP
    if (!ts) {
      return Fail("InvalidArgumentException",
                  "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no "
                  "timestamp parameter.");
    }
    if (*ts > now) {
      return Fail("InvalidArgumentException", "The timestampInMillis parameter cannot be greater than the "
                                              "currentTimestampInMillis. timestampInMillis: " + std::to_string(*ts) +
                                                  ", currentTimestampInMillis: " + std::to_string(now));
    }
    auto off = log_.OffsetForTimestamp(s->name, idx, *ts);
    if (!off) return Internal(off.error());
    it.offset = std::clamp(*off < 0 ? end : *off, trim, std::max(trim, end));
    it.min_timestamp_ms = *ts;
  }
  Value r = Value::Map();
  r.Set("ShardIterator", Value::String(EncodeShardIterator(it, store_->secret())));
  return r;
}

Outcome Service::GetRecords(const Value& req) {
  RequestFields f(req);
  const std::string* token = f.String("ShardIterator");
  auto limit = f.Int("Limit");
  f.Required(token != nullptr, "shardIterator");
  if (token) f.Length(*token, 1, 512, "shardIterator");
  if (limit) f.Range(*limit, 1, kMaxGetRecords, "limit");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto it = DecodeShardIterator(*token, store_->secret());
  if (!it) return Fail("InvalidArgumentException", "Invalid ShardIterator.");
  const int64_t now = NowMs();
  if (now - it->issued_ms > kIteratorLifetimeMs) {
    return Fail("ExpiredIteratorException",
                "Iterator expired. The iterator was created at time " + std::to_string(it->issued_ms) +
                    " while right now it is " + std::to_string(now) +
                    " which is further in the future than the tolerated delay of 300000 milliseconds.");
  }
  auto s = store_->Get(it->stream);
  if (!s || s->created_ms != it->stream_created_ms || it->shard_index >= static_cast<int32_t>(s->shards.size())) {
    return Fail("ResourceNotFoundException", NotFound(it->stream, options_.account));
  }
  const ShardMeta& sh = s->shards[static_cast<size_t>(it->shard_index)];
  std::shared_ptr<const ShardThrottle::Stream> budget;
  if (throttle_) {
    budget = throttle_->For(s->name, s->created_ms, s->shards.size(), ThrottleNowMs());
    if (!budget->shard(sh.index).AdmitRead(ThrottleNowMs())) {
      return Fail("ProvisionedThroughputExceededException", "Rate exceeded for shard " + ShardIdOf(sh.index) +
                                                                " in stream " + s->name + " under account " +
                                                                options_.account + ".");
    }
  }
  size_t bytes = 0;
  Outcome r = ReadFrom(*s, *it, limit.value_or(kMaxGetRecords), kMaxGetRecordsBytes, now, false, &bytes, nullptr,
                       IteratorAges::kGetRecords);
  if (budget) budget->shard(sh.index).ChargeRead(static_cast<int64_t>(bytes), ThrottleNowMs());
  return r;
}

Outcome Service::ReadShard(const IteratorState& it, int64_t max_records, size_t max_bytes,
                           std::optional<IteratorState>* next, std::string_view consumer) {
  auto s = store_->Get(it.stream);
  if (!s || s->created_ms != it.stream_created_ms || it.shard_index >= static_cast<int32_t>(s->shards.size())) {
    return Fail("ResourceNotFoundException", NotFound(it.stream, options_.account));
  }
  size_t bytes = 0;
  return ReadFrom(*s, it, max_records, max_bytes, NowMs(), true, &bytes, next, consumer);
}

std::expected<IteratorState, ApiError> Service::StartPosition(const Value& get_shard_iterator) {
  auto out = GetShardIterator(get_shard_iterator);
  if (!out) return std::unexpected(out.error());
  auto it = DecodeShardIterator(out->Find("ShardIterator")->s, store_->secret());
  if (!it) return std::unexpected(ApiError{"InternalFailure", "iterator", 500});
  return *it;
}

Outcome Service::ReadFrom(const StreamMeta& stream, const IteratorState& start, int64_t max_records,
                          size_t max_bytes, int64_t now, bool event, size_t* bytes_out,
                          std::optional<IteratorState>* next_out, std::string_view reader) {
  const StreamMeta* s = &stream;
  const IteratorState* it = &start;
  const ShardMeta& sh = s->shards[static_cast<size_t>(it->shard_index)];
  const int64_t trim_ms = now - static_cast<int64_t>(s->retention_hours) * 3600000;
  int64_t offset = std::max(it->offset, sh.start_offset);
  int64_t min_ts = it->min_timestamp_ms;
  Value records = Value::Array();
  size_t bytes = 0;
  int64_t behind_from_ts = -1;  // arrival time of the first record not returned
  int64_t hwm = 0;
  std::string buf;
  std::vector<log::Header> headers;
  bool full = false;
  while (!full) {
    const int64_t stop = sh.open() ? INT64_MAX : sh.end_offset;
    if (offset >= stop) break;
    buf.clear();
    auto rr = log_.Read(s->name, sh.index, offset, 1 << 20, buf);
    if (!rr) return Internal(rr.error());
    hwm = rr->high_watermark;
    if (rr->out_of_range) {
      if (offset < rr->log_start_offset) {
        offset = rr->log_start_offset;  // trimmed by the log's retention
        continue;
      }
      break;
    }
    if (rr->bytes == 0) {
      offset = std::max(offset, rr->next_offset);
      break;
    }
    log::RecordReader reader(buf, offset);
    log::RecordView v;
    while (reader.Next(v)) {
      if (v.offset >= stop) break;
      if (v.timestamp_ms < min_ts || v.timestamp_ms < trim_ms) {
        offset = v.offset + 1;
        continue;
      }
      const size_t size = (v.value ? v.value->size() : 0) + (v.key ? v.key->size() : 0);
      if (static_cast<int64_t>(records.items.size()) >= max_records ||
          (bytes + size > max_bytes && !records.items.empty())) {
        behind_from_ts = v.timestamp_ms;
        full = true;
        break;
      }
      min_ts = 0;  // only the first record is found by time
      Value rec = Value::Map();
      rec.Set("SequenceNumber", Value::String(EncodeSequenceNumber({sh.created_ms / 1000, sh.index, v.offset, v.timestamp_ms / 1000})));
      rec.Set("ApproximateArrivalTimestamp", Value::Timestamp(static_cast<double>(v.timestamp_ms)));
      rec.Set("Data", Value::Bytes(v.value ? std::string(*v.value) : std::string()));
      rec.Set("PartitionKey", Value::String(v.key ? std::string(*v.key) : std::string()));
      rec.Set("EncryptionType", Value::String(s->encryption));
      records.Add(std::move(rec));
      bytes += size;
      offset = v.offset + 1;
    }
    if (!reader.status()) return Internal(reader.status().error());
    if (rr->skipped()) offset = std::max(offset, rr->skipped_to);
    if (offset < rr->next_offset && !full) offset = rr->next_offset;  // control records, gaps
  }
  *bytes_out = bytes;
  // SubscribeToShard's ContinuationSequenceNumber: the last record's number, or one that
  // AFTER_SEQUENCE_NUMBER resumes from at `offset` (none at a closed shard's end).
  std::string continuation;
  if (event) {
    if (!records.items.empty()) {
      continuation = records.items.back().Find("SequenceNumber")->s;
    } else if (offset <= sh.start_offset) {
      continuation = StartingSequence(sh);
    } else {
      continuation = EncodeSequenceNumber({sh.created_ms / 1000, sh.index, offset - 1, std::max<int64_t>(1, now / 1000)});
    }
  }
  Value r = Value::Map();
  r.Set("Records", std::move(records));
  const bool drained = !sh.open() && offset >= sh.end_offset;
  if (drained) {
    if (next_out) next_out->reset();
    if (!event) r.Set("NextShardIterator", Value::Null());
    Value children = Value::Array();
    for (const auto& c : s->shards) {
      if (c.parent != sh.index && c.adjacent_parent != sh.index) continue;
      Value cv = Value::Map();
      cv.Set("ShardId", Value::String(ShardIdOf(c.index)));
      Value parents = Value::Array();
      parents.Add(Value::String(ShardIdOf(c.parent)));
      if (c.adjacent_parent >= 0) parents.Add(Value::String(ShardIdOf(c.adjacent_parent)));
      cv.Set("ParentShards", std::move(parents));
      Value range = Value::Map();
      range.Set("StartingHashKey", Value::String(HashKeyToString(c.start_hash)));
      range.Set("EndingHashKey", Value::String(HashKeyToString(c.end_hash)));
      cv.Set("HashKeyRange", std::move(range));
      children.Add(std::move(cv));
    }
    r.Set("ChildShards", std::move(children));
  } else {
    IteratorState next = *it;
    next.offset = offset;
    next.min_timestamp_ms = min_ts;
    next.issued_ms = now;
    if (event) {
      r.Set("ContinuationSequenceNumber", Value::String(continuation));
    } else {
      r.Set("NextShardIterator", Value::String(EncodeShardIterator(next, store_->secret())));
    }
    if (next_out) *next_out = next;
  }
  // How far behind the tip the next read starts: the age of the first record not returned (0
  // when caught up).
  int64_t behind = 0;
  if (behind_from_ts >= 0) {
    behind = std::max<int64_t>(0, now - behind_from_ts);
  } else if (offset < hwm && !drained) {
    std::string one;
    if (auto rr = log_.Read(s->name, sh.index, offset, 1, one); rr && rr->bytes > 0) {
      log::RecordReader reader(one, offset);
      log::RecordView v;
      if (reader.Next(v)) behind = std::max<int64_t>(0, now - v.timestamp_ms);
    }
  }
  r.Set("MillisBehindLatest", Value::Int(behind));
  if (!reader.empty()) {
    const Value* returned = r.Find("Records");
    ages_.Note(s->name, sh.index, reader, behind, now, returned ? static_cast<int64_t>(returned->items.size()) : 0);
  }
  return r;
}

std::expected<std::shared_ptr<StreamMeta>, ApiError> Service::ChangeStream(const std::string& name,
                                                                          const StreamChange& change) {
  std::optional<ApiError> api_err;
  std::shared_ptr<StreamMeta> changed;
  auto st = store_->Update(name, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    if (!cur) api_err = Err("ResourceNotFoundException", NotFound(name, options_.account));
    auto next = cur ? std::make_shared<StreamMeta>(*cur) : nullptr;
    if (next) api_err = change(*next);
    if (api_err) return MakeError(ErrorCode::kInvalidArgument, api_err->message);
    changed = next;
    return next;
  });
  if (!st) return api_err ? std::unexpected(*api_err) : Internal(st.error());
  return changed;
}

Outcome Service::ChangeRetention(const Value& req, bool increase) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  auto hours = f.Int("RetentionPeriodHours");
  f.Required(hours.has_value(), "retentionPeriodHours");
  if (hours) f.Range(*hours, 1, 8760, "retentionPeriodHours");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto st = ChangeStream(ref->name, [&](StreamMeta& next) -> std::optional<ApiError> {
    if (*hours < 24) {
      return Err("InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention "
                                             "period (" + std::to_string(*hours) + " hours) is too short.");
    }
    if (increase ? *hours < next.retention_hours : *hours > next.retention_hours) {
      return Err("InvalidArgumentException",
                 "Requested retention period (" + std::to_string(*hours) + " hours) for stream " + ref->name +
                     " can not be " + (increase ? "shorter" : "longer") + " than existing retention period (" +
                     std::to_string(next.retention_hours) + " hours). Use " +
                     (increase ? "DecreaseRetentionPeriod" : "IncreaseRetentionPeriod") + " API.");
    }
    next.retention_hours = static_cast<int32_t>(*hours);
    return std::nullopt;
  });
  if (!st) return std::unexpected(st.error());
  return Value::Null();
}

Outcome Service::AddTags(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const Value* tags = f.Map("Tags");
  f.Required(tags != nullptr, "tags");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto st = ChangeStream(ref->name, [&](StreamMeta& next) -> std::optional<ApiError> {
    for (const auto& [k, v] : tags->fields) next.tags[k] = v.kind == Value::Kind::kString ? v.s : "";
    if (next.tags.size() > 50) {
      return Err("InvalidArgumentException", "Failed to add tags to stream " + ref->name + " under account " +
                                                 options_.account + " because a given stream cannot have more than 50 tags.");
    }
    return std::nullopt;
  });
  if (!st) return std::unexpected(st.error());
  return Value::Null();
}

Outcome Service::RemoveTags(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const Value* keys = f.List("TagKeys");
  f.Required(keys != nullptr, "tagKeys");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto st = ChangeStream(ref->name, [&](StreamMeta& next) -> std::optional<ApiError> {
    for (const auto& k : keys->items) {
      if (k.kind == Value::Kind::kString) next.tags.erase(k.s);
    }
    return std::nullopt;
  });
  if (!st) return std::unexpected(st.error());
  return Value::Null();
}

Outcome Service::ListTags(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const std::string* start = f.String("ExclusiveStartTagKey");
  auto limit = f.Int("Limit");
  if (limit) f.Range(*limit, 1, 50, "limit");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto s = store_->Get(ref->name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(ref->name, options_.account));
  Value tags = Value::Array();
  bool more = false;
  for (const auto& [k, v] : s->tags) {
    if (start && k <= *start) continue;
    if (static_cast<int64_t>(tags.items.size()) >= limit.value_or(50)) {
      more = true;
      break;
    }
    Value t = Value::Map();
    t.Set("Key", Value::String(k));
    t.Set("Value", Value::String(v));
    tags.Add(std::move(t));
  }
  Value r = Value::Map();
  r.Set("Tags", std::move(tags));
  r.Set("HasMoreTags", Value::Bool(more));
  return r;
}

Outcome Service::EnhancedMonitoring(const Value& req, bool enable) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const Value* metrics = f.List("ShardLevelMetrics");
  f.Required(metrics != nullptr, "shardLevelMetrics");
  if (auto e = f.Error()) return std::unexpected(*e);
  static const std::vector<std::string> kAll = {"IncomingBytes", "IncomingRecords", "OutgoingBytes",
                                                "OutgoingRecords", "WriteProvisionedThroughputExceeded",
                                                "ReadProvisionedThroughputExceeded", "IteratorAgeMilliseconds"};
  std::vector<std::string> asked;
  for (const auto& m : metrics->items) {
    if (m.kind != Value::Kind::kString) continue;
    if (m.s == "ALL") {
      asked = kAll;
      break;
    }
    if (std::find(kAll.begin(), kAll.end(), m.s) == kAll.end()) {
      return Fail("ValidationException", "1 validation error detected: Value '[" + m.s +
                  "]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy enum value set");
    }
    asked.push_back(m.s);
  }
  std::vector<std::string> before, after;
  auto st = ChangeStream(ref->name, [&](StreamMeta& next) -> std::optional<ApiError> {
    before = next.shard_level_metrics;
    std::vector<std::string> out;
    for (const auto& m : kAll) {  // kept in AWS's order
      bool had = std::find(before.begin(), before.end(), m) != before.end();
      bool named = std::find(asked.begin(), asked.end(), m) != asked.end();
      if (enable ? (had || named) : (had && !named)) out.push_back(m);
    }
    next.shard_level_metrics = out;
    after = out;
    return std::nullopt;
  });
  if (!st) return std::unexpected(st.error());
  Value r = Value::Map();
  r.Set("StreamName", Value::String(ref->name));
  r.Set("StreamARN", Value::String(Arn(ref->name)));
  Value a = Value::Array(), b = Value::Array();
  for (const auto& m : before) a.Add(Value::String(m));
  for (const auto& m : after) b.Add(Value::String(m));
  r.Set("CurrentShardLevelMetrics", std::move(a));
  r.Set("DesiredShardLevelMetrics", std::move(b));
  return r;
}

Outcome Service::StartStreamEncryption(const Value& req, bool start) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const std::string* type = f.String("EncryptionType");
  const std::string* key = f.String("KeyId");
  f.Required(type != nullptr, "encryptionType");
  f.Required(key != nullptr, "keyId");
  if (type) f.Enum(*type, {"NONE", "KMS"}, "encryptionType");
  if (key) f.Length(*key, 1, 2048, "keyId");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto st = ChangeStream(ref->name, [&](StreamMeta& next) -> std::optional<ApiError> {
    next.encryption = start ? *type : "NONE";
    next.key_id = start ? *key : "";
    return std::nullopt;
  });
  if (!st) return std::unexpected(st.error());
  return Value::Null();
}

// ---------------------------------------------------------------- stream consumers
// Registrations only (what enhanced fan-out bookkeeping needs); SubscribeToShard is not served.

namespace {

// The stream and consumer names a consumer request names: StreamARN + ConsumerName, or a
// ConsumerARN "arn:aws:kinesis:<region>:<account>:stream/<stream>/consumer/<name>:<created s>".
struct ConsumerRef {
  std::string stream, consumer;
};

std::optional<ConsumerRef> ConsumerOf(RequestFields& f, bool allow_arn) {
  const std::string* stream_arn = f.String("StreamARN");
  const std::string* name = f.String("ConsumerName");
  const std::string* arn = allow_arn ? f.String("ConsumerARN") : nullptr;
  ConsumerRef r;
  auto stream_of = [](const std::string& a) -> std::optional<std::string> {
    auto at = a.find(":stream/");
    if (!a.starts_with("arn:") || at == std::string::npos) return std::nullopt;
    std::string rest = a.substr(at + 8);
    return rest.substr(0, rest.find('/'));
  };
  if (arn) {
    auto st = stream_of(*arn);
    auto c = arn->find("/consumer/");
    auto colon = arn->rfind(':');
    if (!st || c == std::string::npos || colon == std::string::npos || colon < c) {
      f.Fail("Value " + Quoted(*arn) + " at 'consumerARN' failed to satisfy constraint: Member must satisfy regular "
             "expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
      return std::nullopt;
    }
    r.stream = *st;
    r.consumer = arn->substr(c + 10, colon - c - 10);
    return r;
  }
  f.Required(stream_arn != nullptr, "streamARN");
  f.Required(name != nullptr, "consumerName");
  if (!stream_arn || !name) return std::nullopt;
  auto st = stream_of(*stream_arn);
  if (!st) {
    f.Fail("Value " + Quoted(*stream_arn) + " at 'streamARN' failed to satisfy constraint: Member must satisfy regular "
           "expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
    return std::nullopt;
  }
  f.Length(*name, 1, 128, "consumerName");
  if (!name->empty()) f.Pattern(*name, RequestFields::ValidName(*name), kNamePattern, "consumerName");
  r.stream = *st;
  r.consumer = *name;
  return r;
}

}  // namespace

Value Service::ConsumerValue(const StreamMeta& s, const ConsumerMeta& c, bool with_stream) const {
  Value v = Value::Map();
  v.Set("ConsumerName", Value::String(c.name));
  v.Set("ConsumerARN", Value::String(Arn(s.name) + "/consumer/" + c.name + ":" + std::to_string(c.created_ms / 1000)));
  v.Set("ConsumerStatus", Value::String("ACTIVE"));
  v.Set("ConsumerCreationTimestamp", Value::Timestamp(static_cast<double>(c.created_ms)));
  if (with_stream) v.Set("StreamARN", Value::String(Arn(s.name)));
  return v;
}

Outcome Service::RegisterConsumer(const Value& req) {
  RequestFields f(req);
  auto ref = ConsumerOf(f, false);
  if (auto e = f.Error()) return std::unexpected(*e);
  auto result = ChangeStream(ref->stream, [&](StreamMeta& next) -> std::optional<ApiError> {
    for (const auto& c : next.consumers) {
      if (c.name == ref->consumer) {
        return Err("ResourceInUseException", "Consumer " + ref->consumer + " under stream " + ref->stream +
                                                 " already exists for account " + options_.account + ".");
      }
    }
    if (static_cast<int32_t>(next.consumers.size()) >= options_.consumer_limit) {
      return Err("LimitExceededException", "Stream " + ref->stream + " under account " + options_.account +
                                               " already has " + std::to_string(next.consumers.size()) +
                                               " registered consumers, the limit.");
    }
    next.consumers.push_back({ref->consumer, NowMs()});
    return std::nullopt;
  });
  if (!result) return std::unexpected(result.error());
  Value r = Value::Map();
  r.Set("Consumer", ConsumerValue(**result, (*result)->consumers.back(), false));
  return r;
}

Outcome Service::DescribeConsumer(const Value& req) {
  RequestFields f(req);
  auto ref = ConsumerOf(f, true);
  if (auto e = f.Error()) return std::unexpected(*e);
  auto s = store_->Get(ref->stream);
  if (s) {
    for (const auto& c : s->consumers) {
      if (c.name == ref->consumer) {
        Value r = Value::Map();
        r.Set("ConsumerDescription", ConsumerValue(*s, c, true));
        return r;
      }
    }
  }
  return Fail("ResourceNotFoundException", "Consumer " + ref->consumer + " under stream " + ref->stream +
                                               " not found for account " + options_.account + ".");
}

Outcome Service::ListConsumers(const Value& req) {
  RequestFields f(req);
  const std::string* stream_arn = f.String("StreamARN");
  auto max = f.Int("MaxResults");
  const std::string* token = f.String("NextToken");
  f.Required(stream_arn != nullptr, "streamARN");
  if (max) f.Range(*max, 1, 10000, "maxResults");
  if (auto e = f.Error()) return std::unexpected(*e);
  auto at = stream_arn->find(":stream/");
  if (at == std::string::npos) return Fail("InvalidArgumentException", "Invalid StreamARN " + *stream_arn);
  std::string name = stream_arn->substr(at + 8);
  auto s = store_->Get(name);
  if (!s) return Fail("ResourceNotFoundException", NotFound(name, options_.account));
  size_t start = 0;
  if (token) {
    std::string t;
    if (!Base64Decode(*token, t)) return Fail("InvalidArgumentException", "Invalid NextToken.");
    start = static_cast<size_t>(std::strtoull(t.c_str(), nullptr, 10));
  }
  const size_t limit = static_cast<size_t>(max.value_or(100));
  Value list = Value::Array();
  size_t i = start;
  for (; i < s->consumers.size() && list.items.size() < limit; ++i) list.Add(ConsumerValue(*s, s->consumers[i], false));
  Value r = Value::Map();
  r.Set("Consumers", std::move(list));
  if (i < s->consumers.size()) {
    std::string t;
    Base64Encode(std::to_string(i), t);
    r.Set("NextToken", Value::String(std::move(t)));
  }
  return r;
}

Outcome Service::DeregisterConsumer(const Value& req) {
  RequestFields f(req);
  auto ref = ConsumerOf(f, true);
  if (auto e = f.Error()) return std::unexpected(*e);
  std::optional<ApiError> api_err;
  auto st = store_->Update(ref->stream, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    auto missing = [&] {
      api_err = Err("ResourceNotFoundException", "Consumer " + ref->consumer + " under stream " + ref->stream +
                                                     " not found for account " + options_.account + ".");
      return MakeError(ErrorCode::kNotFound, "");
    };
    if (!cur) return missing();
    auto next = std::make_shared<StreamMeta>(*cur);
    auto it = std::find_if(next->consumers.begin(), next->consumers.end(),
                           [&](const ConsumerMeta& c) { return c.name == ref->consumer; });
    if (it == next->consumers.end()) return missing();
    next->consumers.erase(it);
    return next;
  });
  if (!st) return api_err ? std::unexpected(*api_err) : Internal(st.error());
  return Value::Null();
}

void Service::Put(std::string_view op, const Value& req, Done done) {
  const bool many = op == "PutRecords";
  RequestFields f(req);
  auto ref = StreamOf(f);
  // Per-thread scratch: the decoded blobs and the log records; Append copies synchronously.
  thread_local std::vector<std::string> data;
  thread_local std::vector<const std::string*> keys;
  thread_local std::vector<std::optional<HashKey>> explicit_keys;
  thread_local std::vector<std::string> explicit_text;
  size_t n = 0;
  size_t total = 0;
  // Error texts name the member ("records.3.member.data"); they are built only on a failure, so
  // a valid record costs no allocation here.
  auto read_record = [&](RequestFields& rf, size_t i) {
    if (data.size() <= i) {
      data.resize(i + 1);
      explicit_text.resize(i + 1);
    }
    keys.resize(i + 1);
    explicit_keys.resize(i + 1);
    auto at = [&](std::string_view member) {
      return (many ? "records." + std::to_string(i + 1) + ".member." : std::string()) + std::string(member);
    };
    bool has_data = rf.Blob("Data", data[i]);
    const std::string* key = rf.String("PartitionKey");
    const std::string* ehk = rf.String("ExplicitHashKey");
    rf.String("SequenceNumberForOrdering");
    if (!has_data) rf.Required(false, at("data"));
    if (key == nullptr) rf.Required(false, at("partitionKey"));
    if (has_data && data[i].size() > kMaxRecordBytes) {
      rf.Fail("Value 'java.nio.HeapByteBuffer[pos=0 lim=" + std::to_string(data[i].size()) + " cap=" +
              std::to_string(data[i].size()) + "]' at '" + at("data") +
              "' failed to satisfy constraint: Member must have length less than or equal to 1048576");
    }
    if (key && (key->empty() || key->size() > 256)) rf.Length(*key, 1, 256, at("partitionKey"));
    keys[i] = key;
    explicit_keys[i] = std::nullopt;
    explicit_text[i].clear();
    if (ehk) {
      explicit_text[i] = *ehk;
      explicit_keys[i] = ParseHashKey(*ehk);
    }
    if (has_data && key) total += data[i].size() + key->size();
  };
  if (many) {
    const Value* recs = f.List("Records");
    f.Required(recs != nullptr, "records");
    if (recs) {
      n = recs->items.size();
      if (n < 1) f.Fail("Value '[]' at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1");
      if (n > kMaxPutRecords) {
        f.Fail("Value '[...]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500");
        n = 0;
      }
      for (size_t i = 0; i < n; ++i) {
        RequestFields rf(recs->items[i]);
        read_record(rf, i);
        if (auto e = rf.Error()) {
          if (e->type == "SerializationException") return done(std::unexpected(*e));
          f.Fail(e->message.substr(e->message.find(": ") + 2));
        }
      }
    }
  } else {
    n = 1;
    read_record(f, 0);
  }
  if (auto e = f.Error()) return done(std::unexpected(*e));
  for (size_t i = 0; i < n; ++i) {
    if (!explicit_text[i].empty() && !explicit_keys[i]) {
      return done(std::unexpected(Err("InvalidArgumentException",
          "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was " +
              explicit_text[i])));
    }
    if (data[i].size() + keys[i]->size() > kMaxRecordBytes) {
      return done(std::unexpected(Err("InvalidArgumentException",
          "Record size (data + partition key) of " + std::to_string(data[i].size() + keys[i]->size()) +
              " bytes exceeds the limit of 1048576 bytes.")));
    }
  }
  if (total > kMaxPutRecordsBytes) {
    return done(std::unexpected(Err("InvalidArgumentException",
        "Records size of " + std::to_string(total) + " bytes exceeds the PutRecords limit of 5242880 bytes.")));
  }
  auto s = store_->Get(ref->name);
  if (!s || (s->status != "ACTIVE" && s->status != "UPDATING")) {
    return done(std::unexpected(Err("ResourceNotFoundException", NotFound(ref->name, options_.account))));
  }
  auto* p = new PendingPut();
  p->done = std::move(done);
  p->many = many;
  p->stream = s;
  p->now_ms = NowMs();
  p->account = options_.account;
  p->slots.resize(n);
  const bool faults = options_.fault_throttle_percent > 0 || options_.fault_internal_percent > 0;
  thread_local std::mt19937 rng{std::random_device{}()};
  for (size_t i = 0; i < n; ++i) {
    HashKey h = explicit_keys[i] ? *explicit_keys[i] : PartitionKeyHash(*keys[i]);
    p->slots[i].shard = ShardFor(*s, h);
    if (faults) {
      const int roll = static_cast<int>(rng() % 100);
      if (roll < options_.fault_throttle_percent) {
        p->slots[i].throttled = p->slots[i].failed = true;
      } else if (roll < options_.fault_throttle_percent + options_.fault_internal_percent) {
        p->slots[i].failed = true;
      }
    }
  }
  if (throttle_) {  // after fault injection: an injected failure takes no budget
    const int64_t now = ThrottleNowMs();
    auto budget = throttle_->For(s->name, s->created_ms, s->shards.size(), now);
    for (size_t i = 0; i < n; ++i) {
      auto& slot = p->slots[i];
      if (slot.failed || slot.shard < 0) continue;
      const auto bytes = static_cast<int64_t>(data[i].size() + keys[i]->size());
      if (!budget->shard(slot.shard).AdmitWrite(bytes, now)) slot.throttled = slot.failed = true;
    }
  }
  if (options_.before_put_append) options_.before_put_append();
  thread_local std::vector<log::Header> hdrs;
  hdrs.resize(n);  // by record index
  p->order.clear();
  for (uint32_t i = 0; i < n; ++i) {
    if (!p->slots[i].failed) p->order.push_back(i);  // injected failures are never appended
  }
  n = p->order.size();
  std::stable_sort(p->order.begin(), p->order.end(),
                   [&](uint32_t a, uint32_t b) { return p->slots[a].shard < p->slots[b].shard; });
  thread_local std::vector<log::Record> recs;
  size_t start = 0;
  while (start < n) {
    const int32_t shard = p->slots[p->order[start]].shard;
    size_t end = start;
    recs.clear();
    while (end < n && p->slots[p->order[end]].shard == shard) {
      const uint32_t i = p->order[end];
      log::Record r;
      r.key = *keys[i];
      r.value = data[i];
      r.timestamp_ms = p->now_ms;
      if (!explicit_text[i].empty()) {
        hdrs[i] = log::Header{kExplicitHashKeyHeader, explicit_text[i]};
        r.headers = std::span<const log::Header>(&hdrs[i], 1);
      }
      recs.push_back(r);
      ++end;
    }
    p->remaining.fetch_add(1, std::memory_order_relaxed);
    const uint32_t first = static_cast<uint32_t>(start), count = static_cast<uint32_t>(end - start);
    auto cb = [p, first, count](const Result<log::AppendResult>& r) {
      for (uint32_t k = 0; k < count; ++k) {
        auto& slot = p->slots[p->order[first + k]];
        if (r) {
          slot.offset = r->base_offset + k;
        } else {
          slot.failed = true;
        }
      }
      p->Release();
    };
    bool appended = shard >= 0;
    if (appended) {
      auto r = log_.Append(s->name, shard, recs, std::move(cb));
      appended = r.has_value();
      // A reshard may have closed the shard since `s` was read: records at or past its end
      // (or while its end is being fixed) are failed in place, so the client puts them again
      // and they reach a child; they stay in the log below no shard's range, never read.
      if (appended) {
        auto cur = store_->Get(s->name);
        if (cur && cur != s && static_cast<size_t>(shard) < cur->shards.size()) {
          const ShardMeta& now_sh = cur->shards[static_cast<size_t>(shard)];
          if (now_sh.closing() || (!now_sh.open() && r->base_offset >= now_sh.end_offset)) {
            for (size_t k = start; k < end; ++k) p->slots[p->order[k]].failed = true;
          }
        }
      }
    }
    if (!appended) {  // the callback will not run
      for (size_t k = start; k < end; ++k) p->slots[p->order[k]].failed = true;
      p->Release();
    }
    start = end;
  }
  p->Release();
}

}  // namespace pinpipe::kinesis

namespace pinpipe::kinesis {

// ---------------------------------------------------------------- resharding
//
// A reshard closes parent shards and opens children as new partitions of the stream's topic
// (log::LogManager::AddPartitions, safe while puts and reads run). It takes two metadata
// updates so that no acknowledged record is lost past a parent's end: the first opens the
// children and marks the parents closing (puts route to the children from then on; a put that
// read the older metadata and lands in a parent checks the metadata again after its append and
// fails in place while the parent is closing, or when it landed at or past the parent's end).
// The second fixes each parent's end at its partition's log end: every append a put could still
// accept happened before the first update was visible, so it is below that end.

Outcome Service::Reshard(const std::string& name, const ReshardPlan& plan) {
  std::optional<ApiError> api_err;
  const int64_t now = NowMs();
  auto st = store_->Update(name, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    if (!cur) {
      api_err = Err("ResourceNotFoundException", NotFound(name, options_.account));
      return MakeError(ErrorCode::kNotFound, "missing");
    }
    auto planned = plan(*cur);
    if (!planned) {
      api_err = planned.error();
      return MakeError(ErrorCode::kInvalidArgument, "plan");
    }
    auto& [parents, children] = *planned;
    const int32_t open_after = cur->open_shards() - static_cast<int32_t>(parents.size()) +
                               static_cast<int32_t>(children.size());
    if (open_after > options_.shard_limit) {
      api_err = Err("LimitExceededException",
                    "This request would exceed the shard limit for the account " + options_.account + " in " +
                        options_.region + ". Current shard count for the account: " +
                        std::to_string(cur->open_shards()) + ". Limit: " + std::to_string(options_.shard_limit) +
                        ". Number of additional shards that would have resulted from this request: " +
                        std::to_string(open_after - cur->open_shards()) + ".");
      return MakeError(ErrorCode::kInvalidArgument, "limit");
    }
    const auto total = static_cast<int32_t>(cur->shards.size() + children.size());
    PINPIPE_ASSIGN_OR_RETURN(log::TopicInfo topic, log_.GetTopic(name));
    if (topic.partitions < total) PINPIPE_RETURN_IF_ERROR(log_.AddPartitions(name, total));
    auto s = std::make_shared<StreamMeta>(*cur);
    for (int32_t p : parents) {
      ShardMeta& sh = s->shards[static_cast<size_t>(p)];
      sh.end_offset = ShardMeta::kClosingOffset;
      sh.closed_ms = now;
    }
    for (const NewShard& c : children) {
      ShardMeta sh;
      sh.index = static_cast<int32_t>(s->shards.size());
      sh.parent = c.parent;
      sh.adjacent_parent = c.adjacent_parent;
      sh.start_hash = c.start_hash;
      sh.end_hash = c.end_hash;
      sh.created_ms = now;
      // A topic left by a deleted stream may already hold records in this partition.
      PINPIPE_ASSIGN_OR_RETURN(log::PartitionInfo info, log_.GetPartitionInfo(name, sh.index));
      sh.start_offset = info.log_end_offset;
      s->shards.push_back(sh);
    }
    return s;
  });
  if (!st) return api_err ? std::unexpected(*api_err) : Internal(st.error());
  if (auto fin = FinishClosing(name); !fin) return Internal(fin.error());
  return Value::Null();
}

Status Service::FinishClosing(const std::string& name) {
  return store_->Update(name, [&](const StreamMeta* cur) -> Result<std::shared_ptr<StreamMeta>> {
    if (!cur) return MakeError(ErrorCode::kNotFound, "stream deleted");
    auto s = std::make_shared<StreamMeta>(*cur);
    for (ShardMeta& sh : s->shards) {
      if (!sh.closing()) continue;
      PINPIPE_ASSIGN_OR_RETURN(log::PartitionInfo info, log_.GetPartitionInfo(name, sh.index));
      sh.end_offset = std::max(info.log_end_offset, sh.start_offset);
    }
    return s;
  });
}

namespace {

std::string ShardNotFound(const std::string& shard, const std::string& stream, const std::string& account) {
  return "Could not find shard " + shard + " in stream " + stream + " under account " + account + ".";
}

std::string AlreadyResharded(const std::string& shard, const std::string& stream, const std::string& account) {
  return "Shard " + shard + " in stream " + stream + " under account " + account +
         " has already been merged or split, and thus is not eligible for merging or splitting.";
}

}  // namespace

Outcome Service::UpdateShardCount(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  auto target = f.Int("TargetShardCount");
  const std::string* scaling = f.String("ScalingType");
  f.Required(target.has_value(), "targetShardCount");
  f.Required(scaling != nullptr, "scalingType");
  if (target) f.Range(*target, 1, 100000, "targetShardCount");
  if (scaling) f.Enum(*scaling, {"UNIFORM_SCALING"}, "scalingType");
  if (auto e = f.Error()) return std::unexpected(*e);
  int32_t current = 0;
  const auto n = static_cast<int32_t>(*target);
  auto out = Reshard(ref->name, [&](const StreamMeta& s) -> std::expected<std::pair<std::vector<int32_t>, std::vector<NewShard>>, ApiError> {
    current = s.open_shards();
    // AWS's bounds for one call: between half and double the open shards.
    if (n > 2 * current || 2 * n < current) {
      return std::unexpected(Err("InvalidArgumentException",
          "UpdateShardCount cannot scale to " + std::to_string(n) + " shards: the target must be between 50% and 200% of the current " +
              std::to_string(current) + " open shards of stream " + s.name + " under account " + options_.account + "."));
    }
    if (n == current) return std::pair<std::vector<int32_t>, std::vector<NewShard>>{};
    std::vector<int32_t> parents;
    for (const auto& sh : s.shards) {
      if (sh.open()) parents.push_back(sh.index);
    }
    std::vector<NewShard> children;
    for (int32_t i = 0; i < n; ++i) {
      auto [lo, hi] = EvenRange(i, n);
      // The open shards whose ranges the child's overlaps: the first is its parent, the last
      // its adjacent parent (a child never spans more than two when the target is at least
      // half the open shards of an evenly split stream).
      int32_t first = -1, last = -1;
      for (int32_t p : parents) {
        const ShardMeta& sh = s.shards[static_cast<size_t>(p)];
        if (sh.end_hash < lo || sh.start_hash > hi) continue;
        if (first < 0 || sh.start_hash < s.shards[static_cast<size_t>(first)].start_hash) first = p;
        if (last < 0 || sh.start_hash > s.shards[static_cast<size_t>(last)].start_hash) last = p;
      }
      children.push_back({lo, hi, first, last != first ? last : -1});
    }
    return std::pair{parents, children};
  });
  if (!out) return out;
  Value r = Value::Map();
  r.Set("StreamName", Value::String(ref->name));
  r.Set("CurrentShardCount", Value::Int(current));
  r.Set("TargetShardCount", Value::Int(n));
  r.Set("StreamARN", Value::String(Arn(ref->name)));
  return r;
}

Outcome Service::SplitShard(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const std::string* shard = f.String("ShardToSplit");
  const std::string* key = f.String("NewStartingHashKey");
  f.Required(shard != nullptr, "shardToSplit");
  f.Required(key != nullptr, "newStartingHashKey");
  if (shard) f.Length(*shard, 1, 128, "shardToSplit");
  if (key) f.Pattern(*key, ParseHashKey(*key).has_value(), "0|([1-9]\\d{0,38})", "newStartingHashKey");
  if (auto e = f.Error()) return std::unexpected(*e);
  const HashKey split = *ParseHashKey(*key);
  return Reshard(ref->name, [&](const StreamMeta& s) -> std::expected<std::pair<std::vector<int32_t>, std::vector<NewShard>>, ApiError> {
    const int32_t i = ShardIndexOf(*shard, s.shards.size());
    if (i < 0) return std::unexpected(Err("ResourceNotFoundException", ShardNotFound(*shard, s.name, options_.account)));
    const ShardMeta& sh = s.shards[static_cast<size_t>(i)];
    if (!sh.open()) return std::unexpected(Err("ResourceInUseException", AlreadyResharded(*shard, s.name, options_.account)));
    if (!(split > sh.start_hash && split <= sh.end_hash)) {
      return std::unexpected(Err("InvalidArgumentException",
          "NewStartingHashKey " + *key + " used in SplitShard() on shard " + *shard + " in stream " + s.name +
              " under account " + options_.account + " is not both greater than the shard's StartingHashKey " +
              HashKeyToString(sh.start_hash) + " and at most its EndingHashKey " + HashKeyToString(sh.end_hash) + "."));
    }
    return std::pair{std::vector<int32_t>{i},
                     std::vector<NewShard>{{sh.start_hash, split - 1, i, -1}, {split, sh.end_hash, i, -1}}};
  });
}

Outcome Service::MergeShards(const Value& req) {
  RequestFields f(req);
  auto ref = StreamOf(f);
  const std::string* a = f.String("ShardToMerge");
  const std::string* b = f.String("AdjacentShardToMerge");
  f.Required(a != nullptr, "shardToMerge");
  f.Required(b != nullptr, "adjacentShardToMerge");
  if (a) f.Length(*a, 1, 128, "shardToMerge");
  if (b) f.Length(*b, 1, 128, "adjacentShardToMerge");
  if (auto e = f.Error()) return std::unexpected(*e);
  return Reshard(ref->name, [&](const StreamMeta& s) -> std::expected<std::pair<std::vector<int32_t>, std::vector<NewShard>>, ApiError> {
    const int32_t i = ShardIndexOf(*a, s.shards.size());
    const int32_t j = ShardIndexOf(*b, s.shards.size());
    if (i < 0) return std::unexpected(Err("ResourceNotFoundException", ShardNotFound(*a, s.name, options_.account)));
    if (j < 0) return std::unexpected(Err("ResourceNotFoundException", ShardNotFound(*b, s.name, options_.account)));
    const ShardMeta& x = s.shards[static_cast<size_t>(i)];
    const ShardMeta& y = s.shards[static_cast<size_t>(j)];
    if (!x.open()) return std::unexpected(Err("ResourceInUseException", AlreadyResharded(*a, s.name, options_.account)));
    if (!y.open()) return std::unexpected(Err("ResourceInUseException", AlreadyResharded(*b, s.name, options_.account)));
    const bool adjacent = (x.end_hash != kMaxHashKey && x.end_hash + 1 == y.start_hash) ||
                          (y.end_hash != kMaxHashKey && y.end_hash + 1 == x.start_hash);
    if (i == j || !adjacent) {
      return std::unexpected(Err("InvalidArgumentException",
          "Shards " + *a + " and " + *b + " in stream " + s.name + " under account " + options_.account +
              " are not an adjacent pair of shards eligible for merging"));
    }
    return std::pair{std::vector<int32_t>{i, j},
                     std::vector<NewShard>{{std::min(x.start_hash, y.start_hash), std::max(x.end_hash, y.end_hash), i, j}}};
  });
}

}  // namespace pinpipe::kinesis
