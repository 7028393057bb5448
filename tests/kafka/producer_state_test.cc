#include "kafka/producer_state.h"

#include <gtest/gtest.h>

#include "kafka/errors.h"

namespace pinpipe::kafka {
namespace {

TEST(ProducerStatesTest, RetriesAreDuplicatesAndGapsAreOutOfOrder) {
  ProducerStates s;
  int64_t pid = *s.AllocateProducerId();
  EXPECT_NE(pid, *s.AllocateProducerId());
  MutexLock lock(s.mutex());
  EXPECT_EQ(s.Check(pid, 0, 1, 0, 0, 3).error, err::kNone);
  s.Record(pid, 0, 1, 0, 0, 3, 100);
  // The same batch again: not stored twice, answered with its offset.
  SequenceCheck retry = s.Check(pid, 0, 1, 0, 0, 3);
  EXPECT_EQ(retry.error, err::kNone);
  EXPECT_EQ(retry.duplicate_of, 100);
  EXPECT_EQ(s.Check(pid, 0, 1, 0, 4, 1).error, err::kOutOfOrderSequenceNumber);
  EXPECT_EQ(s.Check(pid, 0, 1, 0, 3, 2).duplicate_of, -1);
  EXPECT_EQ(s.Check(pid, 0, 1, 0, 3, 2).error, err::kNone);
  // Another partition has its own sequence.
  EXPECT_EQ(s.Check(pid, 0, 1, 1, 7, 1).error, err::kNone);
}

TEST(ProducerStatesTest, OnlyTheLastFiveBatchesAreRemembered) {
  ProducerStates s;
  MutexLock lock(s.mutex());
  for (int i = 0; i < 6; ++i) s.Record(1, 0, 1, 0, i, 1, 10 + i);
  EXPECT_EQ(s.Check(1, 0, 1, 0, 5, 1).duplicate_of, 15);
  EXPECT_EQ(s.Check(1, 0, 1, 0, 1, 1).duplicate_of, 11);
  EXPECT_EQ(s.Check(1, 0, 1, 0, 0, 1).error, err::kOutOfOrderSequenceNumber);
}

TEST(ProducerStatesTest, EpochsFenceOldProducers) {
  ProducerStates s;
  MutexLock lock(s.mutex());
  s.Record(1, 2, 1, 0, 0, 1, 0);
  EXPECT_EQ(s.Check(1, 1, 1, 0, 1, 1).error, err::kInvalidProducerEpoch);
  EXPECT_EQ(s.Check(1, 3, 1, 0, 5, 1).error, err::kOutOfOrderSequenceNumber);
  EXPECT_EQ(s.Check(1, 3, 1, 0, 0, 1).error, err::kNone);
}

TEST(ProducerStatesTest, SequencesWrapAtInt32Max) {
  ProducerStates s;
  MutexLock lock(s.mutex());
  s.Record(1, 0, 1, 0, INT32_MAX - 1, 2, 0);  // INT32_MAX-1, INT32_MAX
  EXPECT_EQ(s.Check(1, 0, 1, 0, 0, 1).error, err::kNone);
  EXPECT_EQ(s.Check(1, 0, 1, 0, 1, 1).error, err::kOutOfOrderSequenceNumber);
}

}  // namespace
}  // namespace pinpipe::kafka
