// Dashboard: the web UI `pinpipe serve` answers at /ui on its one HTTP port — the static
// assets (compiled into the binary, or read from `ui.dir` while developing), the JSON API
// under /ui/api/ and one SSE feed per tab (/ui/api/events) for live metrics and the live tail.
//
// Threads: handlers on reactor threads only parse the request and hand it over — every answer
// that reads the log, a file, SQLite or the metric history is built on the dashboard's own
// WorkPool; SSE requests park until the feed thread has something new. The Sampler thread
// fills the MetricHistory once a second from counters that exist anyway.
//
// Security: on a loopback bind without `http.api_key` the UI is open like the REST Proxy; with
// a key set, or on any other bind, it needs the key (refused without one, like the REST
// routes), sent as x-api-key or exchanged once at POST /ui/api/login for an HttpOnly
// SameSite=Strict cookie. A POST carries the per-process CSRF token from GET /ui/api/session
// in x-csrf-token (a cross-origin Origin is refused) — or the right x-api-key, which a
// cross-site page can neither know nor send, so a non-browser client needs only the key.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/json_writer.h"
#include "common/mutex.h"
#include "common/status.h"
#include "gateway/work_pool.h"
#include "http/metrics.h"
#include "http/router.h"
#include "kinesis/iterator_ages.h"
#include "kinesis/stream_meta.h"
#include "log/log_manager.h"
#include "objstore/object_store.h"
#include "sink/sink_connector.h"
#include "ui/message_index.h"
#include "ui/metric_history.h"
#include "ui/sampler.h"

namespace pinpipe::orchestrator {
class RunHistory;
}
namespace pinpipe::lake {
class TableStorage;
}

namespace pinpipe::ui {

struct DashboardOptions {
  std::string data_dir;          // reports/<date>/*.csv (analytics results)
  std::string lake_dir;          // a local lake to browse; empty when the lake is remote
  std::string lake_uri;          // lake.uri (names tables in messages)
  // Opens the lake's object store (local or s3://) for the record trace and, when lake_dir is
  // empty, the lake and Delta pages; called on the work pool, once per request. Unset: the
  // lake is lake_dir's directory.
  std::function<Result<std::unique_ptr<objstore::ObjectStore>>()> open_lake_store;
  std::string topics_dir = "topics";  // sink.topics_dir: the sink's objects under <lake>/<topics_dir>/<topic>/
  std::string assets_dir;        // ui.dir: serve the assets from here (development)
  std::string run_history_path;  // <data.dir>/state/runs.db; empty = no DAG views
  std::string sink_state_dir;    // <data.dir>/state/sink; empty = no sink view
  std::string api_key;           // http.api_key
  bool require_auth = false;     // a key is set, or bound to a non-loopback address
  int64_t sample_interval_ms = 1000;
};

// A live member of a consumer group and the partitions it was assigned (group detail page).
struct GroupMemberInfo {
  std::string kind;  // "kafka" (a Kafka client) or "rest" (a REST Proxy consumer instance)
  std::string member_id, client_id, host;
  std::vector<std::pair<std::string, int32_t>> partitions;  // topic, partition
};

// The DAG page's graph and backfill (dashboard_dags.cc; wired by cli/dashboard_service.cc).
struct DagTaskNode {
  std::string task_id;
  std::vector<std::string> upstream;
};
// A backfill from the dashboard creates at most this many runs (the CLI's limit is 3,660 days).
inline constexpr int64_t kMaxBackfillRuns = 100;
struct BackfillDate {
  std::string date;  // YYYY-MM-DD
  bool skip = false;  // already succeeded (and no rerun): no run is created
};

struct DashboardHooks {
  std::function<std::vector<std::string>()> dag_ids;
  // Starts a run of `dag` for `date` (YYYY-MM-DD, empty = today) and returns its description;
  // an error (e.g. kAlreadyExists while a run is active) is shown to the user.
  std::function<Result<std::string>(const std::string& dag, const std::string& date)> trigger_dag;
  // The DAG's tasks in topological order with their upstream tasks; kNotFound: no such DAG.
  std::function<Result<std::vector<DagTaskNode>>(const std::string& dag)> dag_graph;
  // One date per day of [from, to] (checked dates, from <= to) and whether each is skipped;
  // unless `dry_run`, also starts the backfill (the scheduler's orchestrator::Backfill) on the
  // service's run thread. kNotFound: no such DAG; kAlreadyExists: a run or backfill is active.
  std::function<Result<std::vector<BackfillDate>>(const std::string& dag, const std::string& from, const std::string& to,
                                                  bool rerun, bool dry_run)>
      backfill_dag;
  // The Kinesis streams' metadata (the server's kinesis::StreamStore::All); unset = no streams.
  std::function<std::vector<std::shared_ptr<const kinesis::StreamMeta>>()> kinesis_streams;
  // The Kinesis readers' latest MillisBehindLatest per shard (kinesis::IteratorAges, entries
  // of the last 5 minutes). Unset = no Kinesis API here.
  std::function<std::vector<kinesis::IteratorAges::Entry>()> kinesis_iterator_ages;
  // The streaming job's status document (stream::StreamJob::StatusJson: an in-memory snapshot
  // under a short lock); unset = the job does not run in this process.
  std::function<std::string()> stream_status;
  // The live members of a consumer group (REST Proxy instances, Kafka group members), each
  // described for a person; an offset reset is refused while there is one. Unset = none.
  std::function<std::vector<std::string>(const std::string& group)> group_members;
  // The group coordinator's members of `group` with their assignments (decoded from SyncGroup).
  // Unset = none known.
  std::function<std::vector<GroupMemberInfo>(const std::string& group)> group_assignments;
  // The sink connector in this process (EmbeddedSink::Control): "status", "pause", "resume",
  // "restart" (include_tasks, only_failed), "restart-task" (task id) → Connect's status
  // document. Unset = no sink here.
  std::function<Result<std::string>(std::string_view action, bool include_tasks, bool only_failed, int64_t task)>
      sink_control;
  // The sink's open and last committed objects (SinkConnector::LiveObjects). Unset = no sink here.
  std::function<std::shared_ptr<const sink::SinkLiveObjects>()> sink_objects;
};

class Dashboard {
 public:
  Dashboard(log::LogManager& log, DashboardOptions options, DashboardHooks hooks = {});
  ~Dashboard();  // Stop()
  // Adds the /ui routes and the built-in metric sources (reading `router.metrics()`).
  void RegisterRoutes(http::Router& router);
  // Starts the sampler and the SSE feed. Extra sources are added before.
  void Start();
  // Answers parked SSE requests, stops the threads. Idempotent.
  void Stop();
  Sampler& sampler() { return sampler_; }
  MetricHistory& history() { return history_; }
  // Prometheus text for what the dashboard derives (consumer-group lag, sink progress, DAG
  // states), appended to /metrics by the gateway.
  void RenderPrometheus(std::string& out) const;

 private:
  // An SSE request waiting for news (dashboard_feed.cc).
  struct Parked {
    http::Responder responder;
    std::string topic;             // empty: metrics only
    std::vector<int64_t> offsets;  // per partition: next offset to send
    int64_t since = 0;             // last metrics time sent
    std::chrono::steady_clock::time_point deadline;
  };
  using Handler = std::function<void(const http::Request&, http::Responder)>;
  Handler Guard(Handler h, bool post) const;
  // Runs `fn` on the work pool; 503 when the pool is full.
  void Offload(http::Responder r, std::function<http::Response()> fn);

  void AddBuiltinSources();
  void AddStreamSources();  // Kinesis shards and the streaming job (dashboard_streams.cc)
  void AddRestSource();     // per-route request rates and latencies (dashboard_rest.cc)
  void Park(const http::Request& q, http::Responder r);
  void FeedLoop();
  bool TryAnswer(Parked& p, bool deadline);

  http::Response Asset(std::string_view name, std::string_view if_none_match, bool gzip_ok) const;
  http::Response Overview();
  http::Response History(std::string names, int64_t window);
  http::Response Topics();
  // The search's parameters as the request gave them (checked by Search, on the work pool).
  struct SearchParams {
    std::string partition;
    std::optional<std::string> key;
    std::string from_ts, to_ts;
    std::string contains, field;  // the value filter (ui/value_filter.h)
    bool case_sensitive = false;
    std::string max_scan, cursor;
    int64_t limit = 50;
  };
  http::Response Search(std::string topic, SearchParams sp);
  http::Response Messages(std::string topic, std::string partition, std::string from, std::string arg,
                          int64_t limit);
  http::Response Produce(std::string topic, std::string body);
  http::Response Groups();
  http::Response GroupDetail(std::string group);  // dashboard_group_detail.cc
  http::Response ResetOffsets(std::string group, std::string body);  // dashboard_groups.cc
  http::Response Sink();
  http::Response SinkControl(std::string action, std::string body);  // dashboard_groups.cc
  http::Response RestProxy();  // dashboard_rest.cc
  http::Response KinesisStreams();
  http::Response StreamJob();
  http::Response Dags(int64_t limit);
  http::Response Trigger(std::string dag, std::string body);
  // The DAG page's graph, task log (tail) and backfill (dashboard_dags.cc).
  http::Response DagGraph(std::string dag);
  http::Response TaskLog(int64_t run_pk, std::string task, int64_t after, int64_t limit);
  http::Response Backfill(std::string dag, std::string body);
  http::Response Lake(std::string prefix);
  http::Response LakeObject(std::string key);
  http::Response DeltaTables();
  http::Response DeltaTable(std::string path);
  // A version of a table (version or timestamp; -1 = current): DESCRIBE DETAIL, schema, a page
  // of rows (dashboard_delta.cc).
  http::Response DeltaSnapshot(std::string path, int64_t version, int64_t timestamp_ms, int64_t offset, int64_t limit);
  // The s3:// lake (lake_dir empty), read through open_lake_store once per request
  // (dashboard_lake.cc): kNotFound without a store.
  Result<std::unique_ptr<objstore::ObjectStore>> OpenRemoteLake();
  http::Response LakeFromStore(const std::string& prefix);
  http::Response LakeObjectFromStore(const std::string& key);
  // A table of the lake by its relative path: local, or over `*store` (opened here and to be
  // kept alive by the caller while the storage is used); `location` (may be null) names it.
  // kInvalidArgument for a bad path.
  Result<std::unique_ptr<lake::TableStorage>> OpenTableStorage(const std::string& path,
                                                               std::unique_ptr<objstore::ObjectStore>* store,
                                                               std::string* location);
  http::Response Analytics(std::string date);
  // A record's journey: log → sink object → clean Delta commit and file → DAG run (dashboard_trace.cc).
  http::Response Trace(std::string topic, int64_t partition, int64_t offset);
  // `value`: the record's value (none: gone), to find which commit's part file holds it;
  // `store`: the lake's object store (read when the lake is not a local directory; may be null).
  void StreamHop(JsonWriter& w, const std::string& topic, int32_t partition, int64_t offset,
                 const std::optional<std::string>& value, objstore::ObjectStore* store);
  http::Response AnalyticsResult(std::string date, std::string name);
  orchestrator::RunHistory* Runs();  // opened on first use; null when unavailable

  log::LogManager& log_;
  DashboardOptions options_;
  DashboardHooks hooks_;
  std::shared_ptr<http::Metrics> http_metrics_;
  MetricHistory history_;
  MessageIndex message_index_;  // the message browser's search (used on the work pool only)
  std::atomic<bool> index_refresh_queued_{false};  // one background Refresh at a time
  Sampler sampler_{history_};
  gateway::WorkPool pool_{2, 512};
  std::string csrf_token_;
  std::string cookie_token_;
  int64_t started_ms_ = 0;

  mutable Mutex runs_mu_;
  std::unique_ptr<orchestrator::RunHistory> runs_ GUARDED_BY(runs_mu_);
  bool runs_failed_ GUARDED_BY(runs_mu_) = false;

  // Partition watermark last seen by the sampler, and when it moved ("last produced").
  struct Watermark {
    int64_t hwm = -1;
    int64_t moved_ms = -1;
  };
  mutable Mutex marks_mu_;
  std::map<std::pair<std::string, int32_t>, Watermark> marks_ GUARDED_BY(marks_mu_);
  // What RenderPrometheus prints, refreshed by the sampler.
  mutable Mutex prom_mu_;
  std::map<std::string, std::string> prom_parts_ GUARDED_BY(prom_mu_);

  Mutex parked_mu_;
  std::vector<std::unique_ptr<Parked>> parked_ GUARDED_BY(parked_mu_);
  std::atomic<bool> stop_{false};
  std::thread feed_;
  bool started_ = false;
};

}  // namespace pinpipe::ui
