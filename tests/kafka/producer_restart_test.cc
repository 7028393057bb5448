// Idempotent producers across a restart: the sequence state is rebuilt from the batches in
// the log (ProducerStates::Open), so a retry of a batch stored before the restart is answered
// with its offset and not stored again, a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, and producer
// ids are never handed out twice.
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "groups/group_coordinator.h"
#include "kafka/api_versions.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "kafka/producer_state.h"
#include "kafka/wire.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "../log/log_files.h"

namespace pinpipe::kafka {
namespace {

struct ProduceAnswer {
  int16_t error = -2;
  int64_t base_offset = -2;
};

class ProducerRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = log::testing::FreshTestDir(std::filesystem::temp_directory_path(), "producer-restart");
    options_.dir = dir_.string();
    options_.retention_check_interval_ms = 0;
    Start();
  }
  void TearDown() override {
    Stop();
    std::filesystem::remove_all(dir_);
  }
  // A "server start": the log, a broker and the producers' state rebuilt from the log.
  void Start() {
    auto opened = log::LogManager::Open(options_);
    ASSERT_TRUE(opened) << opened.error().ToString();
    log_ = std::move(*opened);
    broker_ = std::make_unique<Broker>(*log_, groups_, BrokerOptions{});
    auto rebuilt = broker_->producers().Open(*log_);
    ASSERT_TRUE(rebuilt) << rebuilt.error().ToString();
    rebuilt_ = *rebuilt;
  }
  void Stop() {
    broker_.reset();
    log_.reset();
  }
  void Restart() {
    Stop();
    Start();
  }

  // A Produce v3 request (acks=-1) of one batch of `count` records from (pid, epoch, seq).
  ProduceAnswer Produce(int64_t pid, int16_t epoch, int32_t seq, int count) {
    std::vector<std::string> values;
    std::vector<log::Record> records(count);
    for (int i = 0; i < count; ++i) values.push_back("v" + std::to_string(seq + i));
    for (int i = 0; i < count; ++i) records[i].value = values[i];
    log::BatchOptions bo;
    bo.producer_id = pid;
    bo.producer_epoch = epoch;
    bo.base_sequence = seq;
    std::string batch;
    log::EncodeBatch(bo, records, 1000, batch);

    Request req;
    req.header.api_key = kProduce;
    req.header.api_version = 3;
    Writer w(req.frame);
    w.NullableString(std::nullopt, false);
    w.I16(-1);
    w.I32(30000);
    w.ArrayLength(1, false);
    w.String("t", false);
    w.ArrayLength(1, false);
    w.I32(0);
    w.Bytes(batch, false);
    req.body = req.frame;

    std::promise<std::string> answered;
    broker_->Handle(req, Reply([&](ReplyKind kind, std::string body) {
      EXPECT_EQ(kind, ReplyKind::kBody);
      answered.set_value(std::move(body));
    }));
    std::string body = answered.get_future().get();
    Reader r(body);
    EXPECT_EQ(r.ArrayLength(false), 1);
    EXPECT_EQ(r.String(false), "t");
    EXPECT_EQ(r.ArrayLength(false), 1);
    EXPECT_EQ(r.I32(), 0);
    ProduceAnswer a;
    a.error = r.I16();
    a.base_offset = r.I64();
    EXPECT_FALSE(r.failed());
    return a;
  }
  int64_t LogEnd() {
    auto info = log_->GetPartitionInfo("t", 0);
    EXPECT_TRUE(info);
    return info ? info->log_end_offset : -1;
  }
  int64_t NewProducerId() {
    auto pid = broker_->producers().AllocateProducerId();
    EXPECT_TRUE(pid) << pid.error().ToString();
    return pid ? *pid : -1;
  }

  std::filesystem::path dir_;
  log::LogOptions options_;
  groups::GroupCoordinator groups_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Broker> broker_;
  ProducerRebuild rebuilt_;
};

TEST_F(ProducerRestartTest, RetryOfTheLastBatchAfterARestartIsNotStoredTwice) {
  const int64_t pid = NewProducerId();
  ProduceAnswer first = Produce(pid, 0, 0, 3);
  ASSERT_EQ(first.error, err::kNone);
  EXPECT_EQ(first.base_offset, 0);
  ProduceAnswer second = Produce(pid, 0, 3, 2);
  ASSERT_EQ(second.error, err::kNone);
  EXPECT_EQ(second.base_offset, 3);
  // Another producer's batch after it: the rebuild keeps producers apart.
  const int64_t other = NewProducerId();
  ASSERT_EQ(Produce(other, 0, 0, 1).base_offset, 5);

  Restart();
  EXPECT_EQ(rebuilt_.batches, 3);
  EXPECT_EQ(LogEnd(), 6);
  // The producer did not hear the answer to its last batch and sends it again.
  ProduceAnswer retry = Produce(pid, 0, 3, 2);
  EXPECT_EQ(retry.error, err::kNone);
  EXPECT_EQ(retry.base_offset, 3);
  EXPECT_EQ(LogEnd(), 6) << "the retried batch was stored a second time";
  // An older batch of the last five too.
  EXPECT_EQ(Produce(pid, 0, 0, 3).base_offset, 0);
  EXPECT_EQ(Produce(other, 0, 0, 1).base_offset, 5);
  EXPECT_EQ(LogEnd(), 6);
  // A gap after the last sequence stored before the restart.
  EXPECT_EQ(Produce(pid, 0, 7, 1).error, err::kOutOfOrderSequenceNumber);
  // An older epoch is fenced.
  Restart();
  ASSERT_EQ(Produce(other, 1, 0, 1).error, err::kNone);
  Restart();
  EXPECT_EQ(Produce(other, 0, 1, 1).error, err::kInvalidProducerEpoch);
  EXPECT_EQ(LogEnd(), 7);
  // The next batch in sequence is stored.
  ProduceAnswer next = Produce(pid, 0, 5, 1);
  EXPECT_EQ(next.error, err::kNone);
  EXPECT_EQ(next.base_offset, 7);
  EXPECT_EQ(LogEnd(), 8);
}

TEST_F(ProducerRestartTest, ATopicCreatedAgainForgetsTheOldTopicsSequences) {
  const int64_t pid = NewProducerId();
  ASSERT_EQ(Produce(pid, 0, 0, 2).error, err::kNone);
  ASSERT_TRUE(log_->DeleteTopic("t"));
  // The same sequence on the new topic is a new batch, not a retry of the old topic's.
  ProduceAnswer again = Produce(pid, 0, 0, 2);
  EXPECT_EQ(again.error, err::kNone);
  EXPECT_EQ(again.base_offset, 0);
  EXPECT_EQ(LogEnd(), 2);
}

TEST_F(ProducerRestartTest, ProducerIdsAreNeverHandedOutAgain) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(NewProducerId());
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  // No batch in the log names them, yet a restart must not reuse them.
  Restart();
  EXPECT_GT(NewProducerId(), ids[2]);
  // Across many blocks, faster than ids derived from a clock could be.
  for (int64_t i = 0; i < 50 * ProducerStates::kIdBlock + 2; ++i) ids.push_back(NewProducerId());
  Restart();
  EXPECT_GT(NewProducerId(), ids.back());
}

TEST_F(ProducerRestartTest, ADamagedIdFileStopsTheStart) {
  (void)NewProducerId();
  Stop();
  {
    std::FILE* f = std::fopen((dir_ / "state" / "kafka-producer-ids").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("garbage\n", f);
    std::fclose(f);
  }
  auto opened = log::LogManager::Open(options_);
  ASSERT_TRUE(opened);
  log_ = std::move(*opened);
  ProducerStates states;
  auto rebuilt = states.Open(*log_);
  ASSERT_FALSE(rebuilt);
  EXPECT_EQ(rebuilt.error().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace pinpipe::kafka
