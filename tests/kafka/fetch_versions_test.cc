// Fetch v4-18 and OffsetForLeaderEpoch v3-4 against byte layouts from Kafka's
// FetchRequest/FetchResponse.json and OffsetForLeaderEpochRequest/Response.json: requests are
// built field by field here (not with the broker's own Writer helpers for the flexible
// parts), answers are decoded field by field. v12 flexible by name, v13+ by topic id
// (UNKNOWN_TOPIC_ID, INCONSISTENT_TOPIC_ID), v15 without replica_id, v16 the leader's endpoint
// with FENCED_LEADER_EPOCH, v17 a tagged directory id, v18 a tagged high watermark; every
// batch answered carries the one
// leader epoch (kLeaderEpoch), whatever the producer wrote.
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "groups/group_coordinator.h"
#include "kafka/api_versions.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "kafka/wire.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "../log/log_files.h"

namespace pinpipe::kafka {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

std::string Be32(int32_t v) {
  std::string s(4, '\0');
  log::WriteBigEndian32(s.data(), v);
  return s;
}

std::string Be64(int64_t v) {
  std::string s(8, '\0');
  log::WriteBigEndian64(s.data(), v);
  return s;
}

std::string Id(const log::TopicUuid& id) { return std::string(id.begin(), id.end()); }

struct PartitionAnswer {
  int32_t index = -1;
  int16_t error = -2;
  int64_t high_watermark = 0;
  int64_t last_stable = 0;
  int64_t log_start = 0;
  int32_t preferred_replica = 0;
  std::string records;
  std::string tags;  // the raw tagged-field section (flexible versions)
};

struct TopicAnswer {
  std::string name;       // up to v12
  log::TopicUuid id{};    // v13+
  std::vector<PartitionAnswer> partitions;
};

struct FetchAnswer {
  int16_t error = -2;
  int32_t session_id = -1;
  std::vector<TopicAnswer> topics;
  std::string tags;
};

// Reads a tagged-field section and returns it raw (count, then tag, size, bytes each).
std::string RawTags(Reader& r) {
  std::string raw;
  uint32_t n = r.UVarint();
  raw.push_back(static_cast<char>(n));
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    raw.push_back(static_cast<char>(r.UVarint()));
    uint32_t size = r.UVarint();
    raw.push_back(static_cast<char>(size));
    for (uint32_t j = 0; j < size; ++j) raw.push_back(static_cast<char>(r.I8()));
  }
  return raw;
}

FetchAnswer DecodeFetch(int16_t v, std::string_view body) {
  const bool flex = v >= 12;
  Reader r(body);
  FetchAnswer a;
  EXPECT_EQ(r.I32(), 0);  // throttle
  if (v >= 7) {
    a.error = r.I16();
    a.session_id = r.I32();
  }
  int32_t nt = r.ArrayLength(flex);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    TopicAnswer t;
    if (v >= 13) {
      for (auto& b : t.id) b = static_cast<uint8_t>(r.I8());
    } else {
      t.name = std::string(r.String(flex));
    }
    int32_t np = r.ArrayLength(flex);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      PartitionAnswer p;
      p.index = r.I32();
      p.error = r.I16();
      p.high_watermark = r.I64();
      p.last_stable = r.I64();
      if (v >= 5) p.log_start = r.I64();
      int32_t aborted = r.ArrayLength(flex);
      EXPECT_EQ(aborted, 0);
      if (v >= 11) p.preferred_replica = r.I32();
      auto records = r.Bytes(flex);
      EXPECT_TRUE(records.has_value());
      p.records = std::string(records.value_or(""));
      if (flex) p.tags = RawTags(r);
      t.partitions.push_back(std::move(p));
    }
    if (flex) {
      EXPECT_EQ(r.UVarint(), 0u);
    }
    a.topics.push_back(std::move(t));
  }
  if (flex) a.tags = RawTags(r);
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.remaining(), 0u);
  return a;
}

struct Want {
  std::string name;
  log::TopicUuid id{};
  int32_t partition = 0;
  int64_t offset = 0;
  int32_t current_leader_epoch = -1;
};

// A Fetch request of version v for one partition, built from the JSON's field list.
std::string FetchRequestBody(int16_t v, const Want& want, int32_t max_wait_ms = 0,
                             int32_t min_bytes = 0, bool directory_id = false) {
  const bool flex = v >= 12;
  auto len = [&](int32_t n) { return flex ? std::string(1, static_cast<char>(n + 1)) : Be32(n); };
  auto str = [&](std::string_view s) {
    std::string out = flex ? std::string(1, static_cast<char>(s.size() + 1))
                           : std::string{static_cast<char>(s.size() >> 8),
                                         static_cast<char>(s.size())};
    return out + std::string(s);
  };
  std::string b;
  if (v <= 14) b += Be32(-1);                       // replica_id
  b += Be32(max_wait_ms) + Be32(min_bytes) + Be32(1 << 20);  // max_wait, min_bytes, max_bytes
  b += Hex("00");                                   // isolation_level
  if (v >= 7) b += Be32(0) + Be32(-1);              // session_id, session_epoch
  b += len(1);
  b += v >= 13 ? Id(want.id) : str(want.name);
  b += len(1);
  b += Be32(want.partition);
  if (v >= 9) b += Be32(want.current_leader_epoch);
  b += Be64(want.offset);
  if (v >= 12) b += Be32(-1);                       // last_fetched_epoch
  if (v >= 5) b += Be64(-1);                        // log_start_offset
  b += Be32(1 << 20);                               // partition_max_bytes
  if (flex) {
    // v17: replica_directory_id, tag 0, 16 bytes; v18 adds high_watermark, tag 1, 8 bytes.
    if (directory_id && v >= 18) {
      b += Hex("02 00 10") + std::string(16, '\x07') + Hex("01 08") + Be64(5);
    } else if (directory_id) {
      b += Hex("01 00 10") + std::string(16, '\x07');
    } else {
      b += Hex("00");
    }
  }
  if (flex) b += Hex("00");                         // topic tags
  if (v >= 7) b += len(0);                          // forgotten topics
  if (v >= 11) b += str("");                        // rack_id
  if (flex) {
    // v15+: replica_state (tag 1: replica_id -1, replica_epoch -1, no tags), as a follower
    // would send it; a consumer leaves it out. Kafka skips what it does not need.
    b += v >= 15 ? Hex("01 01 0d") + Be32(-1) + Be64(-1) + Hex("00") : Hex("00");
  }
  return b;
}

class FetchVersionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = log::testing::FreshTestDir(std::filesystem::temp_directory_path(), "fetch-versions");
    options_.dir = dir_.string();
    options_.retention_check_interval_ms = 0;
    auto opened = log::LogManager::Open(options_);
    ASSERT_TRUE(opened) << opened.error().ToString();
    log_ = std::move(*opened);
    broker_ = std::make_unique<Broker>(*log_, groups_, BrokerOptions{});
  }
  void TearDown() override {
    broker_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::string Call(int16_t key, int16_t v, std::string body) {
    Request req;
    req.header.api_key = key;
    req.header.api_version = v;
    req.header.flexible = IsFlexible(key, v);
    req.frame = std::move(body);
    req.body = req.frame;
    auto answered = std::make_shared<std::promise<std::optional<std::string>>>();
    auto future = answered->get_future();
    broker_->Handle(req, Reply([answered](ReplyKind kind, std::string out) {
      answered->set_value(kind == ReplyKind::kBody ? std::optional(std::move(out)) : std::nullopt);
    }));
    auto out = future.get();
    EXPECT_TRUE(out.has_value()) << "the broker closed the connection";
    return out.value_or("");
  }

  // Appends one batch as a Java producer sends it (partitionLeaderEpoch -1); returns it.
  std::string Produce(const std::string& topic, std::vector<std::string> values) {
    std::vector<log::Record> records;
    for (const auto& v : values) records.push_back({std::nullopt, v, {}, 1'700'000'000'000});
    log::BatchOptions opts;
    opts.partition_leader_epoch = -1;
    std::string batch;
    log::EncodeBatch(opts, records, 0, batch);
    std::promise<void> done;
    auto appended = log_->AppendBatch(topic, 0, batch, [&](const Result<log::AppendResult>&) {
      done.set_value();
    });
    EXPECT_TRUE(appended) << appended.error().ToString();
    done.get_future().wait();
    return batch;
  }

  std::filesystem::path dir_;
  log::LogOptions options_;
  groups::GroupCoordinator groups_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Broker> broker_;
};

TEST_F(FetchVersionsTest, EveryVersionReturnsTheBatchWithTheLeaderEpoch) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  const std::string sent = Produce("t", {"a", "b"});
  ASSERT_EQ(log::ReadBigEndian32(sent.data() + log::kLeaderEpochPos), -1);
  std::string expected = sent;  // as stored: base offset 0, epoch stamped, CRC unchanged
  log::WriteBigEndian32(expected.data() + log::kLeaderEpochPos, kLeaderEpoch);
  const log::TopicUuid id = log_->GetTopic("t")->uuid;
  for (int16_t v = 4; v <= 18; ++v) {
    SCOPED_TRACE("Fetch v" + std::to_string(v));
    FetchAnswer a = DecodeFetch(v, Call(kFetch, v, FetchRequestBody(v, {"t", id, 0, 0, 0},
                                                                     0, 0, v >= 17)));
    if (v >= 7) {
      EXPECT_EQ(a.error, err::kNone);
      EXPECT_EQ(a.session_id, 0);
    }
    ASSERT_EQ(a.topics.size(), 1u);
    if (v >= 13) {
      EXPECT_EQ(a.topics[0].id, id);
    } else {
      EXPECT_EQ(a.topics[0].name, "t");
    }
    ASSERT_EQ(a.topics[0].partitions.size(), 1u);
    const PartitionAnswer& p = a.topics[0].partitions[0];
    EXPECT_EQ(p.error, err::kNone);
    EXPECT_EQ(p.high_watermark, 2);
    EXPECT_EQ(p.last_stable, 2);
    if (v >= 11) {
      EXPECT_EQ(p.preferred_replica, -1);
    }
    EXPECT_EQ(p.records, expected);
    if (v >= 12) {
      EXPECT_EQ(p.tags, Hex("00"));
      EXPECT_EQ(a.tags, Hex("00"));
    }
  }
}

TEST_F(FetchVersionsTest, FlexibleRecordsSizesAboveOneVarintByte) {
  // A records field of 127+ bytes needs a two-byte varint: the reserved five shrink to it.
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  std::string big(300, 'x');
  const std::string sent = Produce("t", {big});
  FetchAnswer a = DecodeFetch(12, Call(kFetch, 12, FetchRequestBody(12, {"t", {}, 0, 0, -1})));
  ASSERT_EQ(a.topics.size(), 1u);
  EXPECT_EQ(a.topics[0].partitions[0].records.size(), sent.size());
}

TEST_F(FetchVersionsTest, UnknownTopicIdIsAnsweredWithTheIdAndKafkasBytes) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  log::TopicUuid unknown{};
  unknown.fill(0x5a);
  // v13, as Kafka 4.4's KafkaApis answers an id its metadata does not have:
  // FetchResponse.partitionResponse(UNKNOWN_TOPIC_ID) — hw -1, lso -1, log start -1, no
  // aborted transactions, preferred replica -1, empty records.
  std::string body = Call(kFetch, 13, FetchRequestBody(13, {"", unknown, 0, 0, -1}, 500, 1));
  std::string expected = Be32(0) + Hex("0000") + Be32(0) + Hex("02") + Id(unknown) + Hex("02") +
                         Be32(0) + Hex("0064") + Be64(-1) + Be64(-1) + Be64(-1) + Hex("01") +
                         Be32(-1) + Hex("01") + Hex("00") + Hex("00") + Hex("00");
  EXPECT_EQ(body, expected);
}

TEST_F(FetchVersionsTest, NothingToReadIsAnsweredAtOnceAsKafkaDoes) {
  // Kafka's KafkaApis answers at once when no partition of the request can be read (no topics
  // at all, or only ids it does not know) whatever max_wait_ms and min_bytes say.
  log::TopicUuid unknown{};
  unknown.fill(0x42);
  const auto start = std::chrono::steady_clock::now();
  std::string none = Be32(-1) + Be32(60000) + Be32(1) + Be32(1 << 20) + Hex("00") + Be32(0) +
                     Be32(-1) + Be32(0) + Be32(0) + Hex("0000");  // v11: no topics or forgotten
  FetchAnswer a = DecodeFetch(11, Call(kFetch, 11, none));
  EXPECT_TRUE(a.topics.empty());
  a = DecodeFetch(13, Call(kFetch, 13, FetchRequestBody(13, {"", unknown, 0, 0, -1}, 60000, 1)));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kUnknownTopicId);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(FetchVersionsTest, AnIdOfADeletedOrRecreatedTopicIsUnknown) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"old"});
  const log::TopicUuid old_id = log_->GetTopic("t")->uuid;
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"new"});
  FetchAnswer a = DecodeFetch(17, Call(kFetch, 17, FetchRequestBody(17, {"", old_id, 0, 0, 0})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kUnknownTopicId);
  EXPECT_EQ(a.topics[0].partitions[0].records, "");
  a = DecodeFetch(17, Call(kFetch, 17,
                           FetchRequestBody(17, {"", log_->GetTopic("t")->uuid, 0, 0, 0})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kNone);
  EXPECT_NE(a.topics[0].partitions[0].records.find("new"), std::string::npos);
}

TEST_F(FetchVersionsTest, ATopicRecreatedDuringTheLongPollIsInconsistent) {
  BrokerOptions one_worker;
  one_worker.worker_threads = 1;
  broker_ = std::make_unique<Broker>(*log_, groups_, one_worker);
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  const log::TopicUuid id = log_->GetTopic("t")->uuid;
  Request req;
  req.header.api_key = kFetch;
  req.header.api_version = 13;
  req.header.flexible = true;
  req.frame = FetchRequestBody(13, {"", id, 0, 0, 0}, /*max_wait_ms=*/10000, /*min_bytes=*/1);
  req.body = req.frame;
  auto answered = std::make_shared<std::promise<std::string>>();
  auto future = answered->get_future();
  broker_->Handle(req, Reply([answered](ReplyKind, std::string out) {
    answered->set_value(std::move(out));
  }));
  ASSERT_EQ(future.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout)
      << "an empty partition with min_bytes 1 waits";
  // The deletion wakes the wait; its re-run (on the one worker, held meanwhile) finds the name
  // belonging to another topic (Kafka's readFromLog check).
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(broker_->executor().Post([released] { released.wait(); }));
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"new"});
  release.set_value();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  FetchAnswer a = DecodeFetch(13, future.get());
  ASSERT_EQ(a.topics.size(), 1u);
  EXPECT_EQ(a.topics[0].id, id);
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kInconsistentTopicId);
  EXPECT_EQ(a.topics[0].partitions[0].records, "");
}

TEST_F(FetchVersionsTest, LeaderEpochsAreFencedAsKafkaFencesThem) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"a"});
  const log::TopicUuid id = log_->GetTopic("t")->uuid;
  // Newer than the leader's: UNKNOWN_LEADER_EPOCH, nothing returned, no leader hint.
  FetchAnswer a = DecodeFetch(16, Call(kFetch, 16, FetchRequestBody(16, {"", id, 0, 0, 1})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kUnknownLeaderEpoch);
  EXPECT_EQ(a.topics[0].partitions[0].high_watermark, -1);
  EXPECT_EQ(a.topics[0].partitions[0].records, "");
  EXPECT_EQ(a.tags, Hex("00"));
  // Older (any negative but -1, "none"): FENCED_LEADER_EPOCH; v16 adds the current leader
  // (tag 1: id 1, epoch 0) and its endpoint (tag 0: node 1, host, port, null rack).
  a = DecodeFetch(16, Call(kFetch, 16, FetchRequestBody(16, {"", id, 0, 0, -5})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kFencedLeaderEpoch);
  EXPECT_EQ(a.topics[0].partitions[0].tags, Hex("01 01 09") + Be32(1) + Be32(0) + Hex("00"));
  const std::string host = broker_->advertised_host();
  std::string node = Hex("02") + Be32(1) + std::string(1, static_cast<char>(host.size() + 1)) +
                     host + Be32(broker_->advertised_port()) + Hex("00 00");
  EXPECT_EQ(a.tags, Hex("01 00") + std::string(1, static_cast<char>(node.size())) + node);
  // v15 has neither.
  a = DecodeFetch(15, Call(kFetch, 15, FetchRequestBody(15, {"", id, 0, 0, -5})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kFencedLeaderEpoch);
  EXPECT_EQ(a.topics[0].partitions[0].tags, Hex("00"));
  EXPECT_EQ(a.tags, Hex("00"));
  // The classic versions check too (v9+), and -1 means "no epoch".
  a = DecodeFetch(11, Call(kFetch, 11, FetchRequestBody(11, {"t", {}, 0, 0, 3})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kUnknownLeaderEpoch);
  a = DecodeFetch(11, Call(kFetch, 11, FetchRequestBody(11, {"t", {}, 0, 0, -1})));
  EXPECT_EQ(a.topics[0].partitions[0].error, err::kNone);
}

TEST_F(FetchVersionsTest, TruncatedFlexibleRequestClosesTheConnection) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  std::string body = FetchRequestBody(13, {"", log_->GetTopic("t")->uuid, 0, 0, 0});
  for (size_t cut : {body.size() - 1, body.size() / 2, size_t{3}}) {
    Request req;
    req.header.api_key = kFetch;
    req.header.api_version = 13;
    req.header.flexible = true;
    req.frame = body.substr(0, cut);
    req.body = req.frame;
    std::promise<ReplyKind> kind;
    broker_->Handle(req, Reply([&](ReplyKind k, std::string) { kind.set_value(k); }));
    EXPECT_EQ(kind.get_future().get(), ReplyKind::kClose) << cut;
  }
}

// OffsetForLeaderEpoch: v3 classic, v4 flexible; (error, partition, leader_epoch, end_offset).
struct EpochAnswer {
  int16_t error = -2;
  int32_t partition = -1;
  int32_t epoch = -2;
  int64_t end_offset = -2;
};

TEST_F(FetchVersionsTest, OffsetForLeaderEpochAnswersTheOneEpochsEnd) {
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"a", "b", "c"});
  for (int16_t v : {int16_t{3}, int16_t{4}}) {
    SCOPED_TRACE("OffsetForLeaderEpoch v" + std::to_string(v));
    const bool flex = v >= 4;
    auto ask = [&](std::string_view topic, int32_t partition, int32_t current, int32_t epoch) {
      std::string b = Be32(-1);  // replica_id: a consumer
      b += flex ? Hex("02") : Be32(1);
      b += flex ? std::string(1, static_cast<char>(topic.size() + 1))
                : std::string{char{0}, static_cast<char>(topic.size())};
      b += std::string(topic);
      b += flex ? Hex("02") : Be32(1);
      b += Be32(partition) + Be32(current) + Be32(epoch);
      if (flex) b += Hex("00 00 00");  // partition, topic, request tags
      std::string body = Call(kOffsetForLeaderEpoch, v, b);
      Reader r(body);
      EXPECT_EQ(r.I32(), 0);  // throttle
      EXPECT_EQ(r.ArrayLength(flex), 1);
      EXPECT_EQ(r.String(flex), topic);
      EXPECT_EQ(r.ArrayLength(flex), 1);
      EpochAnswer a{r.I16(), r.I32(), r.I32(), r.I64()};
      if (flex) {
        EXPECT_EQ(r.UVarint(), 0u);
        EXPECT_EQ(r.UVarint(), 0u);
        EXPECT_EQ(r.UVarint(), 0u);
      }
      EXPECT_FALSE(r.failed());
      EXPECT_EQ(r.remaining(), 0u);
      return a;
    };
    EpochAnswer a = ask("t", 0, 0, 0);  // the current epoch ends at the log's end
    EXPECT_EQ(a.error, err::kNone);
    EXPECT_EQ(a.partition, 0);
    EXPECT_EQ(a.epoch, 0);
    EXPECT_EQ(a.end_offset, 3);
    a = ask("t", 0, -1, 0);  // no current epoch: not fenced
    EXPECT_EQ(a.end_offset, 3);
    a = ask("t", 0, 0, 4);  // an epoch after the last: undefined
    EXPECT_EQ(a.error, err::kNone);
    EXPECT_EQ(a.epoch, -1);
    EXPECT_EQ(a.end_offset, -1);
    a = ask("t", 0, 0, -1);
    EXPECT_EQ(a.epoch, -1);
    EXPECT_EQ(a.end_offset, -1);
    a = ask("t", 0, 2, 0);
    EXPECT_EQ(a.error, err::kUnknownLeaderEpoch);
    EXPECT_EQ(a.end_offset, -1);
    a = ask("t", 0, -3, 0);
    EXPECT_EQ(a.error, err::kFencedLeaderEpoch);
    a = ask("t", 5, 0, 0);
    EXPECT_EQ(a.error, err::kUnknownTopicOrPartition);
    EXPECT_EQ(a.partition, 5);
    EXPECT_EQ(a.epoch, -1);
    EXPECT_EQ(a.end_offset, -1);
    a = ask("missing", 0, 0, 0);
    EXPECT_EQ(a.error, err::kUnknownTopicOrPartition);
  }
  // A topic created again under the name: its epoch ends at its own (new) end, below a
  // position in the old topic — the consumer's "truncation" (KIP-320).
  ASSERT_TRUE(log_->DeleteTopic("t"));
  ASSERT_TRUE(log_->CreateTopic("t", 1));
  Produce("t", {"x"});
  std::string b = Be32(-1) + Hex("02 02") + "t" + Hex("02") + Be32(0) + Be32(0) + Be32(0) +
                  Hex("00 00 00");
  std::string body = Call(kOffsetForLeaderEpoch, 4, b);
  EXPECT_EQ(body, Be32(0) + Hex("02 02") + "t" + Hex("02") + Hex("0000") + Be32(0) + Be32(0) +
                      Be64(1) + Hex("00 00 00"));
}

}  // namespace
}  // namespace pinpipe::kafka
