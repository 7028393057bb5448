#include "gateway/consumer_requests.h"

#include <re2/re2.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "gateway/rest_errors.h"
#include "gateway/topic_names.h"
#include "log/offset_store.h"

namespace pinpipe::gateway {
namespace {

namespace dom = simdjson::dom;

thread_local dom::parser json_parser;

ApiError Err(int code, std::string message) { return ApiError{code, std::move(message)}; }

ApiError BadJson() { return Err(rest_code::kBadRequest, "Bad Request: the body is not valid JSON"); }

// Parses a body; an empty body parses as `{}` when allow_empty.
bool ParseBody(std::string_view body, dom::element& out, bool allow_empty) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    if (!allow_empty) return false;
    body = "{}";
  }
  return json_parser.parse(body.data(), body.size()).get(out) == simdjson::SUCCESS;
}

// A config value given as a JSON integer or a string of one (the REST Proxy takes both).
// nullopt: absent. Sets *bad when present but not an integer.
std::optional<int64_t> ConfigInt(dom::element root, std::string_view key, bool* bad) {
  dom::element v;
  if (root[key].get(v)) return std::nullopt;
  int64_t n;
  if (!v.get_int64().get(n)) return n;
  std::string_view s;
  if (!v.get_string().get(s) && !s.empty()) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size()) return n;
  }
  *bad = true;
  return std::nullopt;
}

std::optional<ApiError> CheckPartition(std::string_view topic, int64_t p) {
  if (auto bad = CheckTopicName(topic)) return Err(rest_code::kKafkaBadRequest, *bad);
  if (p < 0 || p > INT32_MAX) {
    return Err(rest_code::kPartitionNotFound, "Partition not found.");
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiError> CheckGroupName(std::string_view group) {
  if (group.empty() || group.size() > kMaxConsumerNameBytes) {
    return Err(rest_code::kUnprocessable,
               "invalid consumer group name: 1.." + std::to_string(kMaxConsumerNameBytes) + " bytes");
  }
  for (unsigned char c : group) {
    if (c < 0x20 || c == 0x7f) return Err(rest_code::kUnprocessable, "invalid consumer group name");
  }
  return std::nullopt;
}

std::optional<ApiError> CheckInstanceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxConsumerNameBytes) {
    return Err(rest_code::kUnprocessable, "invalid consumer instance name: 1.." +
                                              std::to_string(kMaxConsumerNameBytes) + " bytes");
  }
  // Instance names become URL path segments.
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '%') {
      return Err(rest_code::kUnprocessable, "invalid consumer instance name");
    }
  }
  return std::nullopt;
}

Parsed<ConsumerSettings> ParseCreateRequest(std::string_view body) {
  dom::element root;
  if (!ParseBody(body, root, true)) return std::unexpected(BadJson());
  if (!root.is_object()) return std::unexpected(Err(rest_code::kUnprocessable, "the body must be a JSON object"));
  ConsumerSettings c;
  std::string_view s;
  if (!root["id"].get_string().get(s) || !root["name"].get_string().get(s)) {
    if (auto bad = CheckInstanceName(s)) return std::unexpected(*bad);
    c.name = std::string(s);
  }
  if (!root["format"].get_string().get(s)) {
    std::string f(s);
    std::transform(f.begin(), f.end(), f.begin(), ::tolower);
    if (f == "json") {
      c.format = EmbeddedFormat::kJson;
    } else if (f == "binary") {
      c.format = EmbeddedFormat::kBinary;
    } else if (f == "avro" || f == "jsonschema" || f == "protobuf" || f == "string") {
      return std::unexpected(Err(rest_code::kUnprocessable,
                                 "format " + f + " is not supported by pinpipe; use json or binary"));
    } else {
      return std::unexpected(Err(rest_code::kUnprocessable, "Invalid format type."));
    }
  }
  if (!root["auto.offset.reset"].get_string().get(s)) {
    if (s == "earliest" || s == "smallest") c.reset = OffsetReset::kEarliest;
    else if (s == "latest" || s == "largest") c.reset = OffsetReset::kLatest;
    else if (s == "none") c.reset = OffsetReset::kNone;
    else return std::unexpected(Err(rest_code::kInvalidConsumerConfigValue,
                                    "Invalid consumer configuration: auto.offset.reset must be earliest, latest or none"));
  }
  if (!root["auto.commit.enable"].get_string().get(s)) {
    if (s == "true") c.auto_commit = true;
    else if (s == "false") c.auto_commit = false;
    else return std::unexpected(Err(rest_code::kInvalidConsumerConfigValue,
                                    "Invalid consumer configuration: auto.commit.enable must be \"true\" or \"false\""));
  }
  bool bad = false;
  auto min_bytes = ConfigInt(root, "fetch.min.bytes", &bad);
  if (bad || (min_bytes && (*min_bytes < -1 || *min_bytes > 10000000))) {
    return std::unexpected(Err(rest_code::kInvalidConsumerConfig,
                               "Invalid consumer configuration. It does not abide by the constraints: fetch.min.bytes must be in -1..10000000"));
  }
  if (min_bytes) c.fetch_min_bytes = *min_bytes;
  auto timeout = ConfigInt(root, "consumer.request.timeout.ms", &bad);
  if (bad || (timeout && (*timeout < 0 || *timeout > kMaxRequestTimeoutMs))) {
    return std::unexpected(Err(rest_code::kInvalidConsumerConfig,
                               "Invalid consumer configuration. It does not abide by the constraints: consumer.request.timeout.ms must be in 0.." +
                                   std::to_string(kMaxRequestTimeoutMs)));
  }
  if (timeout) c.request_timeout_ms = *timeout;
  return c;
}

Parsed<std::shared_ptr<const Subscription>> ParseSubscription(std::string_view body) {
  dom::element root;
  if (!ParseBody(body, root, false)) return std::unexpected(BadJson());
  auto sub = std::make_shared<Subscription>();
  dom::array arr;
  std::string_view s;
  if (!root["topics"].get_array().get(arr)) {
    for (dom::element e : arr) {
      if (e.get_string().get(s)) return std::unexpected(Err(rest_code::kUnprocessable, "topics must be strings"));
      if (auto bad = CheckTopicName(s)) return std::unexpected(Err(rest_code::kKafkaBadRequest, *bad));
      if (sub->topics.size() >= kMaxPartitionsPerRequest) {
        return std::unexpected(Err(rest_code::kUnprocessable, "too many topics"));
      }
      sub->topics.emplace_back(s);
    }
    if (sub->topics.empty()) return std::unexpected(Err(rest_code::kUnprocessable, "topics may not be empty"));
    std::sort(sub->topics.begin(), sub->topics.end());
    sub->topics.erase(std::unique(sub->topics.begin(), sub->topics.end()), sub->topics.end());
    return sub;
  }
  if (root["topic_pattern"].get_string().get(s)) {
    return std::unexpected(Err(rest_code::kUnprocessable, "subscription needs topics or topic_pattern"));
  }
  // Patterns are user input matched on the server: RE2 runs in time linear in the topic name
  // (no backtracking, no recursion) and the size limits bound its memory.
  if (s.empty() || s.size() > kMaxTopicPatternBytes) {
    return std::unexpected(Err(rest_code::kUnprocessable,
                               "invalid topic_pattern: it must be 1.." + std::to_string(kMaxTopicPatternBytes) +
                                   " bytes (got " + std::to_string(s.size()) + ")"));
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(kMaxPatternProgramBytes);
  auto re = std::make_shared<RE2>(re2::StringPiece(s.data(), s.size()), opts);
  if (!re->ok()) {
    return std::unexpected(Err(rest_code::kUnprocessable, "invalid topic_pattern: " + re->error() +
                                                              " (RE2 syntax, a Java regex subset)"));
  }
  sub->pattern_text = std::string(s);
  sub->pattern = std::move(re);
  return sub;
}

Parsed<std::vector<TopicPartition>> ParsePartitionList(std::string_view body) {
  dom::element root;
  if (!ParseBody(body, root, false)) return std::unexpected(BadJson());
  dom::array arr;
  const ApiError shape = Err(rest_code::kUnprocessable, "expected {\"partitions\":[{\"topic\",\"partition\"}]}");
  if (root["partitions"].get_array().get(arr)) return std::unexpected(shape);
  std::vector<TopicPartition> out;
  for (dom::element e : arr) {
    std::string_view t;
    int64_t p;
    if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p)) return std::unexpected(shape);
    if (auto bad = CheckPartition(t, p)) return std::unexpected(*bad);
    if (out.size() >= kMaxPartitionsPerRequest) return std::unexpected(Err(rest_code::kUnprocessable, "too many partitions"));
    out.emplace_back(std::string(t), static_cast<int32_t>(p));
  }
  return out;
}

Parsed<SeekRequest> ParseSeek(std::string_view body) {
  dom::element root;
  if (!ParseBody(body, root, false)) return std::unexpected(BadJson());
  SeekRequest out;
  dom::array arr;
  if (!root["offsets"].get_array().get(arr)) {
    for (dom::element e : arr) {
      std::string_view t;
      int64_t p, o;
      if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) ||
          e["offset"].get_int64().get(o) || o < 0) {
        return std::unexpected(Err(rest_code::kUnprocessable, "offsets need topic, partition and a non-negative offset"));
      }
      if (auto bad = CheckPartition(t, p)) return std::unexpected(*bad);
      if (out.offsets.size() >= kMaxPartitionsPerRequest) return std::unexpected(Err(rest_code::kUnprocessable, "too many offsets"));
      out.offsets.push_back({{std::string(t), static_cast<int32_t>(p)}, o, {}});
    }
  }
  if (!root["timestamps"].get_array().get(arr)) {
    for (dom::element e : arr) {
      std::string_view t, ts;
      int64_t p;
      if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) ||
          e["timestamp"].get_string().get(ts)) {
        return std::unexpected(Err(rest_code::kUnprocessable, "timestamps need topic, partition and an ISO-8601 timestamp"));
      }
      if (auto bad = CheckPartition(t, p)) return std::unexpected(*bad);
      if (out.timestamps.size() >= kMaxPartitionsPerRequest) return std::unexpected(Err(rest_code::kUnprocessable, "too many timestamps"));
      // ISO-8601 "YYYY-MM-DDTHH:MM:SS[.mmm]Z" -> ms since the epoch (UTC).
      std::tm tm{};
      int ms = 0;
      std::string text(ts.substr(0, 64));
      if (sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6 ||
          tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || ms < 0) {
        return std::unexpected(Err(rest_code::kUnprocessable, "invalid timestamp " + text));
      }
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      int64_t when = static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
      out.timestamps.push_back({{std::string(t), static_cast<int32_t>(p)}, when});
    }
  }
  return out;
}

Parsed<std::optional<std::vector<OffsetSpec>>> ParseCommit(std::string_view body) {
  dom::element root;
  if (!ParseBody(body, root, true)) return std::unexpected(BadJson());
  dom::array arr;
  if (root["offsets"].get_array().get(arr)) return std::optional<std::vector<OffsetSpec>>();
  std::vector<OffsetSpec> out;
  for (dom::element e : arr) {
    std::string_view t, meta;
    int64_t p, o;
    if (e["topic"].get_string().get(t) || e["partition"].get_int64().get(p) ||
        e["offset"].get_int64().get(o) || o < 0 || o == INT64_MAX) {
      return std::unexpected(Err(rest_code::kUnprocessable, "offsets need topic, partition and a non-negative offset"));
    }
    if (auto bad = CheckTopicName(t)) return std::unexpected(Err(rest_code::kKafkaBadRequest, *bad));
    if (p < 0 || p > INT32_MAX) {
      // Kafka's UNKNOWN_TOPIC_OR_PARTITION; rest-utils maps it to 404/40403.
      return std::unexpected(Err(rest_code::kUnknownTopicOrPartition,
                                 "This server does not host this topic-partition: " + std::string(t) + "-" + std::to_string(p)));
    }
    if (e["metadata"].get_string().get(meta)) meta = "";
    if (meta.size() > log::kMaxOffsetMetadataBytes) {
      return std::unexpected(Err(rest_code::kUnprocessable,
                                 "OFFSET_METADATA_TOO_LARGE: metadata of " + std::to_string(meta.size()) +
                                     " bytes for " + std::string(t) + "-" + std::to_string(p) +
                                     " exceeds offset.metadata.max.bytes (" +
                                     std::to_string(log::kMaxOffsetMetadataBytes) + ")"));
    }
    if (out.size() >= kMaxPartitionsPerRequest) return std::unexpected(Err(rest_code::kUnprocessable, "too many offsets"));
    out.push_back({{std::string(t), static_cast<int32_t>(p)}, o, std::string(meta)});
  }
  return std::optional<std::vector<OffsetSpec>>(std::move(out));
}

}  // namespace pinpipe::gateway
