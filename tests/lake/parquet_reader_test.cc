// Reader: corrupt input fails cleanly; Spark-written files (Delta golden tables, including
// checkpoints with nested STRUCT/MAP columns) decode; nested levels round-trip.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "lake/parquet_reader.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {
namespace {

std::string SmallFile(format::Codec codec = format::Codec::kSnappy) {
  Schema schema({Field::Primitive("id", LeafType::kInt64, false), Field::Primitive("s", LeafType::kString),
                 Field::List("l", Field::Primitive("element", LeafType::kDouble))});
  ColumnBatch b(schema);
  for (int i = 0; i < 500; ++i) {
    b.leaf(0).AppendInt64(i);
    if (i % 3) b.leaf(1).AppendString("value " + std::to_string(i % 20)); else b.leaf(1).AppendNull();
    double v[] = {1.0 * i, -2.5};
    b.leaf(2).AppendDoubleList(v);
  }
  std::string file;
  WriterOptions opt;
  opt.codec = codec;
  opt.data_page_size = 512;
  auto w = ParquetWriter::Open(MemorySink(&file), schema, opt);
  EXPECT_TRUE(w && (*w)->WriteBatch(b) && (*w)->Close());
  return file;
}

// Opens and reads everything; returns the first error (or OK).
Status ReadAll(std::string bytes) {
  auto r = ParquetReader::Open(MemorySource(std::move(bytes)));
  if (!r) return std::unexpected(r.error());
  LeafData d;
  for (size_t g = 0; g < (*r)->num_row_groups(); ++g)
    for (size_t l = 0; l < (*r)->schema().leaves().size(); ++l) PINPIPE_RETURN_IF_ERROR((*r)->ReadLeaf(g, l, &d));
  return OkStatus();
}

TEST(ParquetReaderCorrupt, TruncatedFilesFailCleanly) {
  std::string file = SmallFile();
  ASSERT_TRUE(ReadAll(file));
  for (size_t cut : {size_t{0}, size_t{3}, size_t{11}, file.size() / 2, file.size() - 1, file.size() - 5}) {
    auto st = ReadAll(file.substr(0, cut));
    ASSERT_FALSE(st) << cut;
    EXPECT_EQ(st.error().code(), ErrorCode::kCorruption) << st.error().ToString();
  }
}

TEST(ParquetReaderCorrupt, BadMagicAndFooterLength) {
  std::string file = SmallFile();
  std::string bad = file;
  bad[0] = 'X';
  EXPECT_NE(ReadAll(bad).error().message().find("magic"), std::string::npos);
  bad = file;
  bad[bad.size() - 1] = 'X';
  EXPECT_NE(ReadAll(bad).error().message().find("magic"), std::string::npos);
  for (uint32_t len : {0u, 0xffffffffu, static_cast<uint32_t>(file.size())}) {
    bad = file;
    std::memcpy(bad.data() + bad.size() - 8, &len, 4);
    auto st = ReadAll(bad);
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message().find("footer"), std::string::npos) << st.error().ToString();
  }
}

TEST(ParquetReaderCorrupt, GarbagePagesAndRandomFlipsNeverCrash) {
  for (auto codec : {format::Codec::kUncompressed, format::Codec::kSnappy, format::Codec::kZstd, format::Codec::kGzip}) {
    std::string file = SmallFile(codec);
    // Overwrite the column data (not the footer) with garbage.
    std::string bad = file;
    uint32_t flen;
    std::memcpy(&flen, file.data() + file.size() - 8, 4);
    size_t data_end = file.size() - 8 - flen;
    std::mt19937 rng(42);
    for (size_t i = 4; i < data_end; ++i) bad[i] = static_cast<char>(rng());
    EXPECT_FALSE(ReadAll(bad));
    // Random single-byte flips anywhere: must not crash (errors or, rarely, valid data).
    for (int t = 0; t < 2000; ++t) {
      bad = file;
      size_t pos = rng() % bad.size();
      bad[pos] = static_cast<char>(rng());
      (void)ReadAll(bad);
    }
  }
}

// Every Parquet file of the Spark-written Delta golden tables (data files and checkpoints).
TEST(ParquetReaderSpark, ReadsSparkWrittenFiles) {
  std::filesystem::path root = PINPIPE_SHARED_DATA_DIR "/delta-golden";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no " << root;
  int files = 0, leaves = 0, checkpoints = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.path().extension() != ".parquet") continue;
    auto r = ParquetReader::Open(e.path().string());
    ASSERT_TRUE(r) << e.path() << ": " << r.error().ToString();
    ++files;
    if (e.path().string().find("checkpoint") != std::string::npos) ++checkpoints;
    LeafData d;
    for (size_t g = 0; g < (*r)->num_row_groups(); ++g) {
      for (size_t l = 0; l < (*r)->schema().leaves().size(); ++l) {
        if ((*r)->schema().leaves()[l].type == LeafType::kUnsupported) continue;
        auto st = (*r)->ReadLeaf(g, l, &d);
        ASSERT_TRUE(st) << e.path() << " leaf " << l << ": " << st.error().ToString();
        ++leaves;
      }
    }
  }
  EXPECT_GT(files, 0);
  EXPECT_GT(checkpoints, 0);
  EXPECT_GT(leaves, 0);
}

// A Delta-checkpoint-shaped schema: optional structs with a MAP<string,string> and a LIST.
TEST(ParquetNested, StructMapListLevelsRoundTrip) {
  Field pv = Field::Map("partitionValues", Field::Primitive("key", LeafType::kString, false),
                        Field::Primitive("value", LeafType::kString));
  Schema schema({
      Field::Struct("add", {Field::Primitive("path", LeafType::kString), pv,
                            Field::Primitive("size", LeafType::kInt64),
                            Field::Primitive("dataChange", LeafType::kBoolean)}),
      Field::Struct("protocol", {Field::Primitive("minReaderVersion", LeafType::kInt32),
                                 Field::Primitive("minWriterVersion", LeafType::kInt32)}),
  });
  ASSERT_EQ(schema.leaves().size(), 7u);
  EXPECT_EQ(schema.leaves()[1].max_def, 3);  // add.partitionValues.key_value.key
  EXPECT_EQ(schema.leaves()[1].max_rep, 1);
  EXPECT_EQ(schema.leaves()[0].max_def, 2);  // add.path
  ColumnBatch b(schema);
  // Row 0: protocol (add null). Row 1: add with {"a":"1","b":null}. Row 2: add with empty map.
  auto& path = b.leaf(0);
  auto& key = b.leaf(1);
  auto& val = b.leaf(2);
  auto& size = b.leaf(3);
  auto& dc = b.leaf(4);
  auto& rv = b.leaf(5);
  auto& wv = b.leaf(6);
  path.def = {0, 2, 2};
  path.str.push_back("f1");
  path.str.push_back("f2");
  key.def = {0, 3, 3, 2};
  key.rep = {0, 0, 1, 0};
  key.str.push_back("a");
  key.str.push_back("b");
  val.def = {0, 4, 3, 2};
  val.rep = {0, 0, 1, 0};
  val.str.push_back("1");
  size.def = {0, 2, 2};
  size.i64 = {10, 20};
  dc.def = {0, 2, 2};
  dc.b = {1, 0};
  rv.def = {2, 0, 0};
  rv.i32 = {1};
  wv.def = {2, 0, 0};
  wv.i32 = {2};
  std::string file;
  auto w = ParquetWriter::Open(MemorySink(&file), schema);
  ASSERT_TRUE(w);
  auto st = (*w)->WriteBatch(b);
  ASSERT_TRUE(st) << st.error().ToString();
  ASSERT_TRUE((*w)->Close());
  auto r = ParquetReader::Open(MemorySource(file));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)->schema().ToString(), schema.ToString());
  EXPECT_EQ((*r)->schema().leaves()[1].path, (std::vector<std::string>{"add", "partitionValues", "key_value", "key"}));
  auto got = (*r)->ReadRowGroup(0, {"add"});
  ASSERT_TRUE(got) << got.error().ToString();
  ASSERT_EQ(got->num_leaves(), 5u);
  EXPECT_EQ(got->leaf(1).def, key.def);
  EXPECT_EQ(got->leaf(1).rep, key.rep);
  EXPECT_EQ(got->leaf(2).def, val.def);
  EXPECT_EQ(got->leaf(2).str.size(), 1u);
  EXPECT_EQ(got->leaf(3).i64, size.i64);
  EXPECT_EQ(got->leaf(4).b, dc.b);
}

TEST(ParquetWriterErrors, RejectsInconsistentBatches) {
  Schema schema({Field::Primitive("a", LeafType::kInt64), Field::Primitive("b", LeafType::kInt64, false)});
  std::string file;
  auto w = ParquetWriter::Open(MemorySink(&file), schema);
  ASSERT_TRUE(w);
  ColumnBatch b(schema);
  b.leaf(0).AppendInt64(1);
  b.leaf(0).AppendNull();
  b.leaf(1).AppendInt64(1);
  EXPECT_FALSE((*w)->WriteBatch(b));  // 2 rows vs 1 row
  b.leaf(1).AppendInt64(2);
  b.leaf(0).def.push_back(1);  // a def level without a value
  b.leaf(1).AppendInt64(3);
  EXPECT_FALSE((*w)->WriteBatch(b));
}

}  // namespace
}  // namespace pinpipe::lake
