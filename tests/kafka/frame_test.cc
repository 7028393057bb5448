#include "kafka/frame.h"

#include <gtest/gtest.h>

#include "kafka/api_versions.h"

namespace pinpipe::kafka {
namespace {

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (hex[i] == ' ') {
      --i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// kafka.md §1.3: kafka-python's ApiVersions v0 and librdkafka's v3 (flexible header v2).
TEST(FrameTest, ParsesKafkaPythonApiVersionsV0) {
  std::string bytes = Hex("0000001c 0012 0000 00000001 0012 6b61666b612d707974686f6e2d322e302e32");
  std::string_view frame;
  size_t consumed = 0;
  ASSERT_EQ(NextFrame(bytes, 1 << 20, &frame, &consumed), FrameStatus::kFrame);
  EXPECT_EQ(consumed, bytes.size());
  Reader r(frame);
  RequestHeader h;
  ASSERT_TRUE(ParseRequestHeader(r, &h));
  EXPECT_EQ(h.api_key, kApiVersions);
  EXPECT_EQ(h.api_version, 0);
  EXPECT_EQ(h.correlation_id, 1);
  EXPECT_EQ(h.client_id, std::optional<std::string_view>("kafka-python-2.0.2"));
  EXPECT_FALSE(h.flexible);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(FrameTest, ParsesLibrdkafkaApiVersionsV3WithItsTaggedFields) {
  std::string bytes = Hex(
      "00000024 0012 0003 00000001 0007 72646b61666b61 00 0b 6c696272646b61666b61 06 322e302e32 00");
  std::string_view frame;
  size_t consumed = 0;
  ASSERT_EQ(NextFrame(bytes, 1 << 20, &frame, &consumed), FrameStatus::kFrame);
  Reader r(frame);
  RequestHeader h;
  ASSERT_TRUE(ParseRequestHeader(r, &h));
  EXPECT_TRUE(h.flexible);
  EXPECT_EQ(h.client_id, std::optional<std::string_view>("rdkafka"));
  EXPECT_EQ(r.String(true), "librdkafka");
  EXPECT_EQ(r.String(true), "2.0.2");
  r.SkipTaggedFields();
  EXPECT_FALSE(r.failed());
  EXPECT_EQ(r.remaining(), 0u);
  // ApiVersions answers always use response header v0, whatever the request's version.
  EXPECT_FALSE(FlexibleResponseHeader(h));
  RequestHeader metadata_v9{kMetadata, 9, 1, std::nullopt, IsFlexible(kMetadata, 9)};
  EXPECT_TRUE(FlexibleResponseHeader(metadata_v9));
}

TEST(FrameTest, IncompleteOversizedAndNegativeFrames) {
  std::string_view frame;
  size_t consumed = 0;
  EXPECT_EQ(NextFrame(Hex("000000"), 100, &frame, &consumed), FrameStatus::kNeedMore);
  EXPECT_EQ(NextFrame(Hex("00000005 0102"), 100, &frame, &consumed), FrameStatus::kNeedMore);
  EXPECT_EQ(NextFrame(Hex("00000065"), 100, &frame, &consumed), FrameStatus::kTooLarge);
  EXPECT_EQ(NextFrame(Hex("ffffffff"), 100, &frame, &consumed), FrameStatus::kInvalidSize);
  const std::string two_frames = Hex("00000002 0102 0000000103");  // `frame` points into it
  ASSERT_EQ(NextFrame(two_frames, 100, &frame, &consumed), FrameStatus::kFrame);
  EXPECT_EQ(frame, Hex("0102"));
  EXPECT_EQ(consumed, 6u);
}

TEST(FrameTest, TruncatedHeadersAreRejected) {
  for (std::string_view hex : {"0012", "001200000000", "0012000000000001 0005 6162"}) {
    std::string bytes = Hex(hex);
    Reader r(bytes);
    RequestHeader h;
    EXPECT_FALSE(ParseRequestHeader(r, &h)) << hex;
  }
}

TEST(FrameTest, ResponseFramesCarryTheirSizeAndOptionalTags) {
  std::string out;
  size_t start = BeginResponse(out, 7, true);
  out += "xy";
  FinishResponse(out, start);
  EXPECT_EQ(out, Hex("00000007 00000007 00 7879"));
  std::string v0;
  start = BeginResponse(v0, 9, false);
  FinishResponse(v0, start);
  EXPECT_EQ(v0, Hex("00000004 00000009"));
}

TEST(FrameTest, AdvertisedRangesAreSortedAndFlexibilityFollowsKafka) {
  auto apis = SupportedApis();
  for (size_t i = 1; i < apis.size(); ++i) EXPECT_LT(apis[i - 1].key, apis[i].key);
  for (const ApiRange& a : apis) EXPECT_LE(a.min_version, a.max_version);
  EXPECT_FALSE(IsFlexible(kProduce, 7));
  EXPECT_TRUE(IsFlexible(kProduce, 9));
  EXPECT_TRUE(IsFlexible(kApiVersions, 3));
  EXPECT_TRUE(IsFlexible(kDescribeCluster, 0));
  EXPECT_FALSE(IsFlexible(999, 50));
  // Only the handlers written for both encodings may advertise a flexible version: the rest
  // read and write the classic types only.
  for (const ApiRange& a : apis) {
    switch (a.key) {
      case kApiVersions: case kDescribeCluster: case kListGroups: case kDescribeConfigs:
      case kAlterConfigs: case kDeleteGroups: case kIncrementalAlterConfigs: case kMetadata:
      case kSaslAuthenticate:  // v2 flexible (SaslSession writes both encodings)
      case kFetch: case kOffsetForLeaderEpoch:
        continue;
      default:
        EXPECT_FALSE(IsFlexible(a.key, a.max_version)) << ApiName(a.key);
    }
  }
  EXPECT_TRUE(IsFlexible(kDeleteGroups, 2));
  EXPECT_TRUE(IsFlexible(kIncrementalAlterConfigs, 1));
  EXPECT_FALSE(IsFlexible(kIncrementalAlterConfigs, 0));
  EXPECT_TRUE(IsFlexible(kDescribeConfigs, 4));
  EXPECT_FALSE(IsFlexible(kMetadata, 8));
  EXPECT_TRUE(IsFlexible(kMetadata, 9));
  EXPECT_TRUE(IsFlexible(kSaslAuthenticate, 2));
  EXPECT_FALSE(IsFlexible(kSaslHandshake, 1));
  // Fetch: flexible from v12 (FetchRequest.json), advertised to v18, Kafka 4.4's newest
  // (topic ids from v13).
  EXPECT_FALSE(IsFlexible(kFetch, 11));
  EXPECT_TRUE(IsFlexible(kFetch, 12));
  const ApiRange* fetch = FindApi(kFetch);
  ASSERT_NE(fetch, nullptr);
  EXPECT_EQ(fetch->min_version, 4);
  EXPECT_EQ(fetch->max_version, 18);
  // OffsetForLeaderEpoch: what Kafka 4.4's consumer sends, v4 flexible.
  const ApiRange* olep = FindApi(kOffsetForLeaderEpoch);
  ASSERT_NE(olep, nullptr);
  EXPECT_EQ(olep->min_version, 3);
  EXPECT_EQ(olep->max_version, 4);
  EXPECT_FALSE(IsFlexible(kOffsetForLeaderEpoch, 3));
  EXPECT_TRUE(IsFlexible(kOffsetForLeaderEpoch, 4));
  EXPECT_STREQ(ApiName(kOffsetForLeaderEpoch), "OffsetForLeaderEpoch");
}

}  // namespace
}  // namespace pinpipe::kafka
