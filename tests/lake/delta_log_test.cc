// The Delta log's building blocks: JSON spelling of actions and schemas (byte-exact with what
// Spark writes), file names, _last_checkpoint, stats formatting.
#include <gtest/gtest.h>

#include "lake/delta_actions.h"
#include "lake/delta_checkpoint.h"
#include "lake/delta_log_files.h"
#include "lake/delta_schema.h"
#include "lake/delta_stats.h"
#include "lake/delta_uuid.h"
#include "common/json_writer.h"

namespace pinpipe::lake {
namespace {

TEST(JsonWriter, EscapesAndSeparates) {
  JsonWriter w;
  w.BeginObject()
      .Field("a", "x\"y\\z\n\x01")
      .Key("b")
      .BeginArray()
      .Int(-3)
      .Double(1.5)
      .Double(2)
      .Null()
      .Bool(false)
      .EndArray()
      .Key("c")
      .BeginObject()
      .EndObject()
      .EndObject();
  EXPECT_EQ(w.str(), R"({"a":"x\"y\\z\n\u0001","b":[-3,1.5,2.0,null,false],"c":{}})");
}

TEST(DeltaSchema, SparkSchemaStringRoundTripsByteExact) {
  // lake.md §3.1: what Spark writes for the pin table.
  const std::string spark =
      R"({"type":"struct","fields":[{"name":"ind","type":"long","nullable":true,"metadata":{}},{"name":"unique_id","type":"string","nullable":true,"metadata":{}},{"name":"title","type":"string","nullable":true,"metadata":{}},{"name":"follower_count","type":"integer","nullable":true,"metadata":{}},{"name":"downloaded","type":"integer","nullable":true,"metadata":{}},{"name":"coordinates","type":{"type":"array","elementType":"double","containsNull":true},"nullable":true,"metadata":{}},{"name":"timestamp","type":"timestamp","nullable":true,"metadata":{}}]})";
  auto schema = ParseDeltaSchema(spark);
  ASSERT_TRUE(schema) << schema.error().ToString();
  ASSERT_EQ(schema->fields.size(), 7u);
  EXPECT_EQ(schema->fields[5].type.ToString(), "array<double>");
  EXPECT_EQ(DeltaSchemaToJson(*schema), spark);

  DeltaSchema built = DeltaType::Struct({
      {"ind", DeltaType::Primitive("long")},
      {"unique_id", DeltaType::Primitive("string")},
      {"title", DeltaType::Primitive("string")},
      {"follower_count", DeltaType::Primitive("integer")},
      {"downloaded", DeltaType::Primitive("integer")},
      {"coordinates", DeltaType::Array(DeltaType::Primitive("double"))},
      {"timestamp", DeltaType::Primitive("timestamp")},
  });
  EXPECT_EQ(DeltaSchemaToJson(built), spark);
  EXPECT_EQ(built, *schema);
}

TEST(DeltaSchema, NestedMapStructAndMetadataKept) {
  const std::string json =
      R"j({"type":"struct","fields":[{"name":"m","type":{"type":"map","keyType":"string","valueType":{"type":"struct","fields":[{"name":"x","type":"decimal(10,2)","nullable":false,"metadata":{"comment":"c"}}]},"valueContainsNull":false},"nullable":true,"metadata":{}}]})j";
  auto schema = ParseDeltaSchema(json);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->fields[0].type.ToString(), "map<string,struct<x:decimal(10,2)>>");
  EXPECT_EQ(DeltaSchemaToJson(*schema), json);
  EXPECT_FALSE(ParseDeltaSchema(R"("long")"));
  EXPECT_FALSE(ParseDeltaSchema("{"));
}

TEST(DeltaActions, SerializesLikeSpark) {
  EXPECT_EQ(SerializeAction(Protocol{}),
            R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})");
  AddFile add;
  add.path = "part-00000-803e1cfa-c859-4ce7-977b-ff150d6e138c-c000.snappy.parquet";
  add.size = 358;
  add.modification_time = 1603724030000;
  add.stats = R"({"numRecords":1})";
  EXPECT_EQ(
      SerializeAction(add),
      R"({"add":{"path":"part-00000-803e1cfa-c859-4ce7-977b-ff150d6e138c-c000.snappy.parquet","partitionValues":{},"size":358,"modificationTime":1603724030000,"dataChange":true,"stats":"{\"numRecords\":1}"}})");
  Txn txn{"app", 7, 1700000000000};
  EXPECT_EQ(SerializeAction(txn),
            R"({"txn":{"appId":"app","version":7,"lastUpdated":1700000000000}})");
  RemoveFile rm;
  rm.path = "a b";
  rm.deletion_timestamp = 5;
  EXPECT_EQ(SerializeAction(rm),
            R"({"remove":{"path":"a b","deletionTimestamp":5,"dataChange":true}})");
}

TEST(DeltaActions, ParsesSparkCommitZero) {
  // lake.md §1.2, data-reader-date-types-UTC version 0.
  const std::string commit =
      R"({"commitInfo":{"timestamp":1603724030655,"operation":"WRITE","operationParameters":{"mode":"ErrorIfExists","partitionBy":"[]"},"isBlindAppend":true}})"
      "\n"
      R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
      "\n"
      R"({"metaData":{"id":"d33c8691-c845-46c4-bb93-1ae64db706b5","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"timestamp\",\"type\":\"timestamp\",\"nullable\":true,\"metadata\":{}},{\"name\":\"date\",\"type\":\"date\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1603724030532}})"
      "\n"
      R"({"add":{"path":"part-00000-803e1cfa-c859-4ce7-977b-ff150d6e138c-c000.snappy.parquet","partitionValues":{},"size":358,"modificationTime":1603724030000,"dataChange":true}})"
      "\n"
      R"({"cdc":{"path":"x"},"unknownAction":{}})"
      "\n";
  auto actions = ParseCommit(commit, "0.json");
  ASSERT_TRUE(actions) << actions.error().ToString();
  ASSERT_EQ(actions->size(), 4u);
  const auto& ci = std::get<CommitInfo>((*actions)[0]);
  EXPECT_EQ(ci.operation, "WRITE");
  EXPECT_EQ(ci.timestamp, 1603724030655);
  EXPECT_EQ(ci.operation_parameters.at("mode"), "ErrorIfExists");
  EXPECT_EQ(std::get<Protocol>((*actions)[1]), Protocol{});
  const auto& md = std::get<Metadata>((*actions)[2]);
  EXPECT_EQ(md.id, "d33c8691-c845-46c4-bb93-1ae64db706b5");
  EXPECT_EQ(md.created_time, 1603724030532);
  auto schema = ParseDeltaSchema(md.schema_string);
  ASSERT_TRUE(schema);
  EXPECT_EQ(schema->fields[1].type.primitive, "date");
  // Re-serializing the metaData and add lines gives Spark's bytes back.
  size_t third = commit.find('\n', commit.find('\n') + 1);
  size_t fourth = commit.find('\n', third + 1);
  EXPECT_EQ(SerializeAction((*actions)[2]), commit.substr(third + 1, fourth - third - 1));
  EXPECT_EQ(std::get<AddFile>((*actions)[3]).size, 358);

  EXPECT_FALSE(ParseCommit("{\"add\":{}}\n", "x"));  // add without path
  EXPECT_FALSE(ParseCommit("not json\n", "x"));
}

TEST(DeltaActions, RoundTripsEveryActionType) {
  Metadata md;
  md.id = NewUuid();
  md.schema_string = R"({"type":"struct","fields":[]})";
  md.configuration.emplace("delta.appendOnly", "false");
  md.partition_columns = {"p"};
  md.created_time = 1;
  AddFile add;
  add.path = "p=1/f.parquet";
  add.partition_values.emplace("p", std::nullopt);
  add.size = 10;
  add.modification_time = 2;
  RemoveFile rm;
  rm.path = "g.parquet";
  rm.deletion_timestamp = 3;
  rm.extended_file_metadata = true;
  rm.size = 4;
  CommitInfo ci;
  ci.timestamp = 9;
  ci.operation = "WRITE";
  ci.operation_parameters.emplace("mode", "Append");
  ci.is_blind_append = true;
  ci.engine_info = "pinpipe/0.1.0";
  Protocol p3{3, 7, std::vector<std::string>{"timestampNtz"}, std::vector<std::string>{"x"}};
  std::vector<Action> in{ci, p3, md, add, rm, Txn{"a", 1, std::nullopt}};
  auto out = ParseCommit(SerializeCommit(in), "rt");
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), in.size());
  auto ci_out = std::get<CommitInfo>((*out)[0]);
  ci_out.raw_json.clear();
  EXPECT_EQ(ci_out, ci);
  for (size_t i = 1; i < in.size(); ++i) EXPECT_EQ((*out)[i], in[i]) << i;
}

TEST(DeltaLogFiles, NamesAndParsing) {
  EXPECT_EQ(CommitKey(7), "_delta_log/00000000000000000007.json");
  EXPECT_EQ(CheckpointKey(10), "_delta_log/00000000000000000010.checkpoint.parquet");
  EXPECT_EQ(CheckpointPartKey(1, 2, 2),
            "_delta_log/00000000000000000001.checkpoint.0000000002.0000000002.parquet");
  auto c = ParseLogFileName("00000000000000000012.json");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, LogFileName::Kind::kCommit);
  EXPECT_EQ(c->version, 12);
  auto m = ParseLogFileName("00000000000000000001.checkpoint.0000000001.0000000002.parquet");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, LogFileName::Kind::kMultiPartCheckpoint);
  EXPECT_EQ(m->part, 1);
  EXPECT_EQ(m->parts, 2);
  EXPECT_FALSE(ParseLogFileName("00000000000000000001.crc"));
  EXPECT_FALSE(ParseLogFileName(".00000000000000000001.json.123.tmp"));
  EXPECT_FALSE(ParseLogFileName("_last_checkpoint"));
  EXPECT_FALSE(ParseLogFileName("00000000000000000001.checkpoint.80a083e8-8c6b.json"));
  EXPECT_FALSE(ParseLogFileName("0000000000000000001.json"));
}

TEST(DeltaLastCheckpoint, ParsesAndRejects) {
  auto lc = ParseLastCheckpoint(R"({"version":10,"size":13,"parts":2,"sizeInBytes":5})");
  ASSERT_TRUE(lc);
  EXPECT_EQ(lc->version, 10);
  EXPECT_EQ(lc->size, 13);
  EXPECT_EQ(lc->parts, 2);
  EXPECT_EQ(SerializeLastCheckpoint({10, 13, std::nullopt, std::nullopt, std::nullopt}),
            R"({"version":10,"size":13})");
  EXPECT_FALSE(ParseLastCheckpoint(""));
  EXPECT_FALSE(ParseLastCheckpoint("{\"version\":"));
  EXPECT_FALSE(ParseLastCheckpoint("{\"size\":3}"));
}

TEST(DeltaStats, TimestampsFloorToMillisUtc) {
  EXPECT_EQ(FormatTimestampMillisUtc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestampMillisUtc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTimestampMillisUtc(1700000000123456), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatTimestampMillisUtc(951782400000000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatTimestampMillisUtc(-62135596800000000), "0001-01-01T00:00:00.000Z");
}

TEST(DeltaUuid, Version4Format) {
  std::string a = NewUuid(), b = NewUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
}

}  // namespace
}  // namespace pinpipe::lake
