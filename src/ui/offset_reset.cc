#include "ui/offset_reset.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <set>

#include "common/json_writer.h"
#include "log/offset_store.h"
#include "log/record_batch.h"
#include "sink/timestamp_extractor.h"

namespace pinpipe::ui {
namespace {

constexpr size_t kMaxTopics = 100;
constexpr size_t kMaxPartitions = 10000;

const char* StrategyName(ResetStrategy s) {
  switch (s) {
    case ResetStrategy::kEarliest: return "to-earliest";
    case ResetStrategy::kLatest: return "to-latest";
    case ResetStrategy::kOffset: return "to-offset";
    case ResetStrategy::kDatetime: return "to-datetime";
    case ResetStrategy::kShiftBy: return "shift-by";
  }
  return "?";
}

// The first offset >= `from` whose record timestamp is >= ts_ms, or `end` if none: the log's
// lookup names the first batch whose max timestamp qualifies; its records are scanned.
Result<int64_t> FirstOffsetAtTime(const log::LogManager& log, const std::string& topic, int32_t part,
                                  int64_t ts_ms, int64_t end) {
  PINPIPE_ASSIGN_OR_RETURN(int64_t from, log.OffsetForTimestamp(topic, part, ts_ms));
  if (from < 0 || from >= end) return end;
  std::string buf;
  while (from < end) {
    buf.clear();
    PINPIPE_ASSIGN_OR_RETURN(log::ReadResult rr, log.Read(topic, part, from, 1 << 20, buf));
    if (rr.bytes == 0) {
      if (rr.skipped() && rr.skipped_to > from) {
        from = rr.skipped_to;
        continue;
      }
      return end;
    }
    log::RecordReader reader(buf, from);
    log::RecordView rec;
    int64_t next = from;
    while (reader.Next(rec)) {
      if (rec.timestamp_ms >= ts_ms) return rec.offset;
      next = rec.offset + 1;
    }
    if (!reader.status()) return std::unexpected(reader.status().error());
    if (rr.next_offset <= from && next <= from) return end;  // nothing decodable: no progress
    from = std::max(next, rr.next_offset);
  }
  return end;
}

}  // namespace

Result<ResetRequest> ParseResetRequest(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "body must be a JSON object");
  }
  ResetRequest req;
  std::set<std::string> topics;
  if (std::string_view t; doc["topic"].get_string().get(t) == simdjson::SUCCESS) topics.insert(std::string(t));
  if (simdjson::dom::array ts; doc["topics"].get_array().get(ts) == simdjson::SUCCESS) {
    for (auto e : ts) {
      std::string_view t;
      if (e.get_string().get(t) != simdjson::SUCCESS) {
        return MakeError(ErrorCode::kInvalidArgument, "topics must be an array of names");
      }
      topics.insert(std::string(t));
    }
  }
  if (topics.empty()) return MakeError(ErrorCode::kInvalidArgument, "name the topic(s): \"topics\": [...]");
  if (topics.size() > kMaxTopics) return MakeError(ErrorCode::kInvalidArgument, "too many topics");
  req.topics.assign(topics.begin(), topics.end());
  if (simdjson::dom::array ps; doc["partitions"].get_array().get(ps) == simdjson::SUCCESS) {
    std::set<int32_t> parts;
    for (auto e : ps) {
      int64_t p = 0;
      if (e.get_int64().get(p) != simdjson::SUCCESS || p < 0 || p > INT32_MAX) {
        return MakeError(ErrorCode::kInvalidArgument, "partitions must be non-negative integers");
      }
      parts.insert(static_cast<int32_t>(p));
    }
    if (parts.size() > kMaxPartitions) return MakeError(ErrorCode::kInvalidArgument, "too many partitions");
    req.partitions.assign(parts.begin(), parts.end());
  }
  std::string_view strategy;
  if (doc["strategy"].get_string().get(strategy) != simdjson::SUCCESS) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "strategy must be one of to-earliest, to-latest, to-offset, to-datetime, shift-by");
  }
  auto value = doc["value"];
  auto int_value = [&](const char* what) -> Result<int64_t> {
    int64_t v = 0;
    if (value.get_int64().get(v) == simdjson::SUCCESS) return v;
    std::string_view s;
    if (value.get_string().get(s) == simdjson::SUCCESS) {
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size()) return v;
    }
    return MakeError(ErrorCode::kInvalidArgument, std::string(what) + " needs an integer \"value\"");
  };
  if (strategy == "to-earliest") {
    req.strategy = ResetStrategy::kEarliest;
  } else if (strategy == "to-latest") {
    req.strategy = ResetStrategy::kLatest;
  } else if (strategy == "to-offset") {
    req.strategy = ResetStrategy::kOffset;
    PINPIPE_ASSIGN_OR_RETURN(req.value, int_value("to-offset"));
  } else if (strategy == "shift-by") {
    req.strategy = ResetStrategy::kShiftBy;
    PINPIPE_ASSIGN_OR_RETURN(req.value, int_value("shift-by"));
  } else if (strategy == "to-datetime") {
    req.strategy = ResetStrategy::kDatetime;
    std::string_view s;
    std::optional<int64_t> ms;
    if (value.get_string().get(s) == simdjson::SUCCESS) ms = sink::ParseIsoMillis(s);
    if (!ms) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "to-datetime needs an ISO-8601 \"value\", e.g. 2024-01-15T13:45:00Z (UTC without an offset)");
    }
    req.value = *ms;
  } else {
    return MakeError(ErrorCode::kInvalidArgument,
                     "strategy must be one of to-earliest, to-latest, to-offset, to-datetime, shift-by");
  }
  if (bool d; doc["dry_run"].get_bool().get(d) == simdjson::SUCCESS) req.dry_run = d;
  return req;
}

int64_t ResetTarget(ResetStrategy strategy, int64_t value, std::optional<int64_t> current, int64_t log_start,
                    int64_t log_end, int64_t first_at_time) {
  int64_t t = log_end;
  switch (strategy) {
    case ResetStrategy::kEarliest: t = log_start; break;
    case ResetStrategy::kLatest: t = log_end; break;
    case ResetStrategy::kOffset: t = value; break;
    case ResetStrategy::kDatetime: t = first_at_time; break;
    case ResetStrategy::kShiftBy: {
      const int64_t base = current.value_or(log_end);
      // Saturating: a shift far beyond either end lands on that end.
      if (value > 0 && base > INT64_MAX - value) {
        t = INT64_MAX;
      } else if (value < 0 && base < INT64_MIN - value) {
        t = INT64_MIN;
      } else {
        t = base + value;
      }
      break;
    }
  }
  return std::clamp(t, log_start, std::max(log_start, log_end));
}

Result<std::vector<ResetRow>> PlanReset(log::LogManager& log, std::string_view group, const ResetRequest& req) {
  auto& offsets = log.offsets();
  std::vector<ResetRow> plan;
  for (const auto& topic : req.topics) {
    auto t = log.GetTopic(topic);
    if (!t) return MakeError(ErrorCode::kNotFound, "no topic " + topic);
    std::vector<int32_t> parts = req.partitions;
    if (parts.empty()) {
      for (int32_t p = 0; p < t->partitions; ++p) parts.push_back(p);
    }
    for (int32_t p : parts) {
      if (p >= t->partitions) {
        return MakeError(ErrorCode::kNotFound, "topic " + topic + " has no partition " + std::to_string(p));
      }
      PINPIPE_ASSIGN_OR_RETURN(log::PartitionInfo info, log.GetPartitionInfo(topic, p));
      ResetRow row;
      row.topic = topic;
      row.partition = p;
      row.log_start = info.log_start_offset;
      row.log_end = info.high_watermark;
      if (auto c = offsets.Fetch(group, topic, p)) row.current = c->offset;
      int64_t at_time = row.log_end;
      if (req.strategy == ResetStrategy::kDatetime) {
        PINPIPE_ASSIGN_OR_RETURN(at_time, FirstOffsetAtTime(log, topic, p, req.value, row.log_end));
      }
      row.target = ResetTarget(req.strategy, req.value, row.current, row.log_start, row.log_end, at_time);
      plan.push_back(std::move(row));
    }
  }
  return plan;
}

Status ExecuteReset(log::OffsetStore& offsets, std::string_view group, const std::vector<ResetRow>& plan) {
  std::vector<log::OffsetCommit> commits;
  commits.reserve(plan.size());
  for (const auto& r : plan) commits.push_back({r.topic, r.partition, r.target, {}});
  return offsets.Commit(group, commits);
}

std::string ResetPlanJson(std::string_view group, const ResetRequest& req, const std::vector<ResetRow>& plan,
                          bool executed) {
  JsonWriter w;
  w.BeginObject().Field("group", group).Field("strategy", StrategyName(req.strategy));
  w.Field("dry_run", req.dry_run).Field("executed", executed);
  w.Key("partitions").BeginArray();
  for (const auto& r : plan) {
    w.BeginObject().Field("topic", std::string_view(r.topic)).Field("partition", r.partition);
    w.Key("current_offset");
    if (r.current) {
      w.Int(*r.current);
    } else {
      w.Null();
    }
    w.Key("new_offset").Int(r.target).Key("log_start_offset").Int(r.log_start);
    w.Key("log_end_offset").Int(r.log_end).Key("lag_after").Int(std::max<int64_t>(0, r.log_end - r.target));
    w.EndObject();
  }
  w.EndArray().EndObject();
  return w.Take();
}

}  // namespace pinpipe::ui
