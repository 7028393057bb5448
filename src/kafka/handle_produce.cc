// Produce v3-7 (kafka.md §2.6). Each partition's RecordBatch is validated (one v2 batch, size
// within message.max.bytes, CRC-32C → CORRUPT_MESSAGE) and stored as the client sent it,
// compressed or not, with only its base offset assigned. acks=1/-1 are answered after the log's
// group commit made every batch of the request durable (as the REST Proxy's produce); acks=0
// gets no answer, and an error closes the connection as Kafka's broker does. Idempotent
// batches (producer id >= 0) pass ProducerStates: a retry is answered with its first offset
// and not stored again.
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "common/mutex.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/record_batch.h"

namespace pinpipe::kafka {
namespace {

struct PartitionResult {
  int32_t index = 0;
  int16_t error = err::kNone;
  int64_t base_offset = -1;
};

struct TopicResult {
  std::string name;
  std::vector<PartitionResult> partitions;
};

struct ProduceState {
  int16_t version = 0;
  std::vector<TopicResult> topics;
  std::atomic<int> pending{1};  // one per append in flight + the handler itself
  Reply reply;

  void Done() {
    if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    std::string body;
    Writer w(body);
    w.ArrayLength(static_cast<int32_t>(topics.size()), false);
    for (const TopicResult& t : topics) {
      w.String(t.name, false);
      w.ArrayLength(static_cast<int32_t>(t.partitions.size()), false);
      for (const PartitionResult& p : t.partitions) {
        w.I32(p.index);
        w.I16(p.error);
        w.I64(p.error == err::kNone ? p.base_offset : -1);
        w.I64(-1);  // log_append_time_ms: CreateTime
        if (version >= 5) w.I64(0);  // log_start_offset (not tracked per answer)
      }
    }
    w.I32(0);  // throttle_time_ms
    reply.Send(std::move(body));
  }
};

int16_t StatusToError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kCorruption: return err::kCorruptMessage;
    case ErrorCode::kInvalidArgument: return err::kInvalidRecord;
    case ErrorCode::kNotFound: return err::kUnknownTopicOrPartition;
    default: return err::kKafkaStorageError;
  }
}

}  // namespace

void HandleProduce(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  auto txn = r.NullableString(false);
  int16_t acks = r.I16();
  r.I32();  // timeout_ms
  struct Input {
    size_t topic;
    size_t slot;
    std::string_view records;
    bool null_records;
  };
  auto state = std::make_shared<ProduceState>();
  state->version = v;
  std::vector<Input> inputs;
  int32_t nt = r.ArrayLength(false);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    TopicResult t;
    t.name = std::string(r.String(false));
    int32_t np = r.ArrayLength(false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      PartitionResult p;
      p.index = r.I32();
      auto records = r.Bytes(false);
      inputs.push_back({state->topics.size(), t.partitions.size(), records.value_or(""), !records});
      t.partitions.push_back(p);
    }
    state->topics.push_back(std::move(t));
  }
  if (r.failed()) return reply.Close();
  const bool respond = acks != 0;
  if (respond) state->reply = std::move(reply);
  bool any_error = false;

  for (const Input& in : inputs) {
    const std::string& topic = state->topics[in.topic].name;
    PartitionResult& res = state->topics[in.topic].partitions[in.slot];
    auto fail = [&](int16_t code) {
      res.error = code;
      any_error = true;
      b.metrics().ProduceError(code);
    };
    if (acks != 0 && acks != 1 && acks != -1) { fail(err::kInvalidRequiredAcks); continue; }
    if (txn) { fail(err::kTransactionalIdAuthorizationFailed); continue; }
    if (in.null_records || in.records.empty()) { fail(err::kInvalidRecord); continue; }
    if (in.records.size() > b.options().message_max_bytes) { fail(err::kMessageTooLarge); continue; }
    if (log::FirstBatchSize(in.records) != in.records.size()) { fail(err::kInvalidRecord); continue; }
    auto header = log::ParseBatchHeader(in.records);
    if (!header || header->magic != 2) { fail(err::kInvalidRecord); continue; }
    if (header->compression() == log::Compression::kZstd && v < 7) {
      fail(err::kUnsupportedCompressionType);
      continue;
    }
    if ((header->attributes & 0x10) != 0) { fail(err::kTransactionalIdAuthorizationFailed); continue; }
    if (!log::IsValidTopicName(topic)) { fail(err::kInvalidTopic); continue; }
    auto info = b.log().options().auto_create ? b.log().GetOrCreateTopic(topic) : b.log().GetTopic(topic);
    if (!info || res.index < 0 || res.index >= info->partitions) {
      fail(err::kUnknownTopicOrPartition);
      continue;
    }
    // Appends the batch; false when it failed (answered through `fail`).
    auto append = [&]() -> std::optional<int64_t> {
      log::AppendCallback done;
      if (respond) {
        state->pending.fetch_add(1, std::memory_order_relaxed);
        done = [state, &res, m = &b.metrics()](const Result<log::AppendResult>& appended) {
          if (!appended) {
            res.error = StatusToError(appended.error());
            m->ProduceError(res.error);
          }
          state->Done();
        };
      }
      auto appended = b.log().AppendBatch(topic, res.index, in.records, std::move(done));
      if (!appended) {
        fail(StatusToError(appended.error()));
        if (respond) state->Done();  // the callback will never run
        return std::nullopt;
      }
      res.base_offset = appended->base_offset;
      b.metrics().produced_batches.fetch_add(1, std::memory_order_relaxed);
      b.metrics().produced_records.fetch_add(static_cast<uint64_t>(header->record_count < 0 ? 0 : header->record_count),
                                             std::memory_order_relaxed);
      return appended->base_offset;
    };
    if (header->producer_id < 0) {
      (void)append();
      continue;
    }
    // Idempotent: the sequence check, the append and recording it are one step per partition.
    ProducerStates& producers = b.producers();
    MutexLock lock(producers.mutex());
    SequenceCheck check = producers.Check(header->producer_id, header->producer_epoch, info->id,
                                          res.index, header->base_sequence, header->record_count);
    if (check.error != err::kNone) { fail(check.error); continue; }
    if (check.duplicate_of >= 0) {
      res.base_offset = check.duplicate_of;
      continue;
    }
    if (auto base = append()) {
      producers.Record(header->producer_id, header->producer_epoch, info->id, res.index,
                       header->base_sequence, header->record_count, *base);
    }
  }
  if (!respond) {
    if (any_error) {
      reply.Close();
    } else {
      reply.SendNothing();
    }
    return;
  }
  state->Done();
}

}  // namespace pinpipe::kafka
