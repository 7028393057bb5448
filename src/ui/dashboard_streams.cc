// The dashboard's Kinesis streams and streaming-job documents and their metric sources. Both
// read what exists anyway: the streams' metadata snapshot (StreamStore), partition watermarks
// (short partition locks, no disk) and the job's in-memory status; nothing on a put or a batch.
#include <fmt/format.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <map>

#include "common/mutex.h"
#include "kinesis/hash_key.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"

namespace pinpipe::ui {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ShardSeries(const std::string& stream, int32_t index) {
  return "kinesis." + stream + "." + std::to_string(index) + ".records";
}

// A shard's position: the log end of its partition while open, its end offset once closed.
int64_t ShardPosition(const log::LogManager& log, const std::string& stream, const kinesis::ShardMeta& sh) {
  if (!sh.open()) return sh.end_offset;
  auto info = log.GetPartitionInfo(stream, sh.index);
  return info ? std::max(info->high_watermark, sh.start_offset) : sh.start_offset;
}

// One source partition of the job as the dashboard shows it: the job's committed position
// against the log's live end (the job's own log_end is only refreshed per batch).
struct JobPartition {
  std::string topic, shard;
  int64_t partition = 0, committed = 0, end = 0, last_record_ms = -1;
  int64_t lag() const { return std::max<int64_t>(0, end - committed); }
};

struct JobStatus {
  bool ok = false;
  std::vector<JobPartition> partitions;
  int64_t records = 0, errors = 0, last_batch_ms = 0;
  // The job's ack → commit histogram (histograms.commit_latency): bounds (s), counts.
  std::vector<double> latency_bounds;
  std::vector<uint64_t> latency_counts;
};

JobStatus ParseJob(const log::LogManager& log, const std::string& json, simdjson::dom::parser& parser) {
  JobStatus st;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return st;
  int64_t v = 0;
  if (doc["records"].get_int64().get(v) == simdjson::SUCCESS) st.records = v;
  if (doc["errors"].get_int64().get(v) == simdjson::SUCCESS) st.errors = v;
  if (doc["last_batch"]["duration_ms"].get_int64().get(v) == simdjson::SUCCESS) st.last_batch_ms = v;
  simdjson::dom::array arr;
  if (doc["histograms"]["commit_latency"]["le"].get_array().get(arr) == simdjson::SUCCESS) {
    for (auto b : arr) st.latency_bounds.push_back(b.get_double().value_unsafe());
  }
  if (doc["histograms"]["commit_latency"]["counts"].get_array().get(arr) == simdjson::SUCCESS) {
    for (auto c : arr) st.latency_counts.push_back(c.get_uint64().value_unsafe());
  }
  simdjson::dom::array parts;
  if (doc["partitions"].get_array().get(parts) == simdjson::SUCCESS) {
    for (auto p : parts) {
      JobPartition jp;
      std::string_view s;
      if (p["topic"].get_string().get(s) == simdjson::SUCCESS) jp.topic = std::string(s);
      if (p["shard"].get_string().get(s) == simdjson::SUCCESS) jp.shard = std::string(s);
      if (p["partition"].get_int64().get(v) == simdjson::SUCCESS) jp.partition = v;
      if (p["committed"].get_int64().get(v) == simdjson::SUCCESS) jp.committed = v;
      if (p["log_end"].get_int64().get(v) == simdjson::SUCCESS) jp.end = v;
      if (p["last_record_ms"].get_int64().get(v) == simdjson::SUCCESS) jp.last_record_ms = v;
      auto info = log.GetPartitionInfo(jp.topic, static_cast<int32_t>(jp.partition));
      if (info) jp.end = std::max(jp.end, info->high_watermark);
      jp.end = std::max(jp.end, jp.committed);
      st.partitions.push_back(std::move(jp));
    }
  }
  st.ok = true;
  return st;
}

// One reader of a shard and how far behind its latest read was (MillisBehindLatest).
struct ShardReader {
  std::string reader;  // "GetRecords", a registered consumer's name, or "stream job"
  std::string kind;    // "GetRecords", "consumer", "stream job"
  int64_t millis_behind = 0;
  int64_t at_ms = 0;   // of that read; for the stream job: now
  int64_t records = 0;
};
using ShardReaders = std::map<std::pair<std::string, int32_t>, std::vector<ShardReader>>;

}  // namespace

// The Kinesis API's readers (GetRecords, registered consumers) and the streaming job (which
// reads the log directly: its lag in time per partition is its iterator age), per shard.
static ShardReaders CollectReaders(const DashboardHooks& hooks, const log::LogManager& log, int64_t now) {
  ShardReaders out;
  if (hooks.kinesis_iterator_ages) {
    for (auto& e : hooks.kinesis_iterator_ages()) {
      const bool api = e.reader == kinesis::IteratorAges::kGetRecords;
      out[{e.stream, e.shard}].push_back({e.reader, api ? "GetRecords" : "consumer", e.millis_behind, e.at_ms, e.records});
    }
  }
  if (hooks.stream_status && hooks.kinesis_streams) {
    simdjson::dom::parser parser;
    JobStatus st = ParseJob(log, hooks.stream_status(), parser);
    for (const auto& p : st.partitions) {
      if (p.shard.empty()) continue;  // a REST topic, not a stream
      int64_t behind = 0;
      if (p.lag() > 0) behind = p.last_record_ms >= 0 ? std::max<int64_t>(0, now - p.last_record_ms) : -1;
      if (behind < 0) continue;  // nothing committed yet: unknown
      out[{p.topic, static_cast<int32_t>(p.partition)}].push_back({"stream job", "stream job", behind, now, 0});
    }
  }
  return out;
}

void Dashboard::AddStreamSources() {
  if (hooks_.kinesis_streams) {
    sampler_.AddSource("kinesis", [this](Sample& s) {
      double all = 0;
      std::string prom =
          "# HELP pinpipe_kinesis_shard_records_total Records a Kinesis shard holds (position - start).\n"
          "# TYPE pinpipe_kinesis_shard_records_total counter\n";
      for (const auto& meta : hooks_.kinesis_streams()) {
        double stream_records = 0;
        for (const auto& sh : meta->shards) {
          const int64_t n = std::max<int64_t>(0, ShardPosition(log_, meta->name, sh) - sh.start_offset);
          s.Counter(ShardSeries(meta->name, sh.index), static_cast<double>(n));
          stream_records += static_cast<double>(n);
          // Stream names are [a-zA-Z0-9_.-]+: nothing to escape in a label.
          fmt::format_to(std::back_inserter(prom), "pinpipe_kinesis_shard_records_total{{stream=\"{}\",shard=\"{}\"}} {}\n",
                         meta->name, kinesis::ShardIdOf(sh.index), n);
        }
        s.Counter("kinesis." + meta->name + ".records", stream_records);
        all += stream_records;
      }
      s.Counter("kinesis.records", all);
      // CloudWatch's GetRecords.IteratorAgeMilliseconds, per shard: the largest over its readers.
      prom += "# HELP pinpipe_kinesis_iterator_age_ms MillisBehindLatest of the latest read of a shard, largest over its readers "
              "(GetRecords, registered consumers, the streaming job) seen in the last 5 minutes.\n"
              "# TYPE pinpipe_kinesis_iterator_age_ms gauge\n";
      double worst = NAN;
      for (const auto& [key, readers] : CollectReaders(hooks_, log_, NowMs())) {
        int64_t age = 0;
        for (const auto& r : readers) age = std::max(age, r.millis_behind);
        fmt::format_to(std::back_inserter(prom), "pinpipe_kinesis_iterator_age_ms{{stream=\"{}\",shard=\"{}\"}} {}\n", key.first,
                       kinesis::ShardIdOf(key.second), age);
        worst = std::isnan(worst) ? static_cast<double>(age) : std::max(worst, static_cast<double>(age));
      }
      if (!std::isnan(worst)) s.Gauge("kinesis.iterator_age_ms", worst);
      MutexLock lock(prom_mu_);
      prom_parts_["kinesis"] = std::move(prom);
    });
  }
  if (hooks_.stream_status) {
    auto parser = std::make_shared<simdjson::dom::parser>();
    // The commit-latency histogram as the last 30 passes saw it: the quantiles are those of
    // the batches committed within the last 30 s (a batch a second or fewer: one pass alone
    // would mostly hold none).
    auto window = std::make_shared<std::deque<std::vector<uint64_t>>>();
    sampler_.AddSource("stream", [this, parser, window](Sample& s) {
      JobStatus st = ParseJob(log_, hooks_.stream_status(), *parser);
      if (!st.ok) return;
      double end = 0, lag = 0;
      for (const auto& p : st.partitions) {
        end += static_cast<double>(p.end);
        lag += static_cast<double>(p.lag());
      }
      // Input: records arriving in the source partitions; processing: records the job read.
      s.Counter("stream.input", end);
      s.Counter("stream.processed", static_cast<double>(st.records));
      s.Counter("stream.errors", static_cast<double>(st.errors));
      s.Gauge("stream.lag", lag);
      s.Gauge("stream.batch_ms", static_cast<double>(st.last_batch_ms));
      if (!st.latency_counts.empty() && st.latency_counts.size() == st.latency_bounds.size() + 1) {
        if (!window->empty() && window->front().size() != st.latency_counts.size()) window->clear();
        window->push_back(st.latency_counts);
        if (window->size() > 30) window->pop_front();
        std::vector<uint64_t> delta(st.latency_counts.size());
        for (size_t b = 0; b < delta.size(); ++b) delta[b] = st.latency_counts[b] - window->front()[b];
        // NaN (a gap) while no batch was committed in the window.
        s.Gauge("stream.latency_p50_ms", QuantileFromBuckets(st.latency_bounds, delta, 0.5) * 1000);
        s.Gauge("stream.latency_p99_ms", QuantileFromBuckets(st.latency_bounds, delta, 0.99) * 1000);
      }
    });
  }
}

http::Response Dashboard::KinesisStreams() {
  const int64_t now = history_.last_time();
  JsonWriter w;
  w.BeginObject().Field("enabled", static_cast<bool>(hooks_.kinesis_streams)).Key("streams").BeginArray();
  if (hooks_.kinesis_streams) {
    const auto rates = history_.Latest("kinesis.");
    auto rate = [&](const std::string& name) {
      auto it = rates.find(name);
      return it == rates.end() ? NAN : it->second;
    };
    const ShardReaders readers = CollectReaders(hooks_, log_, NowMs());
    for (const auto& meta : hooks_.kinesis_streams()) {
      const std::string total = "kinesis." + meta->name + ".records";
      w.BeginObject().Field("name", std::string_view(meta->name)).Field("status", std::string_view(meta->status));
      w.Field("mode", std::string_view(meta->mode)).Key("created_ms").Int(meta->created_ms);
      w.Field("retention_hours", meta->retention_hours).Field("open_shards", meta->open_shards());
      w.Field("consumers", static_cast<int64_t>(meta->consumers.size()));
      w.Field("encryption", std::string_view(meta->encryption));
      w.Key("records_per_s");
      AppendNumber(w, rate(total));
      w.Key("series");
      AppendSeries(w, total, history_.Query(total, 300, now));
      w.Key("shards").BeginArray();
      for (const auto& sh : meta->shards) {
        const int64_t position = ShardPosition(log_, meta->name, sh);
        w.BeginObject().Field("shard_id", std::string_view(kinesis::ShardIdOf(sh.index))).Field("index", sh.index);
        w.Key("parent");
        if (sh.parent >= 0) {
          w.String(kinesis::ShardIdOf(sh.parent));
        } else {
          w.Null();
        }
        // 128-bit hash keys as decimal strings, as Kinesis writes them.
        w.Field("starting_hash_key", std::string_view(kinesis::HashKeyToString(sh.start_hash)));
        w.Field("ending_hash_key", std::string_view(kinesis::HashKeyToString(sh.end_hash)));
        w.Field("open", sh.open()).Key("created_ms").Int(sh.created_ms);
        w.Key("start_offset").Int(sh.start_offset).Key("position").Int(position);
        w.Key("end_offset");
        if (sh.open()) {
          w.Null();
        } else {
          w.Int(sh.end_offset);
        }
        w.Key("closed_ms").Int(sh.closed_ms);
        w.Key("records").Int(std::max<int64_t>(0, position - sh.start_offset));
        w.Key("records_per_s");
        AppendNumber(w, rate(ShardSeries(meta->name, sh.index)));
        // Iterator age: each reader's MillisBehindLatest at its latest read; the shard's is the largest.
        w.Key("readers").BeginArray();
        int64_t age = -1;
        if (auto it = readers.find({meta->name, sh.index}); it != readers.end()) {
          for (const auto& r : it->second) {
            w.BeginObject().Field("reader", std::string_view(r.reader)).Field("kind", std::string_view(r.kind));
            w.Key("millis_behind").Int(r.millis_behind).Key("at_ms").Int(r.at_ms).Key("records").Int(r.records).EndObject();
            age = std::max(age, r.millis_behind);
          }
        }
        w.EndArray().Key("iterator_age_ms");
        if (age >= 0) {
          w.Int(age);
        } else {
          w.Null();
        }
        w.EndObject();
      }
      w.EndArray().EndObject();
    }
  }
  w.EndArray().EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::StreamJob() {
  JsonWriter w;
  w.BeginObject().Field("enabled", static_cast<bool>(hooks_.stream_status));
  if (!hooks_.stream_status) {
    w.EndObject();
    return http::Response::Json(200, w.Take());
  }
  const std::string json = hooks_.stream_status();
  simdjson::dom::parser parser;
  JobStatus st = ParseJob(log_, json, parser);
  if (!st.ok) {
    w.Field("error", "the job's status is not readable").EndObject();
    return http::Response::Json(200, w.Take());
  }
  // The job's own document as it is (name, app id, counters, last batch, tables, last error).
  w.Key("job").Raw(json);
  const int64_t now = NowMs();
  w.Key("partitions").BeginArray();
  for (const auto& p : st.partitions) {
    w.BeginObject().Field("topic", std::string_view(p.topic)).Key("partition").Int(p.partition);
    w.Key("shard");
    if (p.shard.empty()) {
      w.Null();
    } else {
      w.String(p.shard);
    }
    w.Key("committed").Int(p.committed).Key("end").Int(p.end).Key("lag_records").Int(p.lag());
    // How far behind in time: the age of the last committed record while records wait (as
    // `pinpipe stream status`); unknown (null) while nothing was committed yet.
    w.Key("lag_ms");
    if (p.lag() == 0) {
      w.Int(0);
    } else if (p.last_record_ms >= 0) {
      w.Int(std::max<int64_t>(0, now - p.last_record_ms));
    } else {
      w.Null();
    }
    w.Key("last_record_ms").Int(p.last_record_ms).EndObject();
  }
  w.EndArray();
  const auto latest = history_.Latest("stream.");
  w.Key("rates").BeginObject();
  for (const char* k : {"stream.input", "stream.processed", "stream.lag", "stream.batch_ms"}) {
    auto it = latest.find(k);
    w.Key(std::string_view(k).substr(7));
    AppendNumber(w, it == latest.end() ? NAN : it->second);
  }
  w.EndObject().EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
