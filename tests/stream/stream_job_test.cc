// The streaming job over a real embedded log and local Delta tables: rows equal the batch's
// cleaning of the same records; batches are deterministic and exactly once across a crash at
// every point of the protocol; the job wakes on append; the state files detect damage.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batch/clean_pipeline.h"
#include "common/clock.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "log/log_manager.h"
#include "objstore/local_object_store.h"
#include "log/embedded_log.h"
#include "stream/stream_job.h"
#include "stream/stream_settings.h"
#include "stream/stream_state.h"

namespace pinpipe::stream {
namespace {

namespace fs = std::filesystem;
using pinterest::RawKind;

std::string Pin(int i, std::string_view category = "travel") {
  return "{\"index\":" + std::to_string(i) + ",\"unique_id\":\"u" + std::to_string(i) +
         "\",\"title\":\"t" + std::to_string(i) +
         "\",\"description\":\"d\",\"poster_name\":\"p\",\"follower_count\":\"" +
         std::to_string(i % 7) + "k\",\"tag_list\":\"a,b\",\"is_image_or_video\":\"image\"," +
         "\"image_src\":\"x\",\"downloaded\":1,\"save_location\":\"Local save in /data/" +
         std::string(category) + "\",\"category\":\"" + std::string(category) + "\"}";
}
std::string Geo(int i) {
  return "{\"ind\":" + std::to_string(i) + ",\"timestamp\":\"2020-01-0" + std::to_string(1 + i % 9) +
         " 10:00:00\",\"latitude\":" + std::to_string(i % 90) + ".5,\"longitude\":-" +
         std::to_string(i % 180) + ".25,\"country\":\"C" + std::to_string(i % 5) + "\"}";
}
std::string User(int i) {
  return "{\"ind\":" + std::to_string(i) + ",\"first_name\":\"F" + std::to_string(i) +
         "\",\"last_name\":\"L\",\"age\":" + std::to_string(20 + i % 40) +
         ",\"date_joined\":\"2016-0" + std::to_string(1 + i % 9) + "-01 00:00:00\"}";
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class StreamJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_stream_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    log::LogOptions lo;
    lo.dir = (dir_ / "log").string();
    lo.flush.mode = log::FlushPolicy::Mode::kOs;
    lo.retention_check_interval_ms = 0;
    lo.default_partitions = 1;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    source_ = std::make_unique<log::EmbeddedLog>(*log_);
  }
  void TearDown() override {
    source_.reset();
    log_.reset();
    fs::remove_all(dir_);
  }

  void Append(const std::string& topic, int32_t partition, const std::vector<std::string>& values) {
    std::vector<log::Record> recs;
    for (const auto& v : values) recs.push_back(log::Record{std::nullopt, v, {}, -1});
    auto res = log_->Append(topic, partition, recs);
    ASSERT_TRUE(res) << res.error().ToString();
  }

  // One log batch of `values`, every record stamped `ts_ms`.
  void AppendAt(const std::string& topic, int32_t partition, const std::vector<std::string>& values,
                int64_t ts_ms) {
    std::vector<log::Record> recs;
    for (const auto& v : values) recs.push_back(log::Record{std::nullopt, v, {}, ts_ms});
    auto res = log_->Append(topic, partition, recs);
    ASSERT_TRUE(res) << res.error().ToString();
  }

  // numOutputRows of every STREAMING UPDATE commit of a table, oldest first: the batch sizes.
  std::vector<int64_t> BatchRowCounts(const std::string& table) {
    std::vector<int64_t> out;
    auto storage = lake::NewLocalTableStorage((dir_ / "lake" / table).string());
    auto history = lake::ReadHistory(*storage);
    EXPECT_TRUE(history);
    if (!history) return out;
    for (const auto& h : *history) {
      if (h.commit_info && h.commit_info->operation == "STREAMING UPDATE") {
        out.push_back(std::stoll(*h.commit_info->operation_metrics.at("numOutputRows")));
      }
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  StreamSettings Settings(int64_t max_records = 100000) {
    StreamSettings s;
    s.state_dir = (dir_ / "state").string();
    auto src = ParseStreamSources("kinesis", "t");
    EXPECT_TRUE(src);
    s.sources = *src;
    for (RawKind k : {RawKind::kPin, RawKind::kGeo, RawKind::kUser}) {
      const std::string n(pinterest::RawKindName(k));
      s.tables[static_cast<size_t>(k)] = "t_" + n + "_table";
      s.quarantine_tables[static_cast<size_t>(k)] = "t_" + n + "_quarantine";
    }
    s.max_batch_records = max_records;
    return s;
  }

  using WrapStorage = std::function<std::unique_ptr<lake::TableStorage>(
      std::string_view rel, std::unique_ptr<lake::TableStorage>)>;
  std::unique_ptr<StreamJob> Make(StreamSettings s,
                                  std::function<Status(std::string_view)> hook = nullptr,
                                  std::function<int64_t(const TopicPartition&)> first = nullptr,
                                  WrapStorage wrap = nullptr) {
    StreamRuntime rt;
    rt.clock = &clock_;
    const std::string lake = (dir_ / "lake").string();
    rt.open_table = [lake, wrap](std::string_view rel) {
      const std::string d = lake + "/" + std::string(rel);
      fs::create_directories(d);
      auto storage = lake::NewLocalTableStorage(d);
      return wrap ? wrap(rel, std::move(storage)) : std::move(storage);
    };
    rt.hook = std::move(hook);
    rt.first_offset = std::move(first);
    auto job = StreamJob::Create(std::move(s), source_.get(), std::move(rt));
    EXPECT_TRUE(job) << job.error().ToString();
    return job ? std::move(*job) : nullptr;
  }

  // Rows of a Delta table as JSON lines, in table order.
  std::vector<std::string> Rows(const std::string& table) {
    std::vector<std::string> out;
    auto storage = lake::NewLocalTableStorage((dir_ / "lake" / table).string());
    auto snap = lake::Snapshot::Load(*storage);
    if (!snap) return out;
    auto st = lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView& row) {
      std::string line = "[";
      for (size_t c = 0; c < row.num_columns(); ++c) {
        if (c) line += ',';
        row.AppendJson(c, &line);
      }
      out.push_back(line + "]");
      return true;
    });
    EXPECT_TRUE(st) << st.error().ToString();
    return out;
  }

  // The batch's clean task over the same records, as one NDJSON object per topic-partition
  // (the sink's layout), through batch::RunCleanPipeline.
  std::vector<std::string> BatchRows(RawKind kind, const std::vector<std::vector<std::string>>& parts) {
    const std::string lake = (dir_ / ("batch_" + std::string(pinterest::RawKindName(kind)))).string();
    fs::create_directories(lake + "/objects");
    objstore::LocalObjectStore store(lake);
    std::vector<batch::ManifestObject> objects;
    for (size_t p = 0; p < parts.size(); ++p) {
      std::string body;
      for (const auto& v : parts[p]) body += v + "\n";
      const std::string key = "objects/p" + std::to_string(p) + ".json";
      std::ofstream(lake + "/" + key) << body;
      objects.push_back({key, body.size(), 0, ""});
    }
    const std::string table = lake + "/table";
    fs::create_directories(table);
    auto r = batch::RunCleanPipeline(store, kind, objects, lake::NewLocalTableStorage(table));
    EXPECT_TRUE(r) << r.error().ToString();
    std::vector<std::string> out;
    auto storage = lake::NewLocalTableStorage(table);
    auto snap = lake::Snapshot::Load(*storage);
    EXPECT_TRUE(snap);
    (void)lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView& row) {
      std::string line = "[";
      for (size_t c = 0; c < row.num_columns(); ++c) {
        if (c) line += ',';
        row.AppendJson(c, &line);
      }
      out.push_back(line + "]");
      return true;
    });
    return out;
  }

  ManualClock clock_;  // the jobs' clock (Make)
  fs::path dir_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<log::EmbeddedLog> source_;
};

TEST(StreamStateTest, RoundTripsAndDetectsDamage) {
  CommittedState s;
  s.app_id = "app-1";
  s.batch_id = 41;
  s.partitions[{"streaming-x-pin", 3}] = {1234, 1700000000000};
  s.windows[1] = std::string("bin\nary\0bytes", 13);
  auto back = CommittedState::Decode(s.Encode());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(*back, s);
  BatchPlan p{42, {{{"streaming-x-pin", 3}, 1234, 1300}, {{"streaming-x-geo", 0}, 0, 7}}};
  auto pb = BatchPlan::Decode(p.Encode());
  ASSERT_TRUE(pb);
  EXPECT_EQ(*pb, p);
  for (std::string bytes : {s.Encode(), p.Encode()}) {
    for (size_t i = 0; i < bytes.size(); i += 7) {
      std::string bad = bytes;
      bad[i] ^= 0x20;
      const bool state = bytes.starts_with("pinpipe-stream-state");
      EXPECT_FALSE(state ? CommittedState::Decode(bad).has_value() : BatchPlan::Decode(bad).has_value())
          << "flipped byte " << i;
    }
    EXPECT_FALSE(CommittedState::Decode(bytes.substr(0, bytes.size() / 2)).has_value());
  }
}

TEST(StreamSettingsTest, Sources) {
  auto k = ParseStreamSources("kinesis", "pinterest");
  ASSERT_TRUE(k);
  EXPECT_EQ((*k)[0].topic, "streaming-pinterest-pin");
  EXPECT_TRUE((*k)[0].kinesis && (*k)[1].kinesis && (*k)[2].kinesis);
  EXPECT_EQ((*k)[2].topic, "streaming-pinterest-user");
  auto r = ParseStreamSources("rest", "p");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[1].topic, "p.geo");
  EXPECT_EQ((*r)[1].kind, RawKind::kGeo);
  EXPECT_FALSE((*r)[1].kinesis);
  auto e = ParseStreamSources("user=a,pin=b", "p");
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)[0].kind, RawKind::kUser);
  EXPECT_FALSE(ParseStreamSources("cats=a", "p"));
}

TEST_F(StreamJobTest, RowsEqualTheBatchCleaningOfTheSameRecords) {
  // Two shards for pin; duplicates (also numbers-as-strings spelled differently), a record
  // that cannot be decoded.
  std::vector<std::string> p0 = {Pin(1), Pin(2), Pin(1), Pin(3, "diy-and-crafts")};
  std::string pin4_text = Pin(4);
  std::vector<std::string> p1 = {pin4_text, "{not json", Pin(5)};
  ASSERT_TRUE(log_->CreateTopic("streaming-t-pin", 2));
  Append("streaming-t-pin", 0, p0);
  Append("streaming-t-pin", 1, p1);
  Append("streaming-t-geo", 0, {Geo(1), Geo(2), Geo(2)});
  Append("streaming-t-user", 0, {User(1), User(2)});
  auto job = Make(Settings());
  ASSERT_TRUE(job);
  auto st = job->RunUntilCaughtUp();
  ASSERT_TRUE(st) << st.error().ToString();

  EXPECT_EQ(Rows("t_pin_table"), BatchRows(RawKind::kPin, {p0, p1}));
  EXPECT_EQ(Rows("t_geo_table"), BatchRows(RawKind::kGeo, {{Geo(1), Geo(2), Geo(2)}}));
  EXPECT_EQ(Rows("t_user_table"), BatchRows(RawKind::kUser, {{User(1), User(2)}}));
  EXPECT_EQ(Rows("t_pin_table").size(), 5u);  // Pin(1) once
  EXPECT_EQ(Rows("t_pin_quarantine").size(), 1u);
}

TEST_F(StreamJobTest, StatusTimesFollowTheJobsClock) {
  // The job's clock stands in 2001: a job that read the system clock would report today.
  clock_.SetWallMs(1'000'000'000'000);
  Append("streaming-t-pin", 0, {Pin(1)});
  auto job = Make(Settings());
  ASSERT_TRUE(job->RunUntilCaughtUp());
  clock_.Advance(1500);
  const std::string st = job->StatusJson();
  EXPECT_NE(st.find("\"updated_ms\":1000000001500,"), std::string::npos) << st;
  EXPECT_NE(st.find("\"duration_ms\":0,\"at_ms\":1000000000000}"), std::string::npos) << st;
}

TEST_F(StreamJobTest, StatusNamesTheShardsOfKinesisStreams) {
  // A Kinesis stream's partition i is shard i: the status names it, with its position and lag.
  ASSERT_TRUE(log_->CreateTopic("streaming-t-pin", 2));
  Append("streaming-t-pin", 1, {Pin(1), Pin(2)});
  auto job = Make(Settings());
  ASSERT_TRUE(job->RunUntilCaughtUp());
  const std::string st = job->StatusJson();
  EXPECT_NE(st.find("{\"topic\":\"streaming-t-pin\",\"partition\":1,\"shard\":\"shardId-000000000001\","
                    "\"committed\":2,\"log_end\":2,\"lag_records\":0,"),
            std::string::npos) << st;
  EXPECT_NE(st.find("\"partition\":0,\"shard\":\"shardId-000000000000\",\"committed\":0"),
            std::string::npos) << st;
  // A topic that is not a Kinesis stream has no shards.
  auto settings = Settings();
  settings.state_dir = (dir_ / "state_rest").string();
  settings.sources = *ParseStreamSources("rest", "t");
  Append("t.pin", 0, {Pin(3)});
  auto rest = Make(settings);
  ASSERT_TRUE(rest->RunUntilCaughtUp());
  EXPECT_NE(rest->StatusJson().find("\"topic\":\"t.pin\",\"partition\":0,\"committed\":1"),
            std::string::npos) << rest->StatusJson();
}

TEST_F(StreamJobTest, NeverReadsBelowTheSourcesFirstOffset) {
  // A Kinesis stream deleted and created again reuses its log topic from the topic's end: the
  // records below a shard's start offset belong to the deleted stream and are never read, also
  // when nothing follows them (the position moves past them and the lag is zero).
  ASSERT_TRUE(log_->CreateTopic("streaming-t-pin", 2));
  Append("streaming-t-pin", 0, {Pin(1), Pin(2), Pin(3)});
  Append("streaming-t-pin", 1, {Pin(4), Pin(5)});
  std::map<int32_t, int64_t> first = {{0, 2}, {1, 2}};
  auto job = Make(Settings(), nullptr, [&first](const TopicPartition& tp) {
    return tp.topic == "streaming-t-pin" ? first[tp.partition] : 0;
  });
  ASSERT_TRUE(job->RunUntilCaughtUp());
  auto rows = Rows("t_pin_table");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows, BatchRows(RawKind::kPin, {{Pin(3)}}));
  const std::string st = job->StatusJson();
  EXPECT_NE(st.find("\"partition\":1,\"shard\":\"shardId-000000000001\",\"committed\":2,\"log_end\":2,"
                    "\"lag_records\":0"), std::string::npos) << st;
  // Records appended after the start offset are read as usual, by a restarted job too.
  Append("streaming-t-pin", 1, {Pin(6)});
  job.reset();
  job = Make(Settings(), nullptr, [&first](const TopicPartition& tp) { return first[tp.partition]; });
  ASSERT_TRUE(job->RunUntilCaughtUp());
  EXPECT_EQ(Rows("t_pin_table").size(), 2u);
}

TEST_F(StreamJobTest, QuarantineAndCommitInfo) {
  Append("streaming-t-pin", 0, {Pin(1), "{not json", "[1,2]"});
  auto job = Make(Settings());
  ASSERT_TRUE(job);
  ASSERT_TRUE(job->RunUntilCaughtUp());
  auto q = Rows("t_pin_quarantine");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_NE(q[0].find("{not json"), std::string::npos) << q[0];
  EXPECT_NE(q[0].find("\"pin\""), std::string::npos);

  auto storage = lake::NewLocalTableStorage((dir_ / "lake" / "t_pin_table").string());
  auto snap = lake::Snapshot::Load(*storage);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->TxnVersion(job->app_id()), 0);
  auto history = lake::ReadHistory(*storage);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);  // CREATE TABLE, then the batch
  const auto& ci = *history->front().commit_info;
  EXPECT_EQ(ci.operation, "STREAMING UPDATE");
  EXPECT_EQ(ci.operation_parameters.at("outputMode"), "Append");
  EXPECT_EQ(ci.operation_parameters.at("queryId"), job->app_id());
  EXPECT_EQ(ci.operation_parameters.at("epochId"), "0");
  EXPECT_EQ(ci.operation_metrics.at("numOutputRows"), "1");
  EXPECT_EQ(ci.operation_metrics.at("numAddedFiles"), "1");
  EXPECT_EQ(ci.operation_metrics.at("numRemovedFiles"), "0");
}

TEST_F(StreamJobTest, DedupWindowSpansBatchesAndRestarts) {
  Append("streaming-t-pin", 0, {Pin(1), Pin(2)});
  {
    auto job = Make(Settings());
    ASSERT_TRUE(job->RunUntilCaughtUp());
  }
  Append("streaming-t-pin", 0, {Pin(2), Pin(3), Pin(1)});
  auto job = Make(Settings());
  ASSERT_TRUE(job->RunUntilCaughtUp());
  EXPECT_EQ(Rows("t_pin_table").size(), 3u);
}

// stream.dedup_window bounds the dedup: with a window of 2 distinct rows, a resent row still in
// the window is dropped, one further back is kept (as a second row), also across a restart,
// which restores the window from stream.state.
TEST_F(StreamJobTest, DedupWindowBoundKeepsOlderDuplicates) {
  StreamSettings s = Settings();
  s.dedup_window = 2;
  auto run = [&](const std::vector<std::string>& values) {
    Append("streaming-t-pin", 0, values);
    auto job = Make(s);
    auto st = job->RunUntilCaughtUp();
    ASSERT_TRUE(st) << st.error().ToString();
  };
  run({Pin(1), Pin(2), Pin(3)});  // window: 2, 3
  EXPECT_EQ(Rows("t_pin_table").size(), 3u);
  run({Pin(3)});                  // within the window: dropped
  EXPECT_EQ(Rows("t_pin_table").size(), 3u);
  run({Pin(1)});                  // evicted: kept again; window: 3, 1
  EXPECT_EQ(Rows("t_pin_table").size(), 4u);
  run({Pin(3), Pin(1)});          // both within the window
  EXPECT_EQ(Rows("t_pin_table").size(), 4u);
  run({Pin(2)});                  // evicted long ago: kept
  // The batch's cleaning of the three rows, plus rows 1 and 2 once more.
  std::vector<std::string> want = BatchRows(RawKind::kPin, {{Pin(1), Pin(2), Pin(3)}});
  ASSERT_EQ(want.size(), 3u);
  for (const char* id : {"\"u1\"", "\"u2\""}) {
    auto it = std::find_if(want.begin(), want.end(),
                           [&](const std::string& r) { return r.find(id) != std::string::npos; });
    ASSERT_NE(it, want.end()) << id;
    want.push_back(*it);
  }
  EXPECT_EQ(Sorted(Rows("t_pin_table")), Sorted(want));
}

// A crash at every point of the protocol, each at several batches: the restarted job leaves
// exactly the rows of an uninterrupted run (no loss, no duplicate), even when records arrive
// between the crash and the restart (the plan, not the log end, decides the replayed batch).
TEST_F(StreamJobTest, CrashAtEveryPointIsExactlyOnce) {
  std::vector<std::string> pins, geos, users;
  for (int i = 0; i < 60; ++i) {
    pins.push_back(Pin(i));
    geos.push_back(Geo(i));
    users.push_back(User(i));
  }
  // Reference: an uninterrupted run of the same records in another topic set... is the batch.
  const auto want_pin = BatchRows(RawKind::kPin, {pins});
  const auto want_geo = BatchRows(RawKind::kGeo, {geos});
  const auto want_user = BatchRows(RawKind::kUser, {users});

  int scenario = 0;
  for (std::string point : {"planned", "committed", "saved"}) {
    for (int nth : {1, 2, 4}) {
      SCOPED_TRACE(point + " #" + std::to_string(nth));
      // A fresh log and lake per scenario.
      const std::string suffix = "-s" + std::to_string(scenario++);
      StreamSettings s = Settings(/*max_records=*/10);
      s.sources = *ParseStreamSources("pin=pin" + suffix + ",geo=geo" + suffix + ",user=user" + suffix, "t");
      s.state_dir += suffix;
      for (auto& t : s.tables) t += suffix;
      for (auto& t : s.quarantine_tables) t += suffix;
      for (int i = 0; i < 30; ++i) {
        Append("pin" + suffix, 0, {pins[i]});
        Append("geo" + suffix, 0, {geos[i]});
        Append("user" + suffix, 0, {users[i]});
      }
      int seen = 0;
      auto job = Make(s, [&](std::string_view p) -> Status {
        if (p == point && ++seen == nth) return MakeError(ErrorCode::kIoError, "crash");
        return OkStatus();
      });
      auto st = job->RunUntilCaughtUp();
      ASSERT_FALSE(st);
      job.reset();
      for (int i = 30; i < 60; ++i) {
        Append("pin" + suffix, 0, {pins[i]});
        Append("geo" + suffix, 0, {geos[i]});
        Append("user" + suffix, 0, {users[i]});
      }
      job = Make(s);
      st = job->RunUntilCaughtUp();
      ASSERT_TRUE(st) << st.error().ToString();
      // Readers list a table's files by path, so compare rows as multisets.
      EXPECT_EQ(Sorted(Rows(s.tables[0])), Sorted(want_pin));
      EXPECT_EQ(Sorted(Rows(s.tables[1])), Sorted(want_geo));
      EXPECT_EQ(Sorted(Rows(s.tables[2])), Sorted(want_user));
      // Every batch is in each table once: versions 1..n carry txn versions 0..n-1 in order.
      auto storage = lake::NewLocalTableStorage((dir_ / "lake" / s.tables[0]).string());
      auto history = lake::ReadHistory(*storage);
      ASSERT_TRUE(history);
      std::vector<std::string> epochs;
      for (const auto& h : *history) {
        if (h.commit_info && h.commit_info->operation == "STREAMING UPDATE") {
          epochs.push_back(*h.commit_info->operation_parameters.at("epochId"));
        }
      }
      std::vector<std::string> sorted = epochs;
      std::sort(sorted.begin(), sorted.end());
      EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "an epoch committed twice";
    }
  }
}

// Stop() while a batch is in flight (its plan durable, at "planned"; or its first table
// committed and the others not, at "committed") finishes that batch: when Stop() returns every
// record of the plan is in the tables and the state says so, and a restart over the same files
// neither replays nor duplicates anything.
TEST_F(StreamJobTest, StopFinishesTheBatchInFlight) {
  std::vector<std::string> pins, geos, users;
  for (int i = 0; i < 20; ++i) {
    pins.push_back(Pin(i));
    geos.push_back(Geo(i));
    users.push_back(User(i));
  }
  const auto want_pin = Sorted(BatchRows(RawKind::kPin, {pins}));
  const auto want_geo = Sorted(BatchRows(RawKind::kGeo, {geos}));
  const auto want_user = Sorted(BatchRows(RawKind::kUser, {users}));
  int scenario = 0;
  for (std::string point : {"planned", "committed"}) {
    SCOPED_TRACE(point);
    const std::string suffix = "-g" + std::to_string(scenario++);
    StreamSettings s = Settings();
    s.sources = *ParseStreamSources("pin=pin" + suffix + ",geo=geo" + suffix + ",user=user" + suffix, "t");
    s.state_dir += suffix;
    for (auto& t : s.tables) t += suffix;
    for (auto& t : s.quarantine_tables) t += suffix;
    Append("pin" + suffix, 0, pins);
    Append("geo" + suffix, 0, geos);
    Append("user" + suffix, 0, users);

    // The hook holds the worker at the point until Stop() has been asked for.
    std::atomic<bool> reached{false}, stop_asked{false};
    std::atomic<int> seen{0};
    auto job = Make(s, [&](std::string_view p) -> Status {
      if (p == point && seen.fetch_add(1) == 0) {
        reached.store(true);
        while (!stop_asked.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        // Stop() sets its flag first thing; give its thread the moment to get there.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return OkStatus();
    });
    job->Start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!reached.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(reached.load());
    EXPECT_EQ(job->committed_batch(), -1);  // batch 0 is in flight
    std::thread stopper([&] {
      stop_asked.store(true);
      job->Stop();
    });
    stopper.join();
    // The batch in flight was finished, not abandoned: committed and saved.
    EXPECT_EQ(job->committed_batch(), 0);
    EXPECT_TRUE(job->Problems().empty());
    EXPECT_EQ(Sorted(Rows(s.tables[0])), want_pin);
    EXPECT_EQ(Sorted(Rows(s.tables[1])), want_geo);
    EXPECT_EQ(Sorted(Rows(s.tables[2])), want_user);
    job.reset();

    // A restart finds nothing to replay and nothing to read; the rows stay as they were.
    job = Make(s);
    EXPECT_EQ(job->committed_batch(), 0);
    auto ran = job->RunOneBatch();
    ASSERT_TRUE(ran) << ran.error().ToString();
    EXPECT_FALSE(*ran);
    ASSERT_TRUE(job->RunUntilCaughtUp());
    EXPECT_EQ(job->committed_batch(), 0);
    EXPECT_EQ(Sorted(Rows(s.tables[0])), want_pin);
    EXPECT_EQ(Sorted(Rows(s.tables[1])), want_geo);
    EXPECT_EQ(Sorted(Rows(s.tables[2])), want_user);
    for (const auto& t : s.tables) {
      auto storage = lake::NewLocalTableStorage((dir_ / "lake" / t).string());
      auto history = lake::ReadHistory(*storage);
      ASSERT_TRUE(history);
      int appends = 0;
      for (const auto& h : *history) {
        if (h.commit_info && h.commit_info->operation == "STREAMING UPDATE") ++appends;
      }
      EXPECT_EQ(appends, 1) << t;  // batch 0, committed once
    }
  }
}

TEST_F(StreamJobTest, ReplayReadsExactlyThePlannedOffsets) {
  Append("streaming-t-pin", 0, {Pin(1), Pin(2), Pin(3)});
  auto job = Make(Settings(), [](std::string_view p) -> Status {
    return p == "planned" ? Status(MakeError(ErrorCode::kIoError, "crash")) : OkStatus();
  });
  ASSERT_FALSE(job->RunOneBatch());
  job.reset();
  Append("streaming-t-pin", 0, {Pin(4), Pin(5)});
  job = Make(Settings());
  auto ran = job->RunOneBatch();  // the replay: batch 0 = offsets [0, 3) only
  ASSERT_TRUE(ran && *ran);
  EXPECT_EQ(job->committed_batch(), 0);
  EXPECT_EQ(Rows("t_pin_table").size(), 3u);
  ran = job->RunOneBatch();
  ASSERT_TRUE(ran && *ran);
  EXPECT_EQ(job->committed_batch(), 1);
  EXPECT_EQ(Rows("t_pin_table").size(), 5u);
  ran = job->RunOneBatch();
  ASSERT_TRUE(ran);
  EXPECT_FALSE(*ran);  // nothing left
}

TEST_F(StreamJobTest, BatchesAreBoundedByRecords) {
  for (int i = 0; i < 25; ++i) Append("streaming-t-pin", 0, {Pin(i)});  // one log batch each
  auto job = Make(Settings(/*max_records=*/10));
  ASSERT_TRUE(job->RunUntilCaughtUp());
  EXPECT_EQ(job->committed_batch(), 2);  // 10 + 10 + 5
  EXPECT_EQ(Rows("t_pin_table").size(), 25u);
}

// Backpressure: while a Delta commit is slow (held at the "committed" point of batch 0), the
// records appended meanwhile, 40 separate appends, wait and then go into ONE next batch.
TEST_F(StreamJobTest, BatchesGrowWhileACommitIsSlow) {
  Append("streaming-t-pin", 0, {Pin(0)});
  std::atomic<bool> held{false}, release{false};
  auto job = Make(Settings(), [&](std::string_view p) -> Status {
    if (p == "committed" && !held.exchange(true)) {
      while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return OkStatus();
  });
  job->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!held.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(held.load());
  for (int i = 1; i <= 40; ++i) Append("streaming-t-pin", 0, {Pin(i)});
  release.store(true);
  while (Rows("t_pin_table").size() < 41 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  job->Stop();
  EXPECT_EQ(BatchRowCounts("t_pin_table"), (std::vector<int64_t>{1, 40}));
  EXPECT_EQ(job->committed_batch(), 1);
}

// stream.max_batch_bytes caps a batch: ~1 KiB records, one log batch each, at most 8 KiB of
// them per batch, so 7 records per batch (the log batch's own header makes 8 not fit).
TEST_F(StreamJobTest, BatchesAreBoundedByBytes) {
  std::vector<std::string> pins;
  size_t batch_bytes = 0;
  for (int i = 0; i < 40; ++i) {
    std::string v = Pin(i);
    v.insert(v.find("\"description\":\"") + 15, std::string(1000 - v.size(), 'x'));
    ASSERT_EQ(v.size(), 1000u);
    pins.push_back(v);
    Append("streaming-t-pin", 0, {v});
  }
  {
    std::string buf;
    auto f = source_->Fetch({"streaming-t-pin", 0}, 0, 1, buf);  // exactly one log batch
    ASSERT_TRUE(f);
    batch_bytes = buf.size();
  }
  ASSERT_GT(batch_bytes, 1000u);
  StreamSettings s = Settings();
  s.max_batch_bytes = 8 << 10;
  auto job = Make(s);
  ASSERT_TRUE(job->RunUntilCaughtUp());
  const int64_t per_batch = static_cast<int64_t>((8u << 10) / batch_bytes);  // 7
  auto counts = BatchRowCounts("t_pin_table");
  ASSERT_EQ(counts.size(), static_cast<size_t>((40 + per_batch - 1) / per_batch)) << counts.size();
  for (size_t i = 0; i + 1 < counts.size(); ++i) EXPECT_EQ(counts[i], per_batch) << i;
  EXPECT_EQ(Sorted(Rows("t_pin_table")), Sorted(BatchRows(RawKind::kPin, {pins})));
}

// stream.max_batch_ms caps a batch by its records' log timestamps: 50 records 100 ms apart,
// at most 1 s of them per batch = 10 per batch. The bound is applied when the batch is
// planned: a crash after the plan replays exactly the planned range even when the restarted
// job has no time bound.
TEST_F(StreamJobTest, BatchesAreBoundedByRecordTime) {
  const int64_t t0 = 1'700'000'000'000;
  std::vector<std::string> pins;
  for (int i = 0; i < 50; ++i) {
    pins.push_back(Pin(i));
    AppendAt("streaming-t-pin", 0, {Pin(i)}, t0 + 100 * i);
  }
  StreamSettings s = Settings();
  s.max_batch_ms = 1000;
  auto job = Make(s, [](std::string_view p) -> Status {
    return p == "planned" ? Status(MakeError(ErrorCode::kIoError, "crash")) : OkStatus();
  });
  ASSERT_FALSE(job->RunOneBatch());
  job.reset();
  StreamSettings unbounded = s;
  unbounded.max_batch_ms = 0;
  job = Make(unbounded);
  auto ran = job->RunOneBatch();  // the replay of batch 0
  ASSERT_TRUE(ran && *ran);
  job.reset();
  job = Make(s);
  ASSERT_TRUE(job->RunUntilCaughtUp());
  EXPECT_EQ(BatchRowCounts("t_pin_table"), (std::vector<int64_t>{10, 10, 10, 10, 10}));
  EXPECT_EQ(Sorted(Rows("t_pin_table")), Sorted(BatchRows(RawKind::kPin, {pins})));
  // Without the bound the same records are one batch.
  StreamSettings other = Settings();
  other.max_batch_ms = 0;
  other.state_dir += "-unbounded";
  for (auto& t : other.tables) t += "-unbounded";
  for (auto& t : other.quarantine_tables) t += "-unbounded";
  auto whole = Make(other);
  ASSERT_TRUE(whole->RunUntilCaughtUp());
  EXPECT_EQ(BatchRowCounts("t_pin_table-unbounded"), (std::vector<int64_t>{50}));
}

// A table's storage whose Delta commits (put-if-absent of _delta_log/N.json) fail while
// `fail` is set: a lake that refuses writes (disk full, permissions, an object store down).
class FailingCommits : public lake::TableStorage {
 public:
  FailingCommits(std::unique_ptr<lake::TableStorage> base, const std::atomic<bool>* fail)
      : base_(std::move(base)), fail_(fail) {}
  const std::string& root() const override { return base_->root(); }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    if (fail_->load() && key.starts_with("_delta_log/")) {
      return MakeError(ErrorCode::kIoError, "injected: cannot write " + std::string(key));
    }
    return base_->PutIfAbsent(key, data);
  }
  Status Put(std::string_view key, std::string_view data) override { return base_->Put(key, data); }
  Result<std::string> Get(std::string_view key) override { return base_->Get(key); }
  Result<lake::StoredObject> Head(std::string_view key) override { return base_->Head(key); }
  Result<std::vector<lake::StoredObject>> List(std::string_view prefix) override {
    return base_->List(prefix);
  }
  Status Delete(std::string_view key) override { return base_->Delete(key); }
  std::optional<std::string> LocalPath(std::string_view key) const override {
    return base_->LocalPath(key);
  }

 private:
  std::unique_ptr<lake::TableStorage> base_;
  const std::atomic<bool>* fail_;
};

uint64_t Metric(const StreamJob& job, std::string_view name) {
  std::string out;
  job.RenderPrometheus(out);
  const std::string key = "\n" + std::string(name) + " ";
  const size_t at = out.find(key);
  return at == std::string::npos ? 0 : std::stoull(out.substr(at + key.size()));
}

// Delta commits that fail (here: the geo table's, after the pin table committed the same
// batch) are retried with back-off from the durable plan; meanwhile the error is in the status,
// the /healthz problems and pinpipe_stream_errors_total. Once commits succeed again the error
// clears and every row is in its table exactly once (the pin table is not written twice).
TEST_F(StreamJobTest, FailingDeltaCommitsAreRetriedAndShown) {
  std::vector<std::string> pins, geos, users;
  for (int i = 0; i < 40; ++i) {
    pins.push_back(Pin(i));
    geos.push_back(Geo(i));
    users.push_back(User(i));
  }
  auto append = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      Append("streaming-t-pin", 0, {pins[i]});
      Append("streaming-t-geo", 0, {geos[i]});
      Append("streaming-t-user", 0, {users[i]});
    }
  };
  append(0, 20);
  std::atomic<bool> fail{true};
  auto job = Make(Settings(), nullptr, nullptr,
                  [&fail](std::string_view rel, std::unique_ptr<lake::TableStorage> base)
                      -> std::unique_ptr<lake::TableStorage> {
                    if (rel != "t_geo_table") return base;
                    return std::make_unique<FailingCommits>(std::move(base), &fail);
                  });
  job->Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (Metric(*job, "pinpipe_stream_errors_total") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(Metric(*job, "pinpipe_stream_errors_total"), 3u);  // retried, still failing
  auto problems = job->Problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("injected: cannot write _delta_log/"), std::string::npos) << problems[0];
  std::string status = job->StatusJson();
  EXPECT_NE(status.find("\"last_error\":\"injected: cannot write _delta_log/"), std::string::npos)
      << status;
  EXPECT_EQ(job->committed_batch(), -1);
  EXPECT_EQ(Rows("t_pin_table").size(), 20u);  // the first table committed batch 0
  EXPECT_TRUE(Rows("t_geo_table").empty());
  append(20, 40);  // more records arrive while the lake refuses commits
  fail.store(false);
  while ((Rows("t_geo_table").size() < 40 || Rows("t_user_table").size() < 40 ||
          !job->Problems().empty()) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  job->Stop();
  EXPECT_TRUE(job->Problems().empty());
  status = job->StatusJson();
  EXPECT_NE(status.find("\"last_error\":\"\""), std::string::npos) << status;
  EXPECT_EQ(Sorted(Rows("t_pin_table")), Sorted(BatchRows(RawKind::kPin, {pins})));
  EXPECT_EQ(Sorted(Rows("t_geo_table")), Sorted(BatchRows(RawKind::kGeo, {geos})));
  EXPECT_EQ(Sorted(Rows("t_user_table")), Sorted(BatchRows(RawKind::kUser, {users})));
  // Batch 0 was planned once and replayed after each failure: its plan (the first 20 records
  // of each table) did not grow with the records that came meanwhile.
  EXPECT_EQ(BatchRowCounts("t_pin_table").front(), 20);
  EXPECT_EQ(BatchRowCounts("t_geo_table").front(), 20);
  EXPECT_GE(Metric(*job, "pinpipe_stream_replayed_batches_total"), 1u);
  for (const auto& t : {"t_pin_table", "t_geo_table", "t_user_table"}) {
    auto counts = BatchRowCounts(t);
    int64_t sum = 0;
    for (int64_t c : counts) sum += c;
    EXPECT_EQ(sum, 40) << t;
  }
}

TEST_F(StreamJobTest, WakesOnAppendAndStopsGracefully) {
  auto job = Make(Settings());
  job->Start();  // no topic yet: the job waits for it, creating nothing
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(log_->ListTopics().empty());
  Append("streaming-t-pin", 0, {Pin(1), Pin(2)});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Rows("t_pin_table").size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Rows("t_pin_table").size(), 2u);
  Append("streaming-t-pin", 0, {Pin(3)});
  while (Rows("t_pin_table").size() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Rows("t_pin_table").size(), 3u);
  job->Stop();
  std::string metrics;
  job->RenderPrometheus(metrics);
  EXPECT_NE(metrics.find("pinpipe_stream_rows_total{table=\"pin\"} 3"), std::string::npos) << metrics;
  EXPECT_NE(job->StatusJson().find("\"lag_records\":0"), std::string::npos) << job->StatusJson();
}

}  // namespace
}  // namespace pinpipe::stream

namespace pinpipe::stream {
namespace {

// Background compaction while the job appends: the small files become fewer, no row is lost
// or repeated, and the job's txn stays in the table.
TEST_F(StreamJobTest, BackgroundCompactionBesideAppends) {
  StreamSettings s = Settings();
  s.compact_interval_ms = 20;
  s.compact_min_files = 3;
  auto job = Make(s);
  job->Start();
  std::vector<std::string> want;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int round = 0; round < 12; ++round) {
    Append("streaming-t-pin", 0, {Pin(round * 2), Pin(round * 2 + 1)});
    while (job->committed_batch() < round && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::string metrics;
  while (std::chrono::steady_clock::now() < deadline) {
    metrics.clear();
    job->RenderPrometheus(metrics);
    if (metrics.find("pinpipe_stream_compactions_total 0") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  job->Stop();
  EXPECT_EQ(metrics.find("pinpipe_stream_compactions_total 0"), std::string::npos) << metrics;
  auto storage = lake::NewLocalTableStorage((dir_ / "lake" / "t_pin_table").string());
  auto snap = lake::Snapshot::Load(*storage);
  ASSERT_TRUE(snap);
  EXPECT_LT(snap->files().size(), 12u);
  EXPECT_EQ(snap->TxnVersion(job->app_id()), job->committed_batch());
  std::vector<std::string> pins;
  for (int i = 0; i < 24; ++i) pins.push_back(Pin(i));
  EXPECT_EQ(Sorted(Rows("t_pin_table")), Sorted(BatchRows(RawKind::kPin, {pins})));
}

}  // namespace
}  // namespace pinpipe::stream
