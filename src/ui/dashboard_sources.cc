// The dashboard's built-in metric sources (sampled once a second, see sampler.h), the
// overview and history documents built from them, and the Prometheus lines they add to
// /metrics.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <tuple>

#include "common/file_system.h"
#include "common/mutex.h"
#include "log/offset_store.h"
#include "orchestrator/run_history.h"
#include "sink/sink_state.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/record_age.h"

namespace pinpipe::ui {
namespace {

bool IsProduceRoute(const http::Metrics::RouteLabel& l) {
  return l.method == "POST" && (l.route == "/topics/{topic}" || l.route == "/topics/{topic}/partitions/{partition}");
}

std::string PromLabel(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Card {
  const char* key;
  const char* label;
  const char* unit;
};
// The overview's cards, in order. A new subsystem adds its series name here (and a source).
constexpr Card kCards[] = {
    {"ingest.requests", "Produce requests", "/s"},
    {"ingest.records", "Records in", "/s"},
    {"ingest.p50_ms", "Produce p50", "ms"},
    {"ingest.p99_ms", "Produce p99", "ms"},
    {"http.errors_5xx", "HTTP 5xx", "/s"},
    {"group.total_lag", "Consumer lag", "records"},
    {"sink.lag", "Sink lag", "records"},
    {"sink.lag_ms", "Sink freshness (lag)", "ms"},
    {"sink.objects", "Sink objects", "/s"},
    {"kafka.requests", "Kafka requests", "/s"},
    {"kinesis.records", "Kinesis records in", "/s"},
    {"stream.lag", "Stream job lag", "records"},
    {"stream.latency_p50_ms", "Stream ack→Delta p50", "ms"},
    {"stream.latency_p99_ms", "Stream ack→Delta p99", "ms"},
    {"log.bytes", "Log size", "bytes"},
    {"log.fsyncs", "fsyncs", "/s"},
    {"dag.running", "DAG runs active", ""},
};

const char* CardState(std::string_view key, float v) {
  if (!std::isfinite(v)) return "idle";
  if (key == "ingest.p99_ms") return v > 2000 ? "bad" : v > 500 ? "warn" : "ok";
  if (key == "http.errors_5xx") return v > 0 ? "bad" : "ok";
  // The sink cuts an object at least every rotation (10 s by default): a minute is late.
  if (key == "sink.lag_ms") return v > 600000 ? "bad" : v > 60000 ? "warn" : "ok";
  if (key == "stream.latency_p50_ms" || key == "stream.latency_p99_ms") return v > 10000 ? "bad" : v > 1000 ? "warn" : "ok";
  if (key == "sink.lag" || key == "group.total_lag" || key == "stream.lag") return v > 100000 ? "bad" : v > 10000 ? "warn" : "ok";
  return "ok";
}

// Per task of each DAG, over the latest runs: task instances by state, and the duration of
// the newest finished instance. Finished runs' tasks come from `cache` (one query per run, once).
void AppendTaskMetrics(const orchestrator::RunHistory& runs, const std::vector<orchestrator::DagRunRecord>& list,
                       std::map<int64_t, std::vector<orchestrator::TaskInstanceRecord>>& cache, std::string& prom) {
  std::map<std::tuple<std::string, std::string, std::string>, int> states;
  std::map<std::pair<std::string, std::string>, double> last_duration;  // newest run first in `list`
  std::map<int64_t, std::vector<orchestrator::TaskInstanceRecord>> kept;
  for (const auto& r : list) {
    std::vector<orchestrator::TaskInstanceRecord> tasks;
    if (auto it = cache.find(r.id); it != cache.end()) {
      tasks = std::move(it->second);
    } else if (auto t = runs.Tasks(r.id)) {
      tasks = std::move(*t);
    }
    for (const auto& t : tasks) {
      states[{r.dag_id, t.task_id, std::string(orchestrator::TaskStateName(t.state))}]++;
      const bool finished = t.state == orchestrator::TaskState::kSuccess || t.state == orchestrator::TaskState::kFailed;
      if (finished && t.duration_us > 0) last_duration.emplace(std::pair{r.dag_id, t.task_id}, static_cast<double>(t.duration_us) / 1e6);
    }
    if (r.state != orchestrator::RunState::kRunning) kept[r.id] = std::move(tasks);
  }
  cache = std::move(kept);  // only the runs still in the window
  prom += "# HELP pinpipe_dag_task_runs Task instances among the latest 200 runs, by DAG, task and state.\n"
          "# TYPE pinpipe_dag_task_runs gauge\n";
  for (const auto& [k, n] : states) {
    fmt::format_to(std::back_inserter(prom), "pinpipe_dag_task_runs{{dag=\"{}\",task=\"{}\",state=\"{}\"}} {}\n",
                   PromLabel(std::get<0>(k)), PromLabel(std::get<1>(k)), PromLabel(std::get<2>(k)), n);
  }
  prom += "# HELP pinpipe_dag_task_last_duration_seconds Duration of each task's newest finished instance.\n"
          "# TYPE pinpipe_dag_task_last_duration_seconds gauge\n";
  for (const auto& [k, secs] : last_duration) {
    fmt::format_to(std::back_inserter(prom), "pinpipe_dag_task_last_duration_seconds{{dag=\"{}\",task=\"{}\"}} {}\n",
                   PromLabel(k.first), PromLabel(k.second), secs);
  }
}

}  // namespace

void Dashboard::AddBuiltinSources() {
  // HTTP: request rates and the produce latency quantiles of the last second, from the
  // difference of the route histograms between two passes.
  auto prev_buckets = std::make_shared<std::vector<uint64_t>>();
  sampler_.AddSource("http", [this, prev_buckets](Sample& s) {
    if (!http_metrics_) return;
    uint64_t all = 0, errors = 0, produce = 0;
    std::vector<uint64_t> buckets(http::Metrics::kBuckets.size() + 1, 0);
    for (const auto& t : http_metrics_->Totals()) {
      all += t.count;
      errors += t.by_class[4];
      if (!IsProduceRoute(t.label)) continue;
      produce += t.count;
      for (size_t b = 0; b < buckets.size(); ++b) buckets[b] += t.buckets[b];
    }
    s.Counter("http.requests", static_cast<double>(all));
    s.Counter("http.errors_5xx", static_cast<double>(errors));
    s.Counter("ingest.requests", static_cast<double>(produce));
    if (prev_buckets->size() == buckets.size()) {
      std::vector<uint64_t> delta(buckets.size());
      for (size_t b = 0; b < buckets.size(); ++b) delta[b] = buckets[b] - (*prev_buckets)[b];
      std::vector<double> bounds(http::Metrics::kBuckets.begin(), http::Metrics::kBuckets.end());
      s.Gauge("ingest.p50_ms", QuantileFromBuckets(bounds, delta, 0.5) * 1000);
      s.Gauge("ingest.p99_ms", QuantileFromBuckets(bounds, delta, 0.99) * 1000);
    }
    *prev_buckets = std::move(buckets);
  });

  // Log and consumer groups: watermarks (short partition locks, no disk), committed offsets
  // (in memory).
  sampler_.AddSource("log", [this](Sample& s) {
    const int64_t now = NowMs();
    double records = 0, bytes = 0;
    std::map<std::pair<std::string, int32_t>, int64_t> hwm;
    for (const auto& t : log_.ListTopics()) {
      double topic_records = 0;
      for (int32_t p = 0; p < t.partitions; ++p) {
        auto info = log_.GetPartitionInfo(t.name, p);
        if (!info) continue;
        topic_records += static_cast<double>(info->high_watermark);
        bytes += static_cast<double>(info->size_bytes);
        hwm[{t.name, p}] = info->high_watermark;
      }
      records += topic_records;
      s.Counter("topic." + t.name + ".records", topic_records);
    }
    s.Counter("ingest.records", records);
    s.Gauge("log.bytes", bytes);
    s.Counter("log.fsyncs", static_cast<double>(log_.fsync_count()));
    {
      MutexLock lock(marks_mu_);
      for (const auto& [tp, h] : hwm) {
        Watermark& m = marks_[tp];
        if (m.hwm >= 0 && h != m.hwm) m.moved_ms = now;
        m.hwm = h;
      }
    }
    std::string prom =
        "# HELP pinpipe_consumer_group_lag Records between a group's committed offset and the high watermark.\n"
        "# TYPE pinpipe_consumer_group_lag gauge\n";
    double total_lag = 0;
    for (const auto& g : log_.offsets().Groups()) {
      double lag = 0;
      for (const auto& [topic, part, committed] : log_.offsets().FetchAll(g)) {
        auto it = hwm.find({topic, part});
        if (it == hwm.end()) continue;
        const int64_t l = std::max<int64_t>(0, it->second - committed.offset);
        lag += static_cast<double>(l);
        fmt::format_to(std::back_inserter(prom), "pinpipe_consumer_group_lag{{group=\"{}\",topic=\"{}\",partition=\"{}\"}} {}\n",
                       PromLabel(g), PromLabel(topic), part, l);
      }
      s.Gauge("group." + g + ".lag", lag);
      total_lag += lag;
    }
    s.Gauge("group.total_lag", total_lag);
    MutexLock lock(prom_mu_);
    prom_parts_["groups"] = std::move(prom);
  });

  // Sink progress and DAG states: files and SQLite, so only every 5th pass.
  auto pass = std::make_shared<int>(0);
  // The task instances of finished runs (they no longer change), by run row id.
  auto task_cache = std::make_shared<std::map<int64_t, std::vector<orchestrator::TaskInstanceRecord>>>();
  sampler_.AddSource("status", [this, pass, task_cache](Sample& s) {
    if ((*pass)++ % 5 != 0) return;
    std::string prom;
    if (!options_.sink_state_dir.empty()) {
      sink::StateStore store(FileSystem::Default(), options_.sink_state_dir);
      if (auto st = store.LoadForStatus()) {
        double lag = 0, objects = 0, bytes = 0, recs = 0, failed = 0;
        // Freshness: the age of the oldest record not yet in a committed object (one small
        // log read per partition that is behind), the largest over the partitions.
        double lag_ms = 0;
        bool lag_known = false;
        const int64_t now = NowMs();
        prom += "# HELP pinpipe_sink_committed_offset Next offset the sink will write, by partition.\n"
                "# TYPE pinpipe_sink_committed_offset gauge\n";
        for (const auto& [tp, ps] : st->partitions) {
          // The state file's log end is the sink's last read: stale while paused or failed.
          // The log's high watermark is what the sink still has to write (as /ui/api/sink shows).
          auto info = log_.GetPartitionInfo(tp.topic, tp.partition);
          const int64_t end = info ? info->high_watermark : ps.log_end;
          if (auto ms = LagMs(log_, tp.topic, tp.partition, ps.committed, now)) {
            lag_ms = std::max(lag_ms, static_cast<double>(*ms));
            lag_known = true;
          }
          lag += static_cast<double>(std::max<int64_t>(0, end - ps.committed));
          objects += static_cast<double>(ps.objects);
          bytes += static_cast<double>(ps.bytes);
          recs += static_cast<double>(ps.records);
          failed += ps.failed ? 1 : 0;
          fmt::format_to(std::back_inserter(prom), "pinpipe_sink_committed_offset{{topic=\"{}\",partition=\"{}\"}} {}\n",
                         PromLabel(tp.topic), tp.partition, ps.committed);
        }
        s.Gauge("sink.lag", lag);
        if (lag_known) {
          s.Gauge("sink.lag_ms", lag_ms);
          prom += fmt::format("# HELP pinpipe_sink_lag_seconds Age of the oldest record the sink has not committed to an object yet (0: caught up).\n"
                              "# TYPE pinpipe_sink_lag_seconds gauge\npinpipe_sink_lag_seconds {}\n", lag_ms / 1e3);
        }
        s.Counter("sink.objects", objects);
        s.Counter("sink.bytes", bytes);
        s.Counter("sink.records", recs);
        s.Gauge("sink.failed_partitions", failed);
        const bool paused = std::filesystem::exists(options_.sink_state_dir + "/paused");
        s.Gauge("sink.paused", paused ? 1 : 0);
        prom += fmt::format(
            "# HELP pinpipe_sink_lag_records Records in the log the sink has not written yet.\n"
            "# TYPE pinpipe_sink_lag_records gauge\npinpipe_sink_lag_records {}\n"
            "# HELP pinpipe_sink_objects_total Objects the sink has written.\n"
            "# TYPE pinpipe_sink_objects_total counter\npinpipe_sink_objects_total {}\n"
            "# HELP pinpipe_sink_bytes_total Bytes the sink has written.\n"
            "# TYPE pinpipe_sink_bytes_total counter\npinpipe_sink_bytes_total {}\n"
            "# HELP pinpipe_sink_failed_partitions Partitions whose sink task stopped on an error.\n"
            "# TYPE pinpipe_sink_failed_partitions gauge\npinpipe_sink_failed_partitions {}\n"
            "# HELP pinpipe_sink_paused 1 while the connector is paused (Kafka Connect's PUT .../pause).\n"
            "# TYPE pinpipe_sink_paused gauge\npinpipe_sink_paused {}\n",
            lag, objects, bytes, failed, paused ? 1 : 0);
      }
    }
    if (auto* runs = Runs()) {
      if (auto list = runs->ListRuns("", 200)) {
        std::map<std::pair<std::string, std::string>, int> states;
        std::map<std::string, const orchestrator::DagRunRecord*> last;
        int running = 0;
        for (const auto& r : *list) {
          states[{r.dag_id, std::string(orchestrator::RunStateName(r.state))}]++;
          if (r.state == orchestrator::RunState::kRunning) ++running;
          if (!last.count(r.dag_id)) last[r.dag_id] = &r;
        }
        s.Gauge("dag.running", running);
        prom += "# HELP pinpipe_dag_runs Runs among the latest 200, by DAG and state.\n# TYPE pinpipe_dag_runs gauge\n";
        for (const auto& [k, n] : states) {
          fmt::format_to(std::back_inserter(prom), "pinpipe_dag_runs{{dag=\"{}\",state=\"{}\"}} {}\n", PromLabel(k.first),
                         PromLabel(k.second), n);
        }
        prom += "# HELP pinpipe_dag_last_run_seconds Duration of each DAG's latest finished run.\n"
                "# TYPE pinpipe_dag_last_run_seconds gauge\n";
        for (const auto& [dag, r] : last) {
          if (r->end_us <= 0) continue;
          fmt::format_to(std::back_inserter(prom), "pinpipe_dag_last_run_seconds{{dag=\"{}\",state=\"{}\"}} {}\n",
                         PromLabel(dag), orchestrator::RunStateName(r->state),
                         static_cast<double>(r->end_us - r->start_us) / 1e6);
        }
        AppendTaskMetrics(*runs, *list, *task_cache, prom);
      }
    }
    MutexLock lock(prom_mu_);
    prom_parts_["status"] = std::move(prom);
  });
}

void Dashboard::RenderPrometheus(std::string& out) const {
  MutexLock lock(prom_mu_);
  for (const auto& [k, v] : prom_parts_) out += v;
}

http::Response Dashboard::Overview() {
  const int64_t now = history_.last_time();
  JsonWriter w;
  w.BeginObject().Key("time").Int(now).Key("started_ms").Int(started_ms_);
  w.Key("cards").BeginArray();
  for (const Card& c : kCards) {
    SeriesPoints sp = history_.Query(c.key, 300, now);
    const float v = sp.points.empty() ? NAN : sp.points.back().second;
    w.BeginObject().Field("key", c.key).Field("label", c.label).Field("unit", c.unit);
    w.Key("value");
    AppendNumber(w, v);
    w.Field("state", CardState(c.key, v));
    w.Key("series");
    AppendSeries(w, c.key, sp);
    w.EndObject();
  }
  w.EndArray();
  int64_t partitions = 0;
  auto topics = log_.ListTopics();
  for (const auto& t : topics) partitions += t.partitions;
  w.Key("topics").Int(static_cast<int64_t>(topics.size())).Key("partitions").Int(partitions);
  w.Key("groups").BeginArray();
  for (const auto& [name, v] : history_.Latest("group.")) {
    if (name == "group.total_lag") continue;
    std::string g = name.substr(6, name.size() - 6 - 4);  // group.<g>.lag
    w.BeginObject().Field("group", std::string_view(g)).Key("lag");
    AppendNumber(w, v);
    w.Key("series");
    AppendSeries(w, name, history_.Query(name, 300, now));
    w.EndObject();
  }
  w.EndArray();
  w.Key("last_run");
  orchestrator::RunHistory* runs = Runs();
  auto last = runs ? runs->ListRuns("", 1) : Result<std::vector<orchestrator::DagRunRecord>>{};
  if (last && !last->empty()) {
    const auto& r = last->front();
    w.BeginObject().Field("dag_id", std::string_view(r.dag_id)).Field("run_id", std::string_view(r.run_id));
    w.Field("state", orchestrator::RunStateName(r.state)).Key("start_us").Int(r.start_us).Key("end_us").Int(r.end_us);
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::History(std::string names, int64_t window) {
  const int64_t now = history_.last_time();
  JsonWriter w;
  w.BeginObject().Key("time").Int(now).Key("window").Int(window).Key("series").BeginArray();
  size_t start = 0;
  int n = 0;
  while (start <= names.size() && n < 64) {
    size_t comma = names.find(',', start);
    std::string name = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!name.empty()) {
      AppendSeries(w, name, history_.Query(name, window, now));
      ++n;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  w.EndArray();
  w.Key("names").BeginArray();
  if (names.empty()) {
    for (const auto& name : history_.Names()) w.String(name);
  }
  w.EndArray().EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
