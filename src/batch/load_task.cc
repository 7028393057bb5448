// load: one consistent listing of the raw objects, recorded as the run's manifest — after the
// sink has landed what was produced before the run (sink_sensor.h). A listing with no object
// at all is no input: the run fails (or ends skipped), it never succeeds on nothing.
#include <chrono>
#include <filesystem>

#include "batch/manifest.h"
#include "batch/sink_sensor.h"
#include "batch/tasks.h"
#include "common/file_system.h"
#include "common/json_writer.h"
#include "common/logging.h"
#include "report/progress_bar.h"

namespace pinpipe::batch {

using pinterest::RawKind;

std::string CleanTablePath(RawKind kind) { return "delta/" + std::string(pinterest::RawKindName(kind)); }
std::string QuarantineTablePath(RawKind kind) {
  return "delta/quarantine_" + std::string(pinterest::RawKindName(kind));
}
std::string AnalyticsTablePath(std::string_view name) { return "delta/analytics/" + std::string(name); }
std::string ReportDir(const BatchSettings& s, std::string_view logical_date) {
  return JoinPath(JoinPath(s.data_dir, "reports"), logical_date);
}

TableCommit TableCommitOf(const BatchSettings& s, const orchestrator::TaskContext& ctx,
                          bool partitioned) {
  TableCommit c;
  if (partitioned && s.data_selection == DataSelection::kInterval) c.date_partition = ctx.logical_date;
  JsonWriter w;
  // The date and run first: what a truncated history column still shows.
  w.BeginObject()
      .Field("logical_date", ctx.logical_date)
      .Field("run_id", ctx.run_id)
      .Field("dag_id", ctx.dag_id.empty() ? std::string(kDagId) : ctx.dag_id)
      .Field("task_id", ctx.task_id)
      .Field("data_selection", s.data_selection == DataSelection::kInterval ? "interval" : "all")
      .EndObject();
  c.user_metadata = w.str();
  return c;
}

namespace {

// No raw object at all: an error (not retried: listing again finds the same nothing) or, with
// dag.on_no_input=skip, a skipped run.
Result<orchestrator::TaskStats> NoInput(const BatchSettings& s, std::string why) {
  if (s.skip_on_no_input) {
    orchestrator::TaskStats st;
    st.skip_reason = "no input: " + why;
    st.summary = "no input";
    return st;
  }
  return MakeError(ErrorCode::kNotFound,
                   "no input: " + why +
                       " (dag.on_no_input=skip records such runs as skipped instead of failed)");
}

}  // namespace

Result<orchestrator::TaskStats> RunLoad(const BatchSettings& s, const orchestrator::TaskContext& ctx) {
  PINPIPE_RETURN_IF_ERROR(WaitForSink(s, ctx));
  PINPIPE_ASSIGN_OR_RETURN(auto lake, BatchLake::Open(s));
  if (lake->local_root()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*lake->local_root(), ec)) {
      if (s.lake_configured) {
        return MakeError(ErrorCode::kNotFound, "lake directory " + *lake->local_root() +
                                                   " does not exist (lake.uri=" + s.lake_uri + ")");
      }
      return NoInput(s, "the lake " + *lake->local_root() +
                            " does not exist yet (has the sink landed anything?)");
    }
  }
  Manifest m;
  m.dag_id = ctx.dag_id.empty() ? std::string(kDagId) : ctx.dag_id;
  m.logical_date = ctx.logical_date;
  m.lake = s.lake_uri;
  m.topics_dir = s.topics_dir;
  m.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
  // The data interval: with the time-based layout the prefixes of its buckets are listed;
  // with the default layout the objects landed inside it are kept.
  const bool interval = s.data_selection == DataSelection::kInterval;
  DataInterval iv;
  std::vector<std::string> buckets{""};  // encoded partitions listed under each topic
  if (interval) {
    PINPIPE_ASSIGN_OR_RETURN(iv, DayInterval(ctx.logical_date, s.zone));
    m.selection = "interval";
    m.interval_start_ms = iv.start_ms;
    m.interval_end_ms = iv.end_ms;
    if (s.layout) {
      PINPIPE_ASSIGN_OR_RETURN(buckets, EncodedPartitionsOf(*s.layout, iv));
      for (auto& b : buckets) b += '/';
    }
  }
  int64_t objects = 0, outside = 0;
  uint64_t bytes = 0;
  std::vector<std::string> skipped;  // symlinks, FIFOs, ... named like objects: never read
  for (RawKind kind : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
    ManifestTopic& topic = m.of(kind);
    topic.topic = s.Topic(kind);
    for (const std::string& bucket : buckets) {
      const std::string prefix = s.topics_dir + "/" + topic.topic + "/" + bucket;
      std::string token;
      do {
        if (ctx.cancelled()) return MakeError(ErrorCode::kUnavailable, "load cancelled");
        PINPIPE_ASSIGN_OR_RETURN(auto page, lake->store().List(prefix, token));
        for (auto& o : page.objects) {
          if (!o.key.ends_with(".json")) continue;  // the sink's JSON objects only
          if (interval && !s.layout && !iv.Contains(o.mtime_ms)) {
            ++outside;  // landed on another day: another run's input
            continue;
          }
          topic.objects.push_back({std::move(o.key), o.size, o.mtime_ms, std::move(o.etag)});
        }
        for (auto& k : page.skipped) skipped.push_back(std::move(k));
        token = std::move(page.next_token);
      } while (!token.empty());
    }
    SortObjects(topic.objects);
    objects += static_cast<int64_t>(topic.objects.size());
    bytes += topic.bytes();
    ctx.ReportProgress(static_cast<int64_t>(kind) + 1, 3);
  }
  if (objects == 0 && interval) {
    return NoInput(s, "no raw objects of " + ctx.logical_date + " (dag.data_selection=interval, " +
                          (s.layout ? "by record time, " + std::to_string(buckets.size()) +
                                          " time bucket(s) from " + s.topics_dir + "/<topic>/" + buckets.front()
                                    : "landed in that day: " + std::to_string(outside) +
                                          " objects landed on other days") +
                          ", time zone " + s.zone.id() + ")");
  }
  if (objects == 0) {
    return NoInput(s, "no raw objects under " + lake->Location(s.topics_dir) + "/{" +
                          s.Topic(RawKind::kPin) + "," + s.Topic(RawKind::kGeo) + "," +
                          s.Topic(RawKind::kUser) + "}/ — check lake.uri, pipeline.id and " +
                          "that the sink has landed data");
  }
  PINPIPE_RETURN_IF_ERROR(WriteManifest(lake->store(), m));
  orchestrator::TaskStats st;
  st.records_out = objects;
  st.summary = "manifest " + ManifestKey(m.dag_id, m.logical_date) + ": " +
               report::WithThousands(objects) + " objects, " +
               report::WithThousands(static_cast<int64_t>(bytes)) + " bytes (pin " +
               std::to_string(m.of(RawKind::kPin).objects.size()) + ", geo " +
               std::to_string(m.of(RawKind::kGeo).objects.size()) + ", user " +
               std::to_string(m.of(RawKind::kUser).objects.size()) + ")";
  if (interval) {
    st.summary += s.layout ? "; interval " + ctx.logical_date + " by record time"
                           : "; interval " + ctx.logical_date + " by landing time (" +
                                 std::to_string(outside) + " objects of other days left out)";
  }
  if (!skipped.empty()) {
    spdlog::warn("load: {} lake entries are not regular files and were skipped: {}{}",
                 skipped.size(), skipped.front(), skipped.size() > 1 ? ", ..." : "");
    st.summary += "; skipped " + std::to_string(skipped.size()) +
                  " entries that are not regular files (" + skipped.front() +
                  (skipped.size() > 1 ? ", ...)" : ")");
  }
  return st;
}

}  // namespace pinpipe::batch
