// Decoding and cleaning the original's real pin rows (../shared/data/pinterest-db, skipped
// when absent): every row decodes, sentinels and follower formats clean as specified.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pinterest/clean.h"
#include "pinterest/raw_decode.h"

namespace pinpipe::pinterest {
namespace {

TEST(RealData, PartialPinDumpDecodesAndCleans) {
  const std::string path =
      std::string(PINPIPE_SHARED_DATA_DIR) + "/pinterest-db/pinterest_data.partial.jsonl";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  RawTables raw;
  RawDecoder d;
  d.Decode(RawKind::kPin, ss.str(), &raw);
  EXPECT_EQ(raw.pin.size(), 4360u);
  EXPECT_EQ(raw.quarantine.size(), 0u);
  size_t raw_sentinel_titles = 0, raw_fc_errors = 0;
  for (size_t i = 0; i < raw.pin.size(); ++i) {
    raw_sentinel_titles += raw.pin.title.IsValid(i) &&
                           raw.pin.title.Get(i) == "No Title Data Available";
    raw_fc_errors += raw.pin.follower_count.IsValid(i) &&
                     raw.pin.follower_count.Get(i) == "User Info Error";
  }
  CleanPinTable t = CleanPins(std::move(raw.pin));
  EXPECT_EQ(t.size(), 4360u);
  size_t null_titles = 0, null_fc = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    null_titles += t.title.IsNull(i);
    null_fc += t.follower_count.IsNull(i);
    if (t.save_location.IsValid(i)) {
      EXPECT_TRUE(t.save_location.Get(i).starts_with("/data/")) << t.save_location.Get(i);
    }
    if (t.follower_count.IsValid(i)) {
      EXPECT_GE(t.follower_count.values[i], 0);
      EXPECT_LE(t.follower_count.values[i], 15000000);
    }
  }
  EXPECT_GE(null_titles, raw_sentinel_titles);
  EXPECT_GE(null_fc, raw_fc_errors);
  EXPECT_GT(raw_fc_errors, 0u);
}

}  // namespace
}  // namespace pinpipe::pinterest
