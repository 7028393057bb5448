#include "gateway/rest_produce.h"

#include <simdjson.h>

#include <atomic>
#include <charconv>
#include <span>
#include <string>
#include <vector>

#include "common/base64.h"
#include "common/json_writer.h"
#include "common/murmur2.h"
#include "gateway/embedded_format.h"
#include "gateway/rest_errors.h"
#include "gateway/topic_names.h"

namespace pinpipe::gateway {
namespace {

namespace od = simdjson::ondemand;

// Per-reactor-thread scratch space: reused by every request on the thread, so steady-state
// produce does no allocation for parsing or decoding. Appends copy the bytes synchronously,
// so the buffers can be reused as soon as Append returns.
struct Scratch {
  std::string minified;  // the body without insignificant whitespace (+ simdjson padding)
  od::parser parser;
  std::string decoded;  // base64-decoded keys and values (binary format)
  struct Parsed {
    // Offsets into `minified` (json) or `decoded` (binary); len -1 = null.
    size_t key_pos = 0;
    int64_t key_len = -1;
    size_t value_pos = 0;
    int64_t value_len = -1;
    int32_t partition = -1;  // explicit record partition, -1 = none
  };
  std::vector<Parsed> parsed;
  std::vector<log::Record> records;
  std::vector<int32_t> partition_of;  // per record
  std::vector<log::Record> grouped;   // records reordered by partition
  uint32_t round_robin = 0;
};
thread_local Scratch scratch;

// The raw JSON text of a value in a minified document.
simdjson::simdjson_result<std::string_view> RawJson(od::value& v) {
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  if (t == od::json_type::object) {
    od::object o;
    if (auto err = v.get_object().get(o)) return err;
    return o.raw_json();
  }
  if (t == od::json_type::array) {
    od::array a;
    if (auto err = v.get_array().get(a)) return err;
    return a.raw_json();
  }
  return v.raw_json_token();
}

struct ParseError {
  int code;
  std::string message;
};

// Parses {"records":[{"key":..,"value":..,"partition":..}, ...]} into scratch.parsed.
std::optional<ParseError> ParseBody(std::string_view body, bool binary, Scratch& s) {
  s.parsed.clear();
  s.decoded.clear();
  s.minified.resize(body.size() + simdjson::SIMDJSON_PADDING);
  size_t len = 0;
  if (simdjson::minify(body.data(), body.size(), s.minified.data(), len) != simdjson::SUCCESS) {
    return ParseError{rest_code::kBadRequest, "Bad Request: the body is not valid JSON"};
  }
  const char* base = s.minified.data();
  od::document doc;
  if (s.parser.iterate(base, len, s.minified.size()).get(doc)) {
    return ParseError{rest_code::kBadRequest, "Bad Request: the body is not valid JSON"};
  }
  od::object root;
  if (doc.get_object().get(root)) {
    return ParseError{rest_code::kBadRequest, "Bad Request: the body must be a JSON object"};
  }
  bool saw_records = false;
  for (auto field : root) {
    std::string_view name;
    if (field.unescaped_key().get(name)) {
      return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
    }
    od::value v;
    if (field.value().get(v)) return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
    if (name != "records") {
      std::string_view ignored;  // key_schema, value_schema, ids: not used by json/binary
      if (RawJson(v).get(ignored)) return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
      continue;
    }
    saw_records = true;
    od::array arr;
    if (v.get_array().get(arr)) {
      return ParseError{rest_code::kUnprocessable, "records must be an array of records"};
    }
    for (auto elem : arr) {
      od::object rec;
      if (elem.get_object().get(rec)) {
        return ParseError{rest_code::kUnprocessable, "each record must be a JSON object"};
      }
      Scratch::Parsed p;
      for (auto rf : rec) {
        std::string_view rname;
        od::value rv;
        if (rf.unescaped_key().get(rname) || rf.value().get(rv)) {
          return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
        }
        if (rname == "partition") {
          int64_t part;
          if (rv.is_null()) continue;
          if (rv.get_int64().get(part) || part < 0 || part > INT32_MAX) {
            return ParseError{rest_code::kUnprocessable, "record partition must be a non-negative integer"};
          }
          p.partition = static_cast<int32_t>(part);
          continue;
        }
        bool is_key = rname == "key";
        if (!is_key && rname != "value") {
          std::string_view ignored;
          if (RawJson(rv).get(ignored)) return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
          continue;
        }
        std::string_view raw;
        if (RawJson(rv).get(raw)) return ParseError{rest_code::kBadRequest, "Bad Request: malformed JSON"};
        size_t pos;
        int64_t plen;
        if (raw == "null") {
          pos = 0;
          plen = -1;
        } else if (!binary) {
          pos = static_cast<size_t>(raw.data() - base);
          plen = static_cast<int64_t>(raw.size());
        } else {
          // binary: a base64 string. The raw token is minified, so it is exactly "....".
          if (raw.size() < 2 || raw.front() != '"') {
            return ParseError{rest_code::kBadRequest,
                              "Bad Request: data=" + std::string(raw) + " is not a base64 string."};
          }
          std::string_view b64 = raw.substr(1, raw.size() - 2);
          pos = s.decoded.size();
          if (!Base64Decode(b64, s.decoded)) {
            return ParseError{rest_code::kBadRequest,
                              "Bad Request: data=\"" + std::string(b64.substr(0, 64)) +
                                  "\" is not a valid base64 string."};
          }
          plen = static_cast<int64_t>(s.decoded.size() - pos);
        }
        if (is_key) {
          p.key_pos = pos;
          p.key_len = plen;
        } else {
          p.value_pos = pos;
          p.value_len = plen;
        }
      }
      s.parsed.push_back(p);
    }
  }
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return ParseError{rest_code::kBadRequest, "Bad Request: trailing data after the JSON body"};
  }
  if (!saw_records || s.parsed.empty()) {
    return ParseError{rest_code::kUnprocessable, "records may not be empty"};
  }
  return std::nullopt;
}

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

  // Slot of the i-th record in partition order.
  Slot& SlotOf(size_t i) { return slots[order.empty() ? i : order[i]]; }
  void Fail(std::string_view message) {
    if (!any_error.exchange(true)) error_message = "Kafka error: " + std::string(message);
  }
  void Release() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      Finish();
      delete this;
    }
  }

  void Finish() {
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
  if (auto err = ParseBody(req.body, fmt == ProduceFormatResult::kBinary, s)) {
    responder.Send(RestError(err->code, err->message));
    return;
  }
  auto info = log_.GetOrCreateTopic(topic);
  if (!info) {
    if (info.error().code() == ErrorCode::kNotFound) {
      responder.Send(RestError(rest_code::kTopicNotFound, "Topic not found."));
    } else {
      responder.Send(RestError(rest_code::kKafkaError, "Kafka error: " + info.error().message()));
    }
    return;
  }
  const int32_t partitions = info->partitions;
  int32_t default_partition = -1;
  if (path_partition) {
    int32_t p = -1;
    auto [ptr, ec] = std::from_chars(path_partition->data(),
                                     path_partition->data() + path_partition->size(), p);
    if (ec != std::errc() || ptr != path_partition->data() + path_partition->size() || p < 0 ||
        p >= partitions) {
      responder.Send(RestError(rest_code::kPartitionNotFound, "Partition not found."));
      return;
    }
    default_partition = p;
  }

  // Build log records and choose each record's partition.
  const size_t n = s.parsed.size();
  const char* json_base = s.minified.data();
  const bool binary = fmt == ProduceFormatResult::kBinary;
  const char* data_base = binary ? s.decoded.data() : json_base;
  s.records.resize(n);
  s.partition_of.resize(n);
  // Unkeyed records of one request share one partition, chosen round-robin per request.
  const int32_t unkeyed = static_cast<int32_t>(s.round_robin++ % static_cast<uint32_t>(partitions));
  bool single = true;
  for (size_t i = 0; i < n; ++i) {
    const auto& p = s.parsed[i];
    log::Record& r = s.records[i];
    r = log::Record{};
    if (p.key_len >= 0) r.key = std::string_view(data_base + p.key_pos, static_cast<size_t>(p.key_len));
    if (p.value_len >= 0) r.value = std::string_view(data_base + p.value_pos, static_cast<size_t>(p.value_len));
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
              slot.offset = r->base_offset + static_cast<int64_t>(k);
            } else {
              slot.error_code = rest_code::kKafkaError;
            }
          }
          if (!r) pending->Fail(r.error().message());
          pending->Release();
        });
    if (!result) {  // the callback will not run
      for (size_t k = 0; k < recs.size(); ++k) {
        pending->SlotOf(first + k).error_code = rest_code::kKafkaError;
      }
      pending->Fail(result.error().message());
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
