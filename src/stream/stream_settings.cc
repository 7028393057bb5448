#include "stream/stream_settings.h"

#include "common/file_system.h"
#include "stream/kinesis_endpoint.h"

namespace pinpipe::stream {

using pinterest::RawKind;

Result<std::vector<StreamSource>> ParseStreamSources(std::string_view spec, std::string_view id) {
  std::vector<StreamSource> out;
  constexpr RawKind kinds[] = {RawKind::kPin, RawKind::kGeo, RawKind::kUser};
  if (IsKinesisUrl(spec)) spec = "kinesis";  // the same streams, on a remote endpoint
  if (spec == "kinesis" || spec == "rest") {
    for (RawKind k : kinds) {
      std::string name(pinterest::RawKindName(k));
      out.push_back({k, spec == "kinesis" ? "streaming-" + std::string(id) + "-" + name
                                          : std::string(id) + "." + name,
                     spec == "kinesis"});
    }
    return out;
  }
  while (!spec.empty()) {
    const size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec.remove_prefix(comma == std::string_view::npos ? spec.size() : comma + 1);
    const size_t eq = item.find('=');
    std::string_view kind = item.substr(0, eq);
    if (eq == std::string_view::npos || eq + 1 == item.size()) {
      return MakeError(ErrorCode::kInvalidArgument, "stream.source: want kind=topic, got " +
                                                        std::string(item));
    }
    RawKind k;
    if (kind == "pin") {
      k = RawKind::kPin;
    } else if (kind == "geo") {
      k = RawKind::kGeo;
    } else if (kind == "user") {
      k = RawKind::kUser;
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "stream.source: unknown kind " + std::string(kind) + " (pin, geo, user)");
    }
    out.push_back({k, std::string(item.substr(eq + 1))});
  }
  if (out.empty()) return MakeError(ErrorCode::kInvalidArgument, "stream.source: no source");
  return out;
}

Result<StreamSettings> StreamSettingsFromConfig(const Config& cfg) {
  StreamSettings s;
  const std::string id = cfg.GetString("pipeline.id");
  s.name = cfg.GetString("stream.name");
  s.state_dir = JoinPath(JoinPath(JoinPath(cfg.DataDir(), "state"), "stream"), s.name);
  const std::string source = cfg.GetString("stream.source");
  PINPIPE_ASSIGN_OR_RETURN(s.sources, ParseStreamSources(source, id));
  s.kinesis_region = cfg.GetString("stream.kinesis_region");
  PINPIPE_ASSIGN_OR_RETURN(s.kinesis_idle_poll_ms, cfg.GetInt("stream.kinesis_idle_poll_ms"));
  if (IsKinesisUrl(source)) {
    PINPIPE_RETURN_IF_ERROR(ParseKinesisUrl(source, s.kinesis_region));  // checked at start
    s.kinesis_url = source;
  }
  std::string prefix = cfg.GetString("stream.table_prefix");
  if (prefix.empty()) prefix = id;
  for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    const std::string kind(pinterest::RawKindName(k));
    s.tables[static_cast<size_t>(k)] = "delta/" + prefix + "_" + kind + "_table";
    s.quarantine_tables[static_cast<size_t>(k)] = "delta/" + prefix + "_" + kind + "_quarantine";
  }
  PINPIPE_ASSIGN_OR_RETURN(s.max_batch_records, cfg.GetInt("stream.max_batch_records"));
  PINPIPE_ASSIGN_OR_RETURN(s.max_batch_bytes, cfg.GetInt("stream.max_batch_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(s.max_batch_ms, cfg.GetInt("stream.max_batch_ms"));
  PINPIPE_ASSIGN_OR_RETURN(s.linger_ms, cfg.GetInt("stream.linger_ms"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t window, cfg.GetInt("stream.dedup_window"));
  s.dedup_window = static_cast<size_t>(window);
  PINPIPE_ASSIGN_OR_RETURN(s.compact_interval_ms, cfg.GetInt("stream.compact_interval_ms"));
  PINPIPE_ASSIGN_OR_RETURN(s.compact_min_files, cfg.GetInt("stream.compact_min_files"));
  return s;
}

}  // namespace pinpipe::stream
