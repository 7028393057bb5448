#include "sink/sink_config.h"

#include <charconv>

namespace pinpipe::sink {

namespace {

Result<int64_t> ParseInt(std::string_view name, std::string_view v) {
  int64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(name) + ": not an integer: \"" + std::string(v) + "\"");
  }
  return out;
}

std::string Lower(std::string_view v) {
  std::string s(v);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Status SinkConfig::Set(std::string_view name, std::string_view value) {
  auto bad = [&](std::string_view allowed) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(name) + ": \"" + std::string(value) +
                                                      "\" is not one of " + std::string(allowed));
  };
  if (name == "name") {
    this->name = std::string(value);
  } else if (name == "topics") {
    topics.clear();
    size_t pos = 0;
    while (pos <= value.size()) {
      size_t comma = value.find(',', pos);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view t = value.substr(pos, comma - pos);
      while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
      while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
      if (!t.empty()) topics.emplace_back(t);
      pos = comma + 1;
    }
  } else if (name == "topics.regex") {
    topics_regex = std::string(value);
    compiled_ok_ = false;
  } else if (name == "flush.size") {
    PINPIPE_ASSIGN_OR_RETURN(flush_size, ParseInt(name, value));
  } else if (name == "rotate.interval.ms") {
    PINPIPE_ASSIGN_OR_RETURN(rotate_interval_ms, ParseInt(name, value));
  } else if (name == "rotate.schedule.interval.ms") {
    PINPIPE_ASSIGN_OR_RETURN(rotate_schedule_interval_ms, ParseInt(name, value));
  } else if (name == "topics.dir") {
    topics_dir = std::string(value);
    while (!topics_dir.empty() && topics_dir.back() == '/') topics_dir.pop_back();
  } else if (name == "filename.offset.zero.pad.width") {
    PINPIPE_ASSIGN_OR_RETURN(int64_t w, ParseInt(name, value));
    if (w < 0 || w > 19) {
      return MakeError(ErrorCode::kInvalidArgument, "filename.offset.zero.pad.width: 0..19");
    }
    pad_width = static_cast<int>(w);
  } else if (name == "format" || name == "format.class") {
    std::string v = Lower(value);
    if (v == "json" || v.ends_with("jsonformat")) format = SinkFormat::kJson;
    else if (v == "bytes" || v == "bytearray" || v.ends_with("bytearrayformat")) format = SinkFormat::kBytes;
    else return bad("json, bytes");
  } else if (name == "behavior.on.null.values") {
    std::string v = Lower(value);
    if (v == "fail") null_behavior = NullBehavior::kFail;
    else if (v == "ignore") null_behavior = NullBehavior::kIgnore;
    else if (v == "write") null_behavior = NullBehavior::kWrite;
    else return bad("fail, ignore, write");
  } else if (name == "errors.tolerance") {
    std::string v = Lower(value);
    if (v == "none") tolerance = ErrorTolerance::kNone;
    else if (v == "all") tolerance = ErrorTolerance::kAll;
    else return bad("none, all");
    if (tolerance == ErrorTolerance::kNone && dlq_topic_defaulted) dlq_topic.clear();
  } else if (name == "errors.deadletterqueue.topic.name") {
    dlq_topic = std::string(value);
    dlq_topic_defaulted = false;
  } else if (name == "partitioner.class") {
    // Confluent's class names or their short forms.
    std::string v = Lower(value);
    const size_t dot = v.rfind('.');
    if (dot != std::string::npos) v = v.substr(dot + 1);
    if (v.ends_with("partitioner")) v.resize(v.size() - 11);
    if (v == "default" || v.empty()) {
      partitioner = PartitionerKind::kDefault;
    } else if (v == "timebased" || v == "time_based") {
      partitioner = PartitionerKind::kTimeBased;
    } else if (v == "daily" || v == "hourly") {
      partitioner = PartitionerKind::kTimeBased;
      path_format = std::string(v == "daily" ? kDailyPathFormat : kHourlyPathFormat);
      partition_duration_ms = v == "daily" ? 86'400'000 : 3'600'000;
    } else {
      return bad("default, time_based, daily, hourly (or Confluent's class names)");
    }
    time_based_.reset();
  } else if (name == "path.format") {
    if (!value.empty()) path_format = std::string(value);  // empty keeps Daily/Hourly's
    time_based_.reset();
  } else if (name == "partition.duration.ms") {
    PINPIPE_ASSIGN_OR_RETURN(int64_t d, ParseInt(name, value));
    if (d != -1 || partition_duration_ms == -1) partition_duration_ms = d;  // -1 keeps Daily/Hourly's
    time_based_.reset();
  } else if (name == "timestamp.extractor") {
    std::string v = Lower(value);
    const size_t dot = v.rfind('.');
    if (dot != std::string::npos) v = v.substr(dot + 1);
    if (v.ends_with("timestampextractor")) v.resize(v.size() - 18);
    if (v == "wallclock") timestamp_source = TimestampSource::kWallclock;
    else if (v == "record") timestamp_source = TimestampSource::kRecord;
    else if (v == "recordfield") timestamp_source = TimestampSource::kRecordField;
    else return bad("Wallclock, Record, RecordField");
  } else if (name == "timestamp.field") {
    timestamp_field = value.empty() ? "timestamp" : std::string(value);
  } else if (name == "locale") {
    locale = std::string(value);
    time_based_.reset();
  } else if (name == "timezone") {
    timezone = std::string(value);
    time_based_.reset();
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "unknown sink setting: " + std::string(name));
  }
  return OkStatus();
}

Status SinkConfig::Validate() const {
  if (flush_size < 1) {
    return MakeError(ErrorCode::kInvalidArgument, "flush.size is required and must be >= 1");
  }
  if (topics.empty() && topics_regex.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "set topics or topics.regex");
  }
  if (!topics.empty() && !topics_regex.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "set topics or topics.regex, not both");
  }
  if (rotate_interval_ms == 0 || rotate_interval_ms < -1 || rotate_schedule_interval_ms == 0 ||
      rotate_schedule_interval_ms < -1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "rotate.interval.ms and rotate.schedule.interval.ms: -1 (off) or > 0");
  }
  if (!topics_regex.empty()) {
    try {
      compiled_ = std::regex(topics_regex, std::regex::ECMAScript);
      compiled_ok_ = true;
    } catch (const std::regex_error& e) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "topics.regex \"" + topics_regex + "\": " + e.what());
    }
  }
  if (partitioner == PartitionerKind::kTimeBased && !time_based_) {
    auto tb = TimeBasedPartitioner::Make(path_format, partition_duration_ms, locale, timezone);
    if (!tb) return std::unexpected(tb.error());
    time_based_ = std::make_shared<const TimeBasedPartitioner>(std::move(*tb));
  }
  if (!dlq_topic.empty() && tolerance == ErrorTolerance::kNone) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "errors.deadletterqueue.topic.name needs errors.tolerance=all");
  }
  return OkStatus();
}

bool SinkConfig::Matches(std::string_view topic) const {
  if (!dlq_topic.empty() && topic == dlq_topic) return false;  // never sink our own DLQ
  if (!topics.empty()) {
    for (const auto& t : topics) {
      if (t == topic) return true;
    }
    return false;
  }
  if (!compiled_ok_ && !Validate()) return false;
  return std::regex_match(topic.begin(), topic.end(), compiled_);
}

Result<SinkConfig> SinkConfigFromConfig(const Config& cfg) {
  SinkConfig sc;
  struct Map {
    const char* key;
    const char* confluent;
  };
  static constexpr Map kMap[] = {
      {"sink.name", "name"},
      {"sink.topics", "topics"},
      {"sink.topics_regex", "topics.regex"},
      {"sink.flush_size", "flush.size"},
      {"sink.rotate_interval_ms", "rotate.interval.ms"},
      {"sink.rotate_schedule_interval_ms", "rotate.schedule.interval.ms"},
      {"sink.topics_dir", "topics.dir"},
      {"sink.filename_offset_zero_pad_width", "filename.offset.zero.pad.width"},
      {"sink.format", "format"},
      {"sink.behavior_on_null_values", "behavior.on.null.values"},
      {"sink.errors_tolerance", "errors.tolerance"},
      {"sink.errors_deadletterqueue_topic_name", "errors.deadletterqueue.topic.name"},
      {"sink.partitioner_class", "partitioner.class"},
      {"sink.path_format", "path.format"},
      {"sink.partition_duration_ms", "partition.duration.ms"},
      {"sink.timestamp_extractor", "timestamp.extractor"},
      {"sink.timestamp_field", "timestamp.field"},
      {"sink.locale", "locale"},
      {"sink.timezone", "timezone"},
  };
  for (const auto& m : kMap) {
    auto st = sc.Set(m.confluent, cfg.GetString(m.key));
    if (!st) return MakeError(ErrorCode::kInvalidArgument, std::string(m.key) + ": " + st.error().message());
  }
  if (sc.topics.empty() && sc.topics_regex.empty()) {
    // "<pipeline.id>\..*" with the id's regex metacharacters escaped.
    std::string id = cfg.GetString("pipeline.id"), rx;
    for (char c : id) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) rx += '\\';
      rx += c;
    }
    sc.topics_regex = rx + "\\..*";
  }
  // pinpipe's default is errors.tolerance=all with a dead-letter topic (Confluent's is none): one
  // record the sink cannot write never stops a partition, and it is kept, not dropped.
  if (sc.tolerance == ErrorTolerance::kAll && sc.dlq_topic.empty()) {
    sc.dlq_topic = cfg.GetString("pipeline.id") + "-dlq";
    sc.dlq_topic_defaulted = true;  // errors.tolerance=none given later drops it again
  }
  PINPIPE_RETURN_IF_ERROR(sc.Validate());
  return sc;
}

}  // namespace pinpipe::sink
