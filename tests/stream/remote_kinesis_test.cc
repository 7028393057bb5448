// The remote Kinesis source: the kinesis:// URL forms; the plan and state files keeping each
// shard's sequence numbers; RemoteKinesisLog against a scripted fake endpoint (ListShards paging,
// a closed parent read to its end before its children, throttling, an expired iterator, SigV4 on
// every request); and the job over it: a crash after the plan replays exactly the planned
// records (AFTER_SEQUENCE_NUMBER the plan's start, checked against the plan's end).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/base64.h"
#include "http/server.h"
#include "kinesis/json_codec.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"
#include "objstore/sha256.h"
#include "objstore/sigv4.h"
#include "stream/kinesis_endpoint.h"
#include "stream/remote_kinesis_log.h"
#include "stream/stream_job.h"
#include "stream/stream_state.h"

namespace pinpipe::stream {
namespace {

namespace fs = std::filesystem;
using kinesis::Value;

std::string ShardName(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012d", i);
  return buf;
}

TEST(KinesisUrlTest, Forms) {
  auto local = ParseKinesisUrl("kinesis://127.0.0.1:4567", "eu-west-1");
  ASSERT_TRUE(local) << local.error().ToString();
  EXPECT_EQ(local->url, "http://127.0.0.1:4567");
  EXPECT_EQ(local->host, "127.0.0.1:4567");
  EXPECT_EQ(local->region, "eu-west-1");
  auto slash = ParseKinesisUrl("kinesis+http://localhost:9/", "us-east-1");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->url, "http://localhost:9");
  auto https = ParseKinesisUrl("kinesis+https://kinesis.example:8443", "us-east-1");
  ASSERT_TRUE(https);
  EXPECT_EQ(https->url, "https://kinesis.example:8443");
  auto https_default = ParseKinesisUrl("kinesis+https://kinesis.example", "us-east-1");
  ASSERT_TRUE(https_default);
  EXPECT_EQ(https_default->url, "https://kinesis.example");
  auto aws = ParseKinesisUrl("kinesis://", "ap-south-1");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->url, "https://kinesis.ap-south-1.amazonaws.com");
  EXPECT_EQ(aws->host, "kinesis.ap-south-1.amazonaws.com");
  auto v6 = ParseKinesisUrl("kinesis://[::1]:4567", "us-east-1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->url, "http://[::1]:4567");
  for (const char* bad : {"kinesis://host", "kinesis://host:0", "kinesis://host:99999",
                          "kinesis://host:12/path", "kinesis://user@host:1", "kinesis+http://",
                          "kinesis://:45", "kinesis://host:x1", "kinesis", "http://host:1"}) {
    EXPECT_FALSE(ParseKinesisUrl(bad, "us-east-1").has_value()) << bad;
  }
  EXPECT_TRUE(IsKinesisUrl("kinesis://"));
  EXPECT_TRUE(IsKinesisUrl("kinesis+https://h"));
  EXPECT_FALSE(IsKinesisUrl("kinesis"));
  // The same streams as the embedded source.
  auto src = ParseStreamSources("kinesis://127.0.0.1:1", "p");
  ASSERT_TRUE(src);
  ASSERT_EQ(src->size(), 3u);
  EXPECT_EQ((*src)[0].topic, "streaming-p-pin");
  EXPECT_EQ((*src)[2].topic, "streaming-p-user");
  EXPECT_TRUE((*src)[1].kinesis);
  EXPECT_EQ(RemoteKinesisLog::PartitionOfShardId("shardId-000000000007"), 7);
  EXPECT_EQ(RemoteKinesisLog::PartitionOfShardId("shardId-x"), -1);
}

TEST(StreamStatePositionsTest, RoundTripAndOldForm) {
  const std::string seq = "49590338271490256608559692538361571095921575989136588898";
  BatchPlan p{7, {{{"streaming-x-pin", 1}, 10, 25, "", seq}, {{"streaming-x-pin", 2}, 3, 9, seq, "12"},
                  {{"streaming-x-geo", 0}, 0, 4, "", ""}}};
  auto pb = BatchPlan::Decode(p.Encode());
  ASSERT_TRUE(pb) << pb.error().ToString();
  EXPECT_EQ(*pb, p);
  EXPECT_NE(p.Encode().find("r streaming-x-pin 1 10 25 - " + seq + "\n"), std::string::npos);
  // A range without positions keeps the embedded log's form.
  EXPECT_NE(p.Encode().find("r streaming-x-geo 0 0 4\n"), std::string::npos);
  CommittedState s;
  s.app_id = "a";
  s.batch_id = 6;
  s.partitions[{"streaming-x-pin", 1}] = {10, 5, seq};
  s.partitions[{"streaming-x-pin", 2}] = {3, -1, ""};
  auto sb = CommittedState::Decode(s.Encode());
  ASSERT_TRUE(sb) << sb.error().ToString();
  EXPECT_EQ(*sb, s);
  // A position that is no sequence number is damage.
  std::string bad = p.Encode();
  bad.replace(bad.find(seq), 1, "x");
  EXPECT_FALSE(BatchPlan::Decode(bad).has_value());
}

// A scripted Kinesis endpoint: stream `name` with shard 0 (closed, parent of shards 1 and 2).
// GetRecords answers at most 2 records; the first GetRecords of shard 1 is throttled, the second
// GetRecords of shard 2 answers ExpiredIteratorException. ListShards answers one shard per page.
class FakeKinesis {
 public:
  explicit FakeKinesis(std::string name) : name_(std::move(name)) {
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < (s == 0 ? 3 : 5); ++i) Add(s, Pin(100 * s + i));
    }
    http::Router router;
    router.Add("POST", "/", [this](const http::Request& req, http::Responder r) {
      auto [status, body] = Handle(req);
      r.Send(status, "application/x-amz-json-1.1", std::move(body));
    });
    http::ServerOptions o;
    o.port = 0;
    o.threads = 1;
    auto srv = http::Server::Start(o, router);
    EXPECT_TRUE(srv);
    server_ = std::move(*srv);
  }
  static std::string Pin(int i) {
    return "{\"index\":" + std::to_string(i) + ",\"unique_id\":\"u" + std::to_string(i) +
           "\",\"title\":\"t\",\"category\":\"travel\",\"follower_count\":\"1k\","
           "\"save_location\":\"Local save in /data/travel\"}";
  }
  void Add(int shard, std::string data) {
    std::lock_guard lock(mu_);
    auto& v = records_[shard];
    v.push_back({std::to_string(1000000 * (shard + 1) + 7 * v.size()), std::move(data)});
  }
  // Replaces record i of shard (a source that changed under a plan).
  void Replace(int shard, size_t i, std::string seq) {
    std::lock_guard lock(mu_);
    records_[shard][i].first = std::move(seq);
  }
  std::string url() const { return "kinesis://127.0.0.1:" + std::to_string(server_->port()); }
  int bad_signatures() {
    std::lock_guard lock(mu_);
    return bad_signatures_;
  }
  int unsigned_requests() {
    std::lock_guard lock(mu_);
    return unsigned_;
  }
  void ClearRequests() {
    std::lock_guard lock(mu_);
    iterator_requests_.clear();
  }
  std::vector<std::string> iterator_requests() {
    std::lock_guard lock(mu_);
    return iterator_requests_;
  }

 private:
  static std::pair<int, std::string> Error(std::string type, std::string message) {
    return {400, "{\"__type\":\"com.amazonaws.kinesis.v20131202#" + type + "\",\"message\":\"" + message + "\"}"};
  }
  bool SignedRight(const http::Request& req) {
    objstore::SigningRequest sr;
    sr.method = "POST";
    sr.canonical_uri = "/";
    sr.payload_hash = objstore::Sha256Hex(req.body);
    for (const char* h : {"content-type", "host", "x-amz-date", "x-amz-target"}) {
      sr.headers.emplace_back(h, std::string(req.Header(h)));
    }
    auto s = objstore::SignV4(sr, {"AKIDFAKE", "fake-secret", ""}, req.Header("x-amz-date"),
                              "us-east-1", "kinesis");
    return req.Header("Authorization") == s.authorization;
  }
  std::pair<int, std::string> Handle(const http::Request& req) {
    std::lock_guard lock(mu_);
    if (!SignedRight(req)) ++bad_signatures_;
    if (!req.HasHeader("Authorization")) ++unsigned_;
    std::string_view target = req.Header("X-Amz-Target");
    const std::string op(target.substr(target.find('.') + 1));
    auto in = kinesis::DecodeJson(req.body);
    if (!in) return Error("SerializationException", "bad json");
    auto str = [&](const char* k) { const Value* v = in->Find(k); return v ? v->s : std::string(); };
    Value out = Value::Map();
    if (op == "ListShards") {
      int page = 0;
      if (!str("NextToken").empty()) {
        page = std::stoi(str("NextToken"));
      } else if (str("StreamName") != name_) {
        return Error("ResourceNotFoundException", "no stream");
      }
      Value shards = Value::Array();
      Value sh = Value::Map();
      sh.Set("ShardId", Value::String(ShardName(page)));
      if (page > 0) sh.Set("ParentShardId", Value::String(ShardName(0)));
      shards.Add(std::move(sh));
      out.Set("Shards", std::move(shards));
      if (page < 2) out.Set("NextToken", Value::String(std::to_string(page + 1)));
    } else if (op == "GetShardIterator") {
      const int shard = std::stoi(str("ShardId").substr(8));
      size_t pos = 0;
      iterator_requests_.push_back(str("ShardId") + " " + str("ShardIteratorType") + " " +
                                   str("StartingSequenceNumber"));
      if (str("ShardIteratorType") == "AFTER_SEQUENCE_NUMBER") {
        const std::string after = str("StartingSequenceNumber");
        while (pos < records_[shard].size() && std::stoll(records_[shard][pos].first) <= std::stoll(after)) ++pos;
      }
      out.Set("ShardIterator", Value::String(std::to_string(shard) + ":" + std::to_string(pos)));
    } else if (op == "GetRecords") {
      const std::string it = str("ShardIterator");
      const int shard = std::stoi(it.substr(0, it.find(':')));
      size_t pos = std::stoul(it.substr(it.find(':') + 1));
      const int call = ++get_records_[shard];
      if (shard == 1 && call == 1) return Error("ProvisionedThroughputExceededException", "slow down");
      if (shard == 2 && call == 2) return Error("ExpiredIteratorException", "expired");
      const auto& recs = records_[shard];
      Value arr = Value::Array();
      for (int n = 0; n < 2 && pos < recs.size(); ++n, ++pos) {
        Value r = Value::Map();
        r.Set("SequenceNumber", Value::String(recs[pos].first));
        std::string b64;
        Base64Encode(recs[pos].second, b64);
        r.Set("Data", Value::String(b64));
        r.Set("PartitionKey", Value::String("k"));
        r.Set("ApproximateArrivalTimestamp", Value::Double(1700000000.5));
        arr.Add(std::move(r));
      }
      out.Set("Records", std::move(arr));
      out.Set("MillisBehindLatest", Value::Int(pos < recs.size() ? 1000 : 0));
      if (!(shard == 0 && pos >= recs.size())) {
        out.Set("NextShardIterator", Value::String(std::to_string(shard) + ":" + std::to_string(pos)));
      }
    } else {
      return Error("UnknownOperationException", op);
    }
    std::string body;
    kinesis::EncodeJson(out, body);
    return {200, body};
  }

  std::string name_;
  std::mutex mu_;
  std::map<int, std::vector<std::pair<std::string, std::string>>> records_;
  std::map<int, int> get_records_;
  int bad_signatures_ = 0;
  int unsigned_ = 0;
  std::vector<std::string> iterator_requests_;
  std::unique_ptr<http::Server> server_;
};

RemoteKinesisOptions Options(const FakeKinesis& fake, std::string stream) {
  RemoteKinesisOptions o;
  auto e = ParseKinesisUrl(fake.url(), "us-east-1");
  EXPECT_TRUE(e);
  o.endpoint = *e;
  o.endpoint.credentials = {"AKIDFAKE", "fake-secret", ""};
  o.streams = {std::move(stream)};
  o.idle_poll_ms = 10;
  o.records_per_batch = 1;  // whole log batches of one record: batches cut anywhere
  return o;
}

// The records [offset, high watermark) of a partition: (offset, value).
std::vector<std::pair<int64_t, std::string>> ReadAll(RemoteKinesisLog& r, const log::TopicPartition& tp,
                                                     int64_t offset) {
  std::string buf;
  auto f = r.Fetch(tp, offset, 1 << 20, buf);
  EXPECT_TRUE(f) << f.error().ToString();
  std::vector<std::pair<int64_t, std::string>> out;
  log::RecordReader reader(buf, offset);
  log::RecordView rec;
  while (reader.Next(rec)) out.emplace_back(rec.offset, std::string(*rec.value));
  return out;
}

TEST(RemoteKinesisLogTest, ShardsThrottlingExpiryResharding) {
  FakeKinesis fake("s");
  RemoteKinesisLog r(Options(fake, "s"));
  ASSERT_TRUE(r.Start());
  ASSERT_TRUE(r.WaitCaughtUp(20000)) << "not caught up";
  // All three shards, listed over three pages; children only after the parent ended.
  EXPECT_EQ(r.ListPartitions(), (std::vector<log::TopicPartition>{{"s", 0}, {"s", 1}, {"s", 2}}));
  EXPECT_GE(r.throttles(), 1u);
  EXPECT_GE(r.expired_iterators(), 1u);
  for (int s = 0; s < 3; ++s) {
    auto got = ReadAll(r, {"s", s}, 0);
    ASSERT_EQ(got.size(), s == 0 ? 3u : 5u) << s;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].first, static_cast<int64_t>(i));
      EXPECT_EQ(got[i].second, FakeKinesis::Pin(100 * s + static_cast<int>(i)));
    }
  }
  // The children were asked for only after the parent's end: TRIM_HORIZON of shard 1 comes
  // after every iterator of shard 0.
  auto reqs = fake.iterator_requests();
  size_t last_parent = 0, first_child = reqs.size();
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].starts_with("shardId-000000000000")) last_parent = i;
    if (!reqs[i].starts_with("shardId-000000000000") && first_child == reqs.size()) first_child = i;
  }
  EXPECT_LT(last_parent, first_child);
  // The expired iterator was got again AFTER_SEQUENCE_NUMBER of the last record buffered.
  bool after = false;
  for (const auto& q : reqs) after |= q == "shardId-000000000002 AFTER_SEQUENCE_NUMBER 3000007";
  EXPECT_TRUE(after);
  // Positions: offset i is named by the sequence number of record i-1.
  EXPECT_EQ(*r.PositionAt({"s", 1}, 0), "");
  EXPECT_EQ(*r.PositionAt({"s", 1}, 2), "2000007");
  // Seated after record 1: offset 2 is record 2, read again AFTER_SEQUENCE_NUMBER.
  ASSERT_TRUE(r.Seat({"s", 1}, 2, "2000007"));
  ASSERT_TRUE(r.WaitCaughtUp(20000));
  auto got = ReadAll(r, {"s", 1}, 2);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (std::pair<int64_t, std::string>{2, FakeKinesis::Pin(102)}));
  std::string status;
  r.AppendStatus({"s", 0}, status);
  EXPECT_EQ(status, ",\"millis_behind_latest\":0,\"shard_closed\":true,\"throttled\":0,\"expired_iterators\":0");
  status.clear();
  r.AppendStatus({"s", 1}, status);
  EXPECT_NE(status.find(",\"throttled\":1,"), std::string::npos) << status;
  EXPECT_EQ(fake.bad_signatures(), 0);  // every request carried a valid SigV4 signature
  EXPECT_EQ(fake.unsigned_requests(), 0);
  r.Stop();
}

TEST(RemoteKinesisLogTest, NoCredentialsNoSignature) {
  FakeKinesis fake("s");
  RemoteKinesisOptions o = Options(fake, "s");
  o.endpoint.credentials = {};
  RemoteKinesisLog r(std::move(o));
  ASSERT_TRUE(r.Start());
  ASSERT_TRUE(r.WaitCaughtUp(20000));
  EXPECT_EQ(ReadAll(r, {"s", 1}, 0).size(), 5u);
  EXPECT_GT(fake.unsigned_requests(), 0);
  EXPECT_EQ(fake.unsigned_requests(), fake.bad_signatures());  // none was signed at all
}

class RemoteJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_remote_stream_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  StreamSettings Settings() {
    StreamSettings s;
    s.state_dir = (dir_ / "state").string();
    s.sources = *ParseStreamSources("kinesis://127.0.0.1:1", "t");
    for (int k = 0; k < 3; ++k) {
      s.tables[static_cast<size_t>(k)] = "t_" + std::to_string(k) + "_table";
      s.quarantine_tables[static_cast<size_t>(k)] = "t_" + std::to_string(k) + "_quarantine";
    }
    s.max_batch_records = 2;
    s.dedup_window = 0;
    s.compact_interval_ms = 0;
    return s;
  }
  std::unique_ptr<StreamJob> Make(RemoteKinesisLog& r, std::function<Status(std::string_view)> hook) {
    StreamRuntime rt;
    const std::string lake = (dir_ / "lake").string();
    rt.open_table = [lake](std::string_view rel) {
      const std::string d = lake + "/" + std::string(rel);
      fs::create_directories(d);
      return lake::NewLocalTableStorage(d);
    };
    rt.hook = std::move(hook);
    rt.positions = &r;
    auto job = StreamJob::Create(Settings(), &r, std::move(rt));
    EXPECT_TRUE(job) << job.error().ToString();
    return job ? std::move(*job) : nullptr;
  }
  size_t PinRows() {
    auto storage = lake::NewLocalTableStorage((dir_ / "lake" / "t_0_table").string());
    auto snap = lake::Snapshot::Load(*storage);
    if (!snap) return 0;
    size_t n = 0;
    (void)lake::ForEachRow(*storage, *snap, 0, [&](const lake::RowView&) { ++n; return true; });
    return n;
  }
  fs::path dir_;
};

TEST_F(RemoteJobTest, CrashAfterPlanReplaysExactlyThePlannedRecords) {
  FakeKinesis fake("streaming-t-pin");
  int64_t planned_batch = -1;
  BatchPlan plan;
  {
    RemoteKinesisLog r(Options(fake, "streaming-t-pin"));
    // Crash right after the plan of the third batch is durable.
    int plans = 0;
    auto job = Make(r, [&](std::string_view point) -> Status {
      if (point == "planned" && ++plans == 3) return MakeError(ErrorCode::kUnavailable, "crash");
      return OkStatus();
    });
    ASSERT_TRUE(r.Start());
    ASSERT_TRUE(r.WaitCaughtUp(20000));
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(job->RunOneBatch());
    EXPECT_FALSE(job->RunOneBatch().has_value());
    StateFiles files(FileSystem::Default(), (dir_ / "state").string());
    auto p = files.LoadPlan();
    ASSERT_TRUE(p && *p);
    plan = **p;
    planned_batch = plan.batch_id;
    ASSERT_EQ(planned_batch, 2);
    // Every range names the records around it by sequence number.
    for (const auto& range : plan.ranges) {
      EXPECT_FALSE(range.end_position.empty());
      EXPECT_EQ(*r.PositionAt(range.tp, range.end), range.end_position);
    }
  }
  {
    // Restart: the plan is replayed from its start positions, then the rest is read.
    fake.ClearRequests();
    RemoteKinesisLog r(Options(fake, "streaming-t-pin"));
    auto job = Make(r, nullptr);
    ASSERT_TRUE(r.Start());
    ASSERT_TRUE(r.WaitCaughtUp(20000));
    bool replayed_at_start = false;
    for (const auto& q : fake.iterator_requests()) {
      for (const auto& range : plan.ranges) {
        if (!range.start_position.empty() &&
            q == ShardName(range.tp.partition) + " AFTER_SEQUENCE_NUMBER " + range.start_position) {
          replayed_at_start = true;
        }
      }
    }
    EXPECT_TRUE(replayed_at_start);
    auto st = job->RunUntilCaughtUp();
    ASSERT_TRUE(st) << st.error().ToString();
    EXPECT_GE(job->committed_batch(), planned_batch);
    EXPECT_EQ(PinRows(), 13u);  // every record of the three shards exactly once
  }
}

TEST_F(RemoteJobTest, ReplayThatDoesNotEndOnThePlannedRecordFails) {
  FakeKinesis fake("streaming-t-pin");
  BatchPlan plan;
  {
    RemoteKinesisLog r(Options(fake, "streaming-t-pin"));
    auto job = Make(r, [&](std::string_view point) -> Status {
      return point == "planned" ? MakeError(ErrorCode::kUnavailable, "crash") : OkStatus();
    });
    ASSERT_TRUE(r.Start());
    ASSERT_TRUE(r.WaitCaughtUp(20000));
    EXPECT_FALSE(job->RunOneBatch().has_value());
  }
  // The source changed under the plan: its last record has another sequence number now.
  fake.Replace(0, 1, "1000010");
  RemoteKinesisLog r(Options(fake, "streaming-t-pin"));
  auto job = Make(r, nullptr);
  ASSERT_TRUE(r.Start());
  ASSERT_TRUE(r.WaitCaughtUp(20000));
  auto ran = job->RunOneBatch();
  ASSERT_FALSE(ran.has_value());
  EXPECT_EQ(ran.error().code(), ErrorCode::kCorruption) << ran.error().ToString();
  EXPECT_EQ(PinRows(), 0u);
}

}  // namespace
}  // namespace pinpipe::stream
