// Direct writes (DirectAppender): exact bytes through O_DIRECT, zero-filled space ahead of the
// data, sealed files, and recovery that treats the zeros as free space rather than a torn tail.
//
// Direct I/O needs a real disk file system, so these tests work under the current directory
// (ctest runs them in the build tree) rather than the temp directory, which may be tmpfs; they
// skip where even that has no O_DIRECT.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/file_system.h"
#include "log/direct_appender.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "log/staging_buffers.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;
using testing::BatchesEnd;
using testing::CopyLogAsCrashed;
using testing::ReadFileBytes;

class DirectWritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTestDir(fs::current_path(), "pinpipe_direct");
    // Probe: does this file system do O_DIRECT at all?
    auto probe = FileSystem::Default()->Open((dir_ / "probe").string(),
                                             kOpenWrite | kOpenCreate | kOpenDirect);
    if (!probe && probe.error().code() == ErrorCode::kInvalidArgument) {
      GTEST_SKIP() << "no direct I/O under " << dir_;
    }
    ASSERT_TRUE(probe) << probe.error().ToString();
    probe->reset();
    fs::remove(dir_ / "probe");
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }
  void OpenLog(const fs::path& dir, std::vector<RecoveryReport>* reports = nullptr,
               bool direct_io = true, FileSystem* fs = nullptr) {
    log_.reset();
    LogOptions o;
    o.dir = dir.string();
    o.direct_io = direct_io;
    o.fs = fs;
    o.retention_check_interval_ms = 0;
    o.segment_bytes = 64 << 10;
    auto r = LogManager::Open(o, reports);
    ASSERT_TRUE(r) << r.error().ToString();
    log_ = std::move(*r);
  }
  void Append(int from, int to) { testing::AppendNumbered(*log_, "d", from, to, 300); }
  void ExpectRecords(int n) { testing::ExpectNumbered(*log_, "d", 0, n, 300, 256 << 10); }
  std::vector<fs::path> Segments(const fs::path& dir) {
    std::vector<fs::path> out;
    for (auto& e : fs::directory_iterator(dir / "log" / "d-0")) {
      if (e.path().extension() == ".log") out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<LogManager> log_;
};

TEST_F(DirectWritesTest, AppenderWritesExactBytesAheadOfZerosAndSeals) {
  const std::string path = (dir_ / "seg.log").string();
  ASSERT_TRUE(FileSystem::Default()->Open(path, kOpenWrite | kOpenCreate));
  const uint64_t chunk = 64 << 10;
  std::mt19937 rng(42);
  std::string expected;
  // Sizes around the 4 KiB block: less than, exactly, across, and many blocks at once.
  const size_t sizes[] = {1, 4095, 1, 4096, 8191, 3, 100000, 5000, 4096, 70000, 17};
  for (int round = 0; round < 2; ++round) {
    auto a = DirectAppender::Open(FileSystem::Default(), path, expected.size(), chunk);
    ASSERT_TRUE(a) << a.error().ToString();
    for (size_t n : sizes) {
      std::string data(n, '\0');
      for (char& c : data) c = static_cast<char>('a' + rng() % 26);
      ASSERT_TRUE((*a)->Append(data));
      expected += data;
      ASSERT_EQ((*a)->end(), expected.size());
      std::string file = ReadFileBytes(path);
      ASSERT_GE(file.size(), expected.size());
      ASSERT_EQ(file.size() % kDirectIoAlignment, 0u) << "whole blocks while open";
      ASSERT_EQ(file.substr(0, expected.size()), expected) << "after " << n << " bytes";
      ASSERT_EQ(file.find_first_not_of('\0', expected.size()), std::string::npos);
    }
    EXPECT_GE(ReadFileBytes(path).size(), expected.size() + (32 << 10)) << "zero-filled ahead";
    ASSERT_TRUE((*a)->Seal());
    EXPECT_EQ(ReadFileBytes(path), expected) << "sealed: exactly the data";
    // Round 2 reopens after an unaligned end and must keep the bytes of its partial block.
  }
}

TEST_F(DirectWritesTest, LargeAppendsExtendTheFileInsteadOfZeroFillingFirst) {
  const std::string path = (dir_ / "big.log").string();
  ASSERT_TRUE(FileSystem::Default()->Open(path, kOpenWrite | kOpenCreate));
  auto a = DirectAppender::Open(FileSystem::Default(), path, 0, 1 << 20);
  ASSERT_TRUE(a) << a.error().ToString();
  std::string expected;
  auto append = [&](size_t n, char c) {
    std::string data(n, c);
    ASSERT_TRUE((*a)->Append(data));
    expected += data;
  };
  append(5000, 'a');  // small, past the probe's block: zero-fills 64 KiB ahead
  const uint64_t ahead = ReadFileBytes(path).size();
  ASSERT_GT(ahead, expected.size() + (32 << 10));
  // Larger than the space ahead and than the threshold: written past the end, no zeros after.
  append(600000, 'b');
  std::string file = ReadFileBytes(path);
  EXPECT_EQ(file.size(), (expected.size() + kDirectIoAlignment - 1) / kDirectIoAlignment *
                             kDirectIoAlignment)
      << "an extending write leaves only the last block's padding";
  ASSERT_EQ(file.substr(0, expected.size()), expected);
  append(300000, 'c');  // large again, starting in a partial block
  append(5000, 'd');    // small again, past the end: zero-fills ahead once more
  file = ReadFileBytes(path);
  EXPECT_GT(file.size(), expected.size() + (32 << 10));
  ASSERT_EQ(file.substr(0, expected.size()), expected);
  EXPECT_EQ(file.find_first_not_of('\0', expected.size()), std::string::npos);
  ASSERT_TRUE((*a)->Seal());
  EXPECT_EQ(ReadFileBytes(path), expected);
}

TEST_F(DirectWritesTest, HugeCommitsBorrowASharedBufferInsteadOfKeepingTheirOwn) {
  const std::string path = (dir_ / "burst.log").string();
  ASSERT_TRUE(FileSystem::Default()->Open(path, kOpenWrite | kOpenCreate));
  auto a = DirectAppender::Open(FileSystem::Default(), path, 0, 1 << 20);
  ASSERT_TRUE(a) << a.error().ToString();
  std::mt19937 rng(7);
  std::string expected;
  auto append = [&](size_t n) {
    std::string data(n, '\0');
    for (char& c : data) c = static_cast<char>('a' + rng() % 26);
    ASSERT_TRUE((*a)->Append(data));
    expected += data;
  };
  append(3000);              // a partial block that the huge commit must carry
  append(9u << 20);          // a burst's commit: 9 MiB
  append(StagingBuffers::kOwnBytes + 1);  // just past what an appender keeps
  append(100);               // small again: continues the partial block the huge one left
  EXPECT_LE((*a)->own_buffer_bytes(), StagingBuffers::kOwnBytes)
      << "the appender kept a buffer as large as its largest commit";
  EXPECT_GE(StagingBuffers::Shared().kept(), 1u) << "the borrowed buffer went back";
  EXPECT_LE(StagingBuffers::Shared().kept(), StagingBuffers::kMaxKept);
  std::string file = ReadFileBytes(path);
  ASSERT_GE(file.size(), expected.size());
  ASSERT_EQ(file.substr(0, expected.size()), expected);
  ASSERT_TRUE((*a)->Seal());
  EXPECT_EQ(ReadFileBytes(path), expected);
}

TEST(StagingBuffersTest, KeepsAFewBuffersAndTheLargerOnes) {
  StagingBuffers pool;
  std::vector<StagingBuffers::Buffer> taken;
  for (size_t i = 0; i < StagingBuffers::kMaxKept; ++i) taken.push_back(pool.Take(1 << 20));
  for (const auto& b : taken) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % kDirectIoAlignment, 0u);
    EXPECT_GE(b.capacity, 1u << 20);
  }
  for (auto& b : taken) pool.Give(b);
  EXPECT_EQ(pool.kept(), StagingBuffers::kMaxKept);
  StagingBuffers::Buffer big = pool.Take(4 << 20);  // none kept is large enough: a new one
  EXPECT_GE(big.capacity, 4u << 20);
  EXPECT_EQ(pool.kept(), StagingBuffers::kMaxKept);
  pool.Give(big);  // full: the smallest one is freed, the large one kept
  EXPECT_EQ(pool.kept(), StagingBuffers::kMaxKept);
  StagingBuffers::Buffer again = pool.Take(4 << 20);
  EXPECT_EQ(again.data, big.data) << "the large buffer was kept and is reused";
  pool.Give(again);
  pool.Give(StagingBuffers::Allocate(StagingBuffers::kMaxKeptBytes + 4096));  // too large: freed
  EXPECT_EQ(pool.kept(), StagingBuffers::kMaxKept);
  StagingBuffers::Buffer huge = pool.Take(StagingBuffers::kMaxKeptBytes + 1);
  EXPECT_NE(huge.data, nullptr);
  StagingBuffers::Free(huge);
  while (pool.kept() > 0) StagingBuffers::Free(pool.Take(0));
}

TEST_F(DirectWritesTest, LogPreallocatesWhileOpenAndLeavesExactSegments) {
  OpenLog(dir_);
  Append(0, 1000);  // ~230 KB in 64 KiB segments: several rolls
  auto segs = Segments(dir_);
  ASSERT_GE(segs.size(), 3u);
  // Rolled segments were sealed by the lane; the active one has zero-filled space.
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    std::string data = ReadFileBytes(segs[i]);
    EXPECT_EQ(BatchesEnd(data), data.size()) << segs[i];
  }
  std::string active = ReadFileBytes(segs.back());
  EXPECT_GT(active.size(), BatchesEnd(active)) << "active segment is preallocated";
  ExpectRecords(1000);
  log_->Close();
  for (const auto& seg : Segments(dir_)) {
    std::string data = ReadFileBytes(seg);
    EXPECT_EQ(BatchesEnd(data), data.size()) << "closed: " << seg;
  }
  std::vector<RecoveryReport> reports;
  OpenLog(dir_, &reports);
  EXPECT_TRUE(reports.empty());
  ExpectRecords(1000);
  Append(1000, 1050);  // appends after reopening continue the unaligned last block
  log_->Close();
  OpenLog(dir_, &reports);
  EXPECT_TRUE(reports.empty());
  ExpectRecords(1050);
}

TEST_F(DirectWritesTest, TurnedOffGroupCommitWritesThroughThePageCache) {
  OpenLog(dir_, nullptr, /*direct_io=*/false);
  Append(0, 300);
  for (const auto& seg : Segments(dir_)) {
    std::string data = ReadFileBytes(seg);
    EXPECT_EQ(BatchesEnd(data), data.size()) << "no zero-filled space: " << seg;
  }
  ExpectRecords(300);
  log_.reset();
  std::vector<RecoveryReport> reports;
  OpenLog(dir_, &reports);  // and a later run with direct writes continues the same files
  EXPECT_TRUE(reports.empty());
  Append(300, 320);
  ExpectRecords(320);
}

TEST_F(DirectWritesTest, FailedDirectWriteFailsTheCommitAndKeepsWhatWasAcknowledged) {
  FaultInjectionFileSystem faults;
  for (uint64_t nth : {1, 2, 3}) {  // the zero-fill step or the data write of a commit
    OpenLog(dir_, nullptr, true, &faults);
    const int64_t acked = log_->GetPartitionInfo("d", 0) ? log_->GetPartitionInfo("d", 0)->log_end_offset : 0;
    Append(static_cast<int>(acked), static_cast<int>(acked) + 30);
    faults.FailNthWrite(nth);
    bool failed = false;
    for (int i = 0; i < 40 && !failed; ++i) {  // until a commit hits the failing write
      Record rec;
      std::string v = "record-" + std::to_string(acked + 30 + i) +
                      std::string(static_cast<size_t>((acked + 30 + i) % 300), 'v');
      rec.value = v;
      auto r = log_->AppendSync("d", 0, std::span<const Record>(&rec, 1));
      if (!r) {
        EXPECT_EQ(r.error().code(), ErrorCode::kIoError);
        failed = true;
      }
    }
    ASSERT_TRUE(failed);
    Record rec;
    rec.value = "refused";
    EXPECT_FALSE(log_->Append("d", 0, std::span<const Record>(&rec, 1))) << "waits for a restart";
    log_.reset();
    // A restart keeps every acknowledged record; the failed commit was never acknowledged and
    // (its write having failed) is not there.
    std::vector<RecoveryReport> reports;
    OpenLog(dir_, &reports);
    const int64_t end = log_->GetPartitionInfo("d", 0)->log_end_offset;
    EXPECT_GE(end, acked + 30);
    ExpectRecords(static_cast<int>(end));
  }
}

TEST_F(DirectWritesTest, CrashLeavesZerosThatRecoveryTreatsAsFreeSpace) {
  OpenLog(dir_);
  Append(0, 120);
  // A copy of the files while the log runs is what kill -9 leaves behind: every acknowledged
  // record, then the zero-filled space, and no clean-shutdown marker.
  fs::path crashed = dir_ / "crashed";
  CopyLogAsCrashed(dir_, crashed);
  std::string tail = ReadFileBytes(Segments(crashed).back());
  ASSERT_GT(tail.size(), BatchesEnd(tail));
  log_.reset();

  std::vector<RecoveryReport> reports;
  OpenLog(crashed, &reports);
  EXPECT_TRUE(reports.empty()) << (reports.empty() ? "" : reports[0].reason);
  ExpectRecords(120);
  Append(120, 130);
  log_.reset();

  // Zeros followed by anything else are not free space: cut and reported, records kept.
  fs::path torn = dir_ / "torn";
  OpenLog(crashed);
  ExpectRecords(130);
  CopyLogAsCrashed(crashed, torn);
  fs::remove(torn / "log" / ".clean_shutdown");
  log_.reset();
  fs::path seg = Segments(torn).back();
  const uint64_t data_end = BatchesEnd(ReadFileBytes(seg));
  const uint64_t cut = fs::file_size(seg) - data_end + 5007;  // zeros it had, and the new bytes
  {
    std::ofstream f(seg, std::ios::app | std::ios::binary);
    f << std::string(5000, '\0') << "garbage";
  }
  OpenLog(torn, &reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].bytes_cut, cut) << reports[0].reason;
  EXPECT_EQ(BatchesEnd(ReadFileBytes(seg)), data_end);
  EXPECT_EQ(reports[0].kept_end_offset, 130);
  ExpectRecords(130);
}

TEST_F(DirectWritesTest, CrashAfterLargeCommitsKeepsEveryRecordAndReportsNothing) {
  OpenLog(dir_);
  // Batches of ~330 KB: each commit extends the active segment instead of zero-filling.
  std::vector<std::string> values;
  std::vector<Record> recs;
  for (int b = 0; b < 4; ++b) {
    values.clear();
    for (int i = b * 1000; i < (b + 1) * 1000; ++i) values.push_back(testing::NumberedValue(i, 300));
    recs.assign(values.size(), Record{});
    for (size_t i = 0; i < values.size(); ++i) recs[i].value = values[i];
    auto r = log_->AppendSync("d", 0, recs);
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->base_offset, b * 1000);
  }
  Append(4000, 4010);  // small commits after the large ones zero-fill ahead again
  fs::path crashed = dir_ / "crashed";
  CopyLogAsCrashed(dir_, crashed);
  log_.reset();
  std::vector<RecoveryReport> reports;
  OpenLog(crashed, &reports);
  EXPECT_TRUE(reports.empty()) << (reports.empty() ? "" : reports[0].reason);
  ExpectRecords(4010);
}

}  // namespace
}  // namespace pinpipe::log
