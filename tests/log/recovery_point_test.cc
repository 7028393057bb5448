// Recovery points: after a crash, start-up validates the active segment only after the point
// the group commit last recorded; a point that does not match the files means a full scan.
#include "log/recovery_point.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/file_system.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;

TEST(RecoveryPointFormat, RoundTripsAndRejectsAnythingElse) {
  RecoveryPoint rp{4200, 123456789, 4321, 1795273621571};
  std::string line = EncodeRecoveryPoint(rp);
  auto back = ParseRecoveryPoint(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->segment_base, 4200);
  EXPECT_EQ(back->position, 123456789u);
  EXPECT_EQ(back->next_offset, 4321);
  EXPECT_EQ(back->max_timestamp, 1795273621571);
  EXPECT_TRUE(ParseRecoveryPoint(EncodeRecoveryPoint({0, 0, 0, -1})));

  std::string flipped = line;
  flipped[flipped.find("123456789")] = '2';  // a digit changed: the CRC no longer matches
  EXPECT_FALSE(ParseRecoveryPoint(flipped));
  EXPECT_FALSE(ParseRecoveryPoint(line.substr(0, line.size() - 1)));  // torn: no newline
  EXPECT_FALSE(ParseRecoveryPoint(line.substr(0, 20) + "\n"));
  EXPECT_FALSE(ParseRecoveryPoint(""));
  EXPECT_FALSE(ParseRecoveryPoint(std::string(64, '\0')));
  // next offset before the segment's base: inconsistent even with a good CRC.
  EXPECT_FALSE(ParseRecoveryPoint(EncodeRecoveryPoint({100, 10, 50, -1})));
}

class RecoveryPointTest : public ::testing::Test {
 protected:
  static constexpr int kSpread = 200;  // value lengths vary with i % 200
  void SetUp() override {
    dir_ = testing::FreshTestDir(fs::temp_directory_path(), "pinpipe_rp");
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(dir_);
  }
  void OpenLog(const fs::path& dir, int64_t point_interval_ms,
               std::vector<RecoveryReport>* reports = nullptr) {
    log_.reset();
    LogOptions o;
    o.dir = dir.string();
    o.retention_check_interval_ms = 0;
    o.index_interval_bytes = 512;
    o.recovery_point_interval_ms = point_interval_ms;
    auto r = LogManager::Open(o, reports);
    ASSERT_TRUE(r) << r.error().ToString();
    log_ = std::move(*r);
  }
  void Append(int from, int to) { testing::AppendNumbered(*log_, "d", from, to, kSpread); }
  // Reads from every 37th offset, so that index lookups land all over the segment.
  void ExpectRecords(int n) {
    for (int start = 0; start < n; start += 37) {
      testing::ExpectNumbered(*log_, "d", start, n, kSpread, 4096);
      if (HasFatalFailure()) return;
    }
  }
  // What kill -9 leaves: a copy of the files while the log runs, without the lock.
  fs::path CrashCopy(const std::string& name) {
    fs::path copy = dir_ / name;
    testing::CopyLogAsCrashed(dir_, copy);
    EXPECT_FALSE(fs::exists(copy / "log" / ".clean_shutdown"));
    return copy;
  }
  static fs::path PartitionDir(const fs::path& dir) { return dir / "log" / "d-0"; }
  static fs::path Segment(const fs::path& dir) {
    return PartitionDir(dir) / "00000000000000000000.log";
  }
  static uint64_t DataEnd(const fs::path& segment) {
    return testing::BatchesEnd(testing::ReadFileBytes(segment));
  }

  fs::path dir_;
  std::unique_ptr<LogManager> log_;
};

TEST_F(RecoveryPointTest, CrashRestartValidatesOnlyWhatCameAfterThePoint) {
  // A long interval: the lane records a point at the first sync of the segment and not again.
  OpenLog(dir_, 3'600'000);
  Append(0, 300);
  fs::path crashed = CrashCopy("crashed");
  log_.reset();

  auto point = ReadRecoveryPoint(FileSystem::Default(), PartitionDir(crashed).string());
  ASSERT_TRUE(point);
  EXPECT_EQ(point->segment_base, 0);
  EXPECT_EQ(point->next_offset, 1);
  const uint64_t data_end = DataEnd(Segment(crashed));
  ASSERT_GT(data_end, point->position);

  std::vector<RecoveryReport> reports;
  OpenLog(crashed, 3'600'000, &reports);
  EXPECT_TRUE(reports.empty()) << (reports.empty() ? "" : reports[0].reason);
  EXPECT_EQ(log_->recovery_validated_bytes(), data_end - point->position);
  ExpectRecords(300);
  Append(300, 320);
  ExpectRecords(320);
}

TEST_F(RecoveryPointTest, TornTailAfterThePointIsCutAndReported) {
  OpenLog(dir_, 0);  // a point after every sync (the last one may still be on its way)
  Append(0, 200);
  fs::path crashed = CrashCopy("torn");
  log_.reset();
  const uint64_t data_end = DataEnd(Segment(crashed));
  auto point = ReadRecoveryPoint(FileSystem::Default(), PartitionDir(crashed).string());
  ASSERT_TRUE(point);
  ASSERT_GT(point->next_offset, 190);
  {
    // A batch header claiming more bytes than follow: a write the crash tore.
    std::fstream f(Segment(crashed), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(data_end));
    std::string torn(kBatchHeaderSize, '\x7f');
    f.write(torn.data(), static_cast<std::streamsize>(torn.size()));
  }
  const uint64_t file_size = fs::file_size(Segment(crashed));

  std::vector<RecoveryReport> reports;
  OpenLog(crashed, 0, &reports);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].kept_end_offset, 200);
  EXPECT_EQ(reports[0].bytes_cut, file_size - data_end);
  EXPECT_EQ(log_->recovery_validated_bytes(), data_end - point->position);
  ExpectRecords(200);
  EXPECT_EQ(DataEnd(Segment(crashed)), data_end);  // cut there, zero-filled after
}

TEST_F(RecoveryPointTest, PointThatDoesNotMatchTheFilesMeansAFullScan) {
  OpenLog(dir_, 0);
  Append(0, 150);
  fs::path crashed = CrashCopy("base");
  log_.reset();
  const uint64_t data_end = DataEnd(Segment(crashed));
  const std::string pdir = PartitionDir(crashed).string();
  FileSystem* fs = FileSystem::Default();
  auto good = ReadRecoveryPoint(fs, pdir);
  ASSERT_TRUE(good);

  struct Case {
    const char* what;
    std::string contents;
  };
  std::vector<Case> cases = {
      {"past the end of the file",
       EncodeRecoveryPoint({0, fs::file_size(Segment(crashed)) + 1, 150, good->max_timestamp})},
      {"another segment", EncodeRecoveryPoint({99, good->position, 150, good->max_timestamp})},
      {"bad CRC",
       [&] {
         std::string line = EncodeRecoveryPoint(*good);
         line[line.find(' ', 26) + 1] ^= 1;  // the position's first digit, still a number
         return line;
       }()},
      {"empty (written but never synced)", ""},
      // Well-formed points that do not describe these files (another partition's, say): one
      // trusted would cut the segment where no batch starts and lose acknowledged records.
      {"not at a batch boundary",
       EncodeRecoveryPoint({0, good->position / 2 + 7, 75, good->max_timestamp})},
      {"boundary with the wrong next offset",
       EncodeRecoveryPoint({0, good->position, good->next_offset + 1, good->max_timestamp})},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    fs::path copy = dir_ / "copy";
    fs::remove_all(copy);
    testing::CopyLogAsCrashed(crashed, copy);
    std::ofstream(PartitionDir(copy) / kRecoveryPointFile, std::ios::trunc) << c.contents;
    std::vector<RecoveryReport> reports;
    OpenLog(copy, 0, &reports);
    EXPECT_TRUE(reports.empty());
    EXPECT_EQ(log_->recovery_validated_bytes(), data_end);
    ExpectRecords(150);
    log_.reset();
  }
}

TEST_F(RecoveryPointTest, NeverWrittenWhenTurnedOffOrAfterACleanShutdown) {
  OpenLog(dir_, -1);
  Append(0, 50);
  EXPECT_FALSE(fs::exists(PartitionDir(dir_) / kRecoveryPointFile));
  fs::path crashed = CrashCopy("off");
  log_.reset();
  OpenLog(crashed, -1);
  EXPECT_EQ(log_->recovery_validated_bytes(), DataEnd(Segment(crashed)));
  ExpectRecords(50);
  // A clean shutdown trusts the index; nothing is validated.
  log_.reset();
  OpenLog(crashed, 0);
  EXPECT_EQ(log_->recovery_validated_bytes(), 0u);
  ExpectRecords(50);
}

}  // namespace
}  // namespace pinpipe::log
