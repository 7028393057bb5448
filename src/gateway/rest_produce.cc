#include "gateway/rest_produce.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <span>
#include <string>
#include <vector>

#include "common/json_writer.h"
#include "common/murmur2.h"
#include "gateway/embedded_format.h"
#include "gateway/produce_body.h"
#include "gateway/rest_errors.h"
#include "gateway/topic_names.h"

namespace pinpipe::gateway {
namespace {

// Per-reactor-thread scratch space: reused by every request on the thread, so steady-state
// produce does no allocation for parsing or decoding. Appends copy the bytes synchronously,
// so the buffers can be reused as soon as Append returns.
struct Scratch {
  ProduceBody body;  // the parsed request (reused buffers)
  std::vector<log::Record> records;
  std::vector<int32_t> partition_of;  // per record
  std::vector<log::Record> grouped;   // records reordered by partition
  uint32_t round_robin = 0;
};
thread_local Scratch scratch;

constexpr size_t kMaxErrorMessage = 200;

// Shared by the acknowledgement callbacks of one request (one per partition appended) and by
// Handle while it appends; `remaining` counts these holders, and the last one answers and
// deletes it. A plain pointer rather than a shared_ptr keeps each callback's captures within
// the AppendCallback's inline storage, so a request allocates no callback.
struct PendingProduce {
  explicit PendingProduce(size_t records) {
    if (records > 1) {
      many_slots.resize(records);
      slots = many_slots;
    }
  }

  http::Responder responder;
  std::atomic<int> remaining{1};  // Handle's own hold until every append is made
  // Per record: partition and offset, or an error.
  struct Slot {
    int32_t partition = -1;
    int64_t offset = -1;
    int error_code = 0;
  };
  Slot one_slot;  // a single-record request needs no slot vector
  std::vector<Slot> many_slots;
  std::span<Slot> slots{&one_slot, 1};
  std::vector<uint32_t> order;  // record indices grouped by partition; empty = one partition
  std::string error_message;  // one message for all failed records
  std::atomic<bool> any_error{false};
  // The log could not be reached (a cluster down: kUnavailable, kTimeout): if no record was
  // stored, the request is answered as a whole with a 5xx, not 200 with per-record errors.
  std::atomic<bool> unreachable{false};

  // Slot of the i-th record in partition order.
  Slot& SlotOf(size_t i) { return slots[order.empty() ? i : order[i]]; }
  void Fail(const Error& e) {
    if (e.code() == ErrorCode::kUnavailable || e.code() == ErrorCode::kTimeout) unreachable.store(true);
    Fail(e.message());
  }
  void Fail(std::string_view message) {
    // Repeated in every failed record's slot, so it is cut short: the response stays within
    // max_records * (slot + kMaxErrorMessage).
    if (!any_error.exchange(true)) {
      error_message = "Kafka error: " + std::string(message.substr(0, kMaxErrorMessage));
    }
  }
  void Release() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      Finish();
      delete this;
    }
  }

  void Finish() {
    if (unreachable.load()) {
      bool none_stored = true;
      for (const Slot& s : slots) none_stored = none_stored && s.error_code != 0;
      if (none_stored) {
        responder.Send(RestError(rest_code::kKafkaRetriable, error_message + "; nothing was stored, retry later"));
        return;
      }
    }
    std::string body;
    body.reserve(64 + slots.size() * 64);
    body += "{\"offsets\":[";
    for (size_t i = 0; i < slots.size(); ++i) {
      if (i) body += ',';
      const Slot& s = slots[i];
      if (s.error_code == 0) {
        body += "{\"partition\":";
        AppendJsonInt(body, s.partition);
        body += ",\"offset\":";
        AppendJsonInt(body, s.offset);
        body += ",\"error_code\":null,\"error\":null}";
      } else {
        body += "{\"partition\":null,\"offset\":null,\"error_code\":";
        AppendJsonInt(body, s.error_code);
        body += ",\"error\":";
        AppendJsonString(body, error_message);
        body += '}';
      }
    }
    body += "],\"key_schema_id\":null,\"value_schema_id\":null}";
    responder.Send(RestJson(200, std::move(body)));
  }
};

}  // namespace

void RestProduce::Handle(const http::Request& req, http::Responder responder,
                         std::optional<std::string_view> path_partition) {
  Produce(req, std::move(responder), path_partition, /*may_create=*/false);
}

void RestProduce::Produce(const http::Request& req, http::Responder responder,
                          std::optional<std::string_view> path_partition, bool may_create) {
  ProduceFormatResult fmt = ProduceFormat(req.Header("Content-Type"));
  if (fmt == ProduceFormatResult::kUnsupportedSchemaFormat) {
    responder.Send(RestError(rest_code::kUnsupportedMediaType,
                             "HTTP 415 Unsupported Media Type: avro, jsonschema and protobuf need a "
                             "schema registry; use the json or binary embedded format"));
    return;
  }
  if (fmt == ProduceFormatResult::kUnsupported) {
    responder.Send(RestError(rest_code::kUnsupportedMediaType,
                             "HTTP 415 Unsupported Media Type: use Content-Type "
                             "application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json"));
    return;
  }
  std::string_view topic = req.PathParam("topic");
  if (auto bad = CheckTopicName(topic)) {
    responder.Send(RestError(rest_code::kKafkaBadRequest, *bad));
    return;
  }
  Scratch& s = scratch;
  if (auto err = s.body.Parse(req.body, fmt == ProduceFormatResult::kBinary, options_.max_records)) {
    responder.Send(RestError(err->code, err->message));
    return;
  }
  int32_t default_partition = -1;
  if (path_partition) {
    auto [ptr, ec] = std::from_chars(path_partition->data(),
                                     path_partition->data() + path_partition->size(), default_partition);
    if (ec != std::errc() || ptr != path_partition->data() + path_partition->size() || default_partition < 0) {
      responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
      return;
    }
  }
  // A missing topic is created only when the created topic would have every partition the
  // request names (path or record); otherwise 404 and the log stays untouched.
  int32_t highest = default_partition;
  for (const auto& p : s.body.records()) highest = std::max(highest, p.partition);
  const bool may_auto_create = highest < log_.default_partitions() && log_.auto_create();
  auto info = log_.GetTopic(topic);
  if (!info && info.error().code() == ErrorCode::kNotFound && log_.authoritative() && !may_auto_create &&
      log_.auto_create()) {
    responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
    return;
  }
  if (!info && info.error().code() == ErrorCode::kNotFound && (log_.auto_create() || !log_.authoritative())) {
    if (!may_create) {
      // The request's views stay valid until its Responder sends (http/request.h), so the
      // creation thread may read a copy of it (and parses it again: rare, and simpler).
      auto job = std::make_shared<std::pair<http::Request, http::Responder>>(req, std::move(responder));
      if (!creator_.Post([this, job, path_partition] {
            Produce(job->first, std::move(job->second), path_partition, /*may_create=*/true);
          })) {
        job->second.Send(RestError(rest_code::kKafkaRetriable,
                                   "too many topics are being created or the server is stopping; retry later"));
      }
      return;
    }
    info = log_.LookUpTopic(topic);
    if (!info && info.error().code() == ErrorCode::kNotFound && log_.auto_create()) {
      if (!may_auto_create) {
        responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
        return;
      }
      info = log_.GetOrCreateTopic(topic);
    }
  }
  if (!info) {
    if (info.error().code() == ErrorCode::kNotFound) {
      responder.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
    } else {
      responder.Send(RestError(rest_code::kKafkaError, "Kafka error: " + info.error().message()));
    }
    return;
  }
  const int32_t partitions = info->partitions;
  if (default_partition >= partitions) {
    responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
    return;
  }

  // Build log records and choose each record's partition.
  const size_t n = s.body.records().size();
  s.records.resize(n);
  s.partition_of.resize(n);
  // Unkeyed records of one request share one partition, chosen round-robin per request.
  const int32_t unkeyed = static_cast<int32_t>(s.round_robin++ % static_cast<uint32_t>(partitions));
  bool single = true;
  for (size_t i = 0; i < n; ++i) {
    const auto& p = s.body.records()[i];
    log::Record& r = s.records[i];
    r = log::Record{};
    r.key = s.body.Key(p);
    r.value = s.body.Value(p);
    int32_t part = p.partition >= 0 ? p.partition
                   : default_partition >= 0 ? default_partition
                   : r.key ? KafkaPartitionForKey(*r.key, partitions)
                           : unkeyed;
    if (part >= partitions) {
      responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
      return;
    }
    s.partition_of[i] = part;
    if (part != s.partition_of[0]) single = false;
  }

  auto* pending = new PendingProduce(n);
  pending->responder = std::move(responder);

  // Appends records [first, first + count) of the partition-ordered list.
  auto append = [&](int32_t part, std::span<const log::Record> recs, size_t first) {
    pending->remaining.fetch_add(1, std::memory_order_relaxed);
    auto result = log_.Append(topic, part, recs,
        [pending, part, first = static_cast<uint32_t>(first),
         count = static_cast<uint32_t>(recs.size())](const Result<log::AppendResult>& r) {
          for (uint32_t k = 0; k < count; ++k) {
            auto& slot = pending->SlotOf(first + k);
            if (r) {
              slot.partition = part;
              slot.offset = r->offsets ? r->offsets[k] : r->base_offset + static_cast<int64_t>(k);
            } else {
              slot.error_code = rest_code::kKafkaError;
            }
          }
          if (!r) pending->Fail(r.error());
          pending->Release();
        });
    if (!result) {  // the callback will not run
      for (size_t k = 0; k < recs.size(); ++k) {
        pending->SlotOf(first + k).error_code = rest_code::kKafkaError;
      }
      pending->Fail(result.error());
      pending->Release();
    }
  };

  // Handle holds one count while appending, so Finish runs once, after every append.
  if (single) {
    append(s.partition_of[0], std::span<const log::Record>(s.records.data(), n), 0);
  } else {
    // Group by partition, keeping record order within each partition.
    auto& order = pending->order;
    order.resize(n);
    for (uint32_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return s.partition_of[a] < s.partition_of[b]; });
    s.grouped.resize(n);
    for (size_t i = 0; i < n; ++i) s.grouped[i] = s.records[order[i]];
    size_t start = 0;
    while (start < n) {
      size_t end = start;
      int32_t part = s.partition_of[order[start]];
      while (end < n && s.partition_of[order[end]] == part) ++end;
      append(part, std::span<const log::Record>(s.grouped.data() + start, end - start), start);
      start = end;
    }
  }
  pending->Release();
}

}  // namespace pinpipe::gateway
