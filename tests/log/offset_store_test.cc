#include "log/offset_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/file_system.h"
#include "log_files.h"

namespace pinpipe::log {
namespace {

namespace fs = std::filesystem;
using testing::FreshTestDir;
using testing::ReadFileBytes;

class OffsetStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir(fs::temp_directory_path(), "pinpipe_offsets") / "state";
    path_ = dir_ / "consumer_offsets.log";
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_.parent_path());
  }
  void Open() {
    store_.reset();
    auto r = OffsetStore::Open(FileSystem::Default(), dir_.string());
    ASSERT_TRUE(r) << r.error().ToString();
    store_ = std::move(*r);
  }
  void CommitOne(std::string_view group, std::string_view topic, int32_t p, int64_t off,
                 std::string_view meta = "") {
    OffsetCommit c{topic, p, off, meta};
    ASSERT_TRUE(store_->Commit(group, std::span<const OffsetCommit>(&c, 1)));
  }
  void FlipByte(uint64_t pos) {
    std::string data = ReadFileBytes(path_);
    ASSERT_LT(pos, data.size());
    data[pos] = static_cast<char>(data[pos] ^ 0x5a);
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << data;
  }
  int64_t Offset(std::string_view g, std::string_view t, int32_t p) {
    auto got = store_->Fetch(g, t, p);
    return got ? got->offset : -1;
  }

  fs::path dir_, path_;
  std::unique_ptr<OffsetStore> store_;
};

// Regression: one flipped byte used to cut the file at the first bad entry (position 0 here),
// losing every group's commits without a word.
TEST_F(OffsetStoreTest, FlippedByteLosesOnlyTheDamagedEntry) {
  Open();
  CommitOne("g1", "t", 0, 10);
  const uint64_t first_end = fs::file_size(path_);
  CommitOne("g2", "t", 0, 20);
  const uint64_t second_end = fs::file_size(path_);
  CommitOne("g3", "t", 0, 30);
  CommitOne("g1", "u", 1, 11);
  FlipByte(second_end - 5);  // the last byte of g2's offset (before the metadata length)
  Open();
  EXPECT_EQ(Offset("g1", "t", 0), 10);
  EXPECT_EQ(Offset("g2", "t", 0), -1);
  EXPECT_EQ(Offset("g3", "t", 0), 30);
  EXPECT_EQ(Offset("g1", "u", 1), 11);
  const OffsetReplay& rep = store_->load_report();
  ASSERT_EQ(rep.damage.size(), 1u);
  EXPECT_FALSE(rep.damage[0].tail);
  EXPECT_EQ(rep.damage[0].position, first_end);
  EXPECT_EQ(rep.damage[0].bytes, second_end - first_end);
  EXPECT_EQ(rep.damage[0].probably_lost, std::vector<std::string>{"g2/t/0"});
  std::string metrics;
  store_->RenderPrometheus(metrics);
  EXPECT_NE(metrics.find("pinpipe_offsets_damaged_entries_total 1\n"), std::string::npos);
  // The damaged file is kept beside; the store was rewritten from what survived.
  EXPECT_TRUE(fs::exists(path_.string() + ".damaged"));
  CommitOne("g2", "t", 0, 21);
  Open();
  EXPECT_TRUE(store_->load_report().damage.empty());
  EXPECT_EQ(Offset("g1", "t", 0), 10);
  EXPECT_EQ(Offset("g2", "t", 0), 21);
  EXPECT_EQ(Offset("g3", "t", 0), 30);
}

TEST_F(OffsetStoreTest, DamagedLengthFieldResynchronisesOnTheNextEntry) {
  Open();
  CommitOne("g1", "t", 0, 10);
  CommitOne("g2", "t", 0, 20);
  FlipByte(0);  // the first entry's length
  Open();
  EXPECT_EQ(Offset("g1", "t", 0), -1);
  EXPECT_EQ(Offset("g2", "t", 0), 20);
  ASSERT_EQ(store_->load_report().damage.size(), 1u);
  EXPECT_EQ(store_->load_report().damage[0].position, 0u);
}

TEST_F(OffsetStoreTest, TornTailIsCutAndEverythingBeforeKept) {
  Open();
  CommitOne("g1", "t", 0, 10);
  const uint64_t good = fs::file_size(path_);
  CommitOne("g1", "t", 0, 11);
  store_.reset();
  fs::resize_file(path_, fs::file_size(path_) - 3);  // a commit that never returned
  Open();
  EXPECT_EQ(Offset("g1", "t", 0), 10);
  ASSERT_EQ(store_->load_report().damage.size(), 1u);
  EXPECT_TRUE(store_->load_report().damage[0].tail);
  EXPECT_EQ(fs::file_size(path_), good);
  EXPECT_FALSE(fs::exists(path_.string() + ".damaged"));
}

// Regression: metadata was unbounded (8 MB commits grew a file that is read whole at start),
// partition -1 and oversize names were accepted.
TEST_F(OffsetStoreTest, KafkaLimitsAreEnforced) {
  Open();
  std::string meta(kMaxOffsetMetadataBytes, 'm');
  CommitOne("g", "t", 0, 1, meta);
  EXPECT_EQ(store_->Fetch("g", "t", 0)->metadata, meta);
  const uint64_t size = fs::file_size(path_);
  auto commit = [&](std::string_view g, OffsetCommit c) {
    return store_->Commit(g, std::span<const OffsetCommit>(&c, 1));
  };
  std::string big = meta + "m";
  auto st = commit("g", {"t", 0, 2, big});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("OFFSET_METADATA_TOO_LARGE"), std::string::npos);
  st = commit("g", {"t", -1, 2, ""});
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("UNKNOWN_TOPIC_OR_PARTITION"), std::string::npos);
  EXPECT_FALSE(commit("g", {std::string(250, 't'), 0, 2, ""}));
  EXPECT_TRUE(commit("g", {std::string(249, 't'), 0, 2, ""}));
  EXPECT_FALSE(commit(std::string(kMaxGroupBytes + 1, 'g'), {"t", 0, 2, ""}));
  EXPECT_FALSE(commit("", {"t", 0, 2, ""}));
  // One bad commit in a list writes nothing.
  OffsetCommit two[2] = {{"t", 0, 5, ""}, {"t", 0, 6, big}};
  EXPECT_FALSE(store_->Commit("g", two));
  EXPECT_EQ(store_->Fetch("g", "t", 0)->offset, 1);
  EXPECT_GT(fs::file_size(path_), size);  // only the valid 249-byte-topic commit was added
}

TEST(OffsetReplayTest, GarbageNeverCrashesAndFindsNothing) {
  std::string junk(4096, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 131 + 7);
  uint64_t n = 0;
  OffsetReplay r = ReplayOffsetEntries(junk, [&](const OffsetEntry&) { ++n; });
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(r.entries, 0u);
  ASSERT_EQ(r.damage.size(), 1u);
  EXPECT_TRUE(r.damage[0].tail);
  EXPECT_EQ(r.damage[0].bytes, junk.size());
}

}  // namespace
}  // namespace pinpipe::log
