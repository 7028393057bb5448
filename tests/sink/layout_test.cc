// Object names and contents, byte for byte (Confluent's layout, protocols.md).
#include <gtest/gtest.h>

#include "sink/object_name.h"
#include "sink_test_util.h"

namespace pinpipe::sink {
namespace {

TEST(ObjectName, ConfluentDefaultPartitionerLayout) {
  std::string key;
  ObjectKey("topics", "s3_topic", 0, 0, 10, ".json", key);
  EXPECT_EQ(key, "topics/s3_topic/partition=0/s3_topic+0+0000000000.json");
  ObjectKey("topics", "s3_topic", 0, 3, 10, ".json", key);
  EXPECT_EQ(key, "topics/s3_topic/partition=0/s3_topic+0+0000000003.json");
  ObjectKey("topics", "pinterest.pin", 12, 1234567, 10, ".json", key);
  EXPECT_EQ(key, "topics/pinterest.pin/partition=12/pinterest.pin+12+0001234567.json");
  // Wider than the pad: all digits.
  ObjectKey("topics", "t", 1, 123456789012, 10, ".json", key);
  EXPECT_EQ(key, "topics/t/partition=1/t+1+123456789012.json");
  ObjectKey("", "t", 1, 5, 0, ".bin", key);
  EXPECT_EQ(key, "t/partition=1/t+1+5.bin");
  ObjectKey("a/b", "t", 0, 7, 3, ".json", key);
  EXPECT_EQ(key, "a/b/t/partition=0/t+0+007.json");
  EXPECT_EQ(PartitionPrefix("topics", "t", 2), "topics/t/partition=2/");
}

using LayoutTest = SinkFixture;

TEST_F(LayoutTest, FlushSizeThreeGivesConfluentsExample) {
  std::vector<std::optional<std::string>> values;
  for (int i = 0; i < 8; ++i) values.push_back("{\"i\":" + std::to_string(i) + ",\"s\":\"x y\"}");
  Append("s3_topic", 0, values);
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(Config("s3_topic", 3), &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  auto objs = Objects(Lake());
  ASSERT_EQ(objs.size(), 2u);  // 0..2, 3..5; 6..7 stay open (fewer than flush.size)
  EXPECT_EQ(objs["topics/s3_topic/partition=0/s3_topic+0+0000000000.json"],
            "{\"i\":0,\"s\":\"x y\"}\n{\"i\":1,\"s\":\"x y\"}\n{\"i\":2,\"s\":\"x y\"}\n");
  EXPECT_EQ(objs["topics/s3_topic/partition=0/s3_topic+0+0000000003.json"],
            "{\"i\":3,\"s\":\"x y\"}\n{\"i\":4,\"s\":\"x y\"}\n{\"i\":5,\"s\":\"x y\"}\n");
  auto st = c->Snapshot().partitions.at({"s3_topic", 0});
  EXPECT_EQ(st.committed, 6);
  EXPECT_EQ(st.objects, 2u);
  EXPECT_EQ(st.records, 6u);
  EXPECT_TRUE(st.plan.empty());
  // --once flushes the tail at the log end.
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  objs = Objects(Lake());
  ASSERT_EQ(objs.size(), 3u);
  EXPECT_EQ(objs["topics/s3_topic/partition=0/s3_topic+0+0000000006.json"],
            "{\"i\":6,\"s\":\"x y\"}\n{\"i\":7,\"s\":\"x y\"}\n");
}

TEST_F(LayoutTest, ValuesAreWrittenAsStoredAndLineBreaksAreRemoved) {
  Append("t", 0, {"{\"a\":[1,2,{\"b\":null}],\"u\":\"\\u00e9\\n\"}", "\"just a string\"", "42",
                  "{\n  \"pretty\" : true\n}"});
  objstore::LocalObjectStore lake(Lake());
  auto c = Make(Config("t", 4), &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(false));
  EXPECT_EQ(Objects(Lake())["topics/t/partition=0/t+0+0000000000.json"],
            "{\"a\":[1,2,{\"b\":null}],\"u\":\"\\u00e9\\n\"}\n\"just a string\"\n42\n{\"pretty\":true}\n");
}

TEST_F(LayoutTest, BytesFormatAndTopicSelection) {
  Append("raw.a", 0, {"not json", "\x01\x02"});
  Append("raw.b", 0, {"b"});
  Append("other", 0, {"o"});
  objstore::LocalObjectStore lake(Lake());
  SinkConfig cfg;
  ASSERT_TRUE(cfg.Set("topics.regex", "raw\\..*"));
  ASSERT_TRUE(cfg.Set("format", "bytes"));
  ASSERT_TRUE(cfg.Set("topics.dir", "landing"));
  ASSERT_TRUE(cfg.Set("filename.offset.zero.pad.width", "4"));
  cfg.flush_size = 100;
  auto c = Make(cfg, &lake);
  ASSERT_TRUE(c->RunUntilCaughtUp(true));
  auto objs = Objects(Lake());
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(objs["landing/raw.a/partition=0/raw.a+0+0000.bin"], std::string("not json\n\x01\x02\n"));
  EXPECT_EQ(objs["landing/raw.b/partition=0/raw.b+0+0000.bin"], "b\n");
}

TEST_F(LayoutTest, NullValuesFollowBehaviorOnNullValues) {
  Append("n", 0, {"1", std::nullopt, "2"});
  {
    objstore::LocalObjectStore lake(Lake("ignore"));
    SinkConfig cfg = Config("n", 10);
    ASSERT_TRUE(cfg.Set("behavior.on.null.values", "ignore"));
    auto c = Make(cfg, &lake, Rt("s1"));
    ASSERT_TRUE(c->RunUntilCaughtUp(true));
    EXPECT_EQ(Objects(Lake("ignore"))["topics/n/partition=0/n+0+0000000000.json"], "1\n2\n");
  }
  {
    objstore::LocalObjectStore lake(Lake("write"));
    SinkConfig cfg = Config("n", 10);
    ASSERT_TRUE(cfg.Set("behavior.on.null.values", "write"));
    auto c = Make(cfg, &lake, Rt("s2"));
    ASSERT_TRUE(c->RunUntilCaughtUp(true));
    EXPECT_EQ(Objects(Lake("write"))["topics/n/partition=0/n+0+0000000000.json"], "1\nnull\n2\n");
  }
  {
    objstore::LocalObjectStore lake(Lake("fail"));
    auto c = Make(Config("n", 1), &lake, Rt("s3"));  // default: fail
    ASSERT_TRUE(c->RunUntilCaughtUp(true));
    auto objs = Objects(Lake("fail"));
    ASSERT_EQ(objs.size(), 1u);  // offset 0 only: the task stopped at the null
    EXPECT_EQ(objs["topics/n/partition=0/n+0+0000000000.json"], "1\n");
    auto st = c->Snapshot().partitions.at({"n", 0});
    EXPECT_TRUE(st.failed);
    EXPECT_EQ(st.error_offset, 1);
    EXPECT_NE(st.last_error.find("Null valued records"), std::string::npos);
    EXPECT_EQ(st.committed, 1);
  }
}

TEST_F(LayoutTest, SinkStateRoundTripsAndDetectsCorruption) {
  SinkState s;
  PartitionState& p = s.partitions[{"pinterest.pin", 2}];
  p.committed = 1000;
  p.log_end = 1234;
  p.objects = 1;
  p.bytes = 350000;
  p.records = 1000;
  p.failed = true;
  p.error_offset = 1001;
  p.last_error = "value at offset 1001 is not valid JSON: 100% bad\nline";
  p.plan = {{1000, 2000}, {2000, 2500}};
  s.partitions[{"x", 0}];
  std::string text = s.Encode();
  auto back = SinkState::Decode(text);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->partitions, s.partitions);
  text[30] ^= 1;
  EXPECT_EQ(SinkState::Decode(text).error().code(), ErrorCode::kCorruption);
}

}  // namespace
}  // namespace pinpipe::sink
