// Delta reader features: deletion vectors (Z85, RoaringBitmapArray, DV files and inline DVs,
// replaced DVs, DVs in checkpoints), column mapping in name and id modes after renames and
// drops, and every Spark-written golden table read to the last row. The Spark tables in
// tests/lake/data/spark/ were written once by make_spark_tables.py with delta-spark; their
// expected.jsonl files hold Spark's own rows.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lake/delta_deletion_vector.h"
#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {
namespace {

namespace fs = std::filesystem;

std::string Hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

TEST(Z85, SpecTestVector) {
  // ZeroMQ RFC 32: 0x86 4F D2 6F B5 59 F7 5B <-> "HelloWorld".
  auto d = Z85Decode("HelloWorld");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, Hex("864fd26fb559f75b"));
  EXPECT_FALSE(Z85Decode("Hell"));                  // not a multiple of 5
  EXPECT_FALSE(Z85Decode("Hell\"World"));           // outside the alphabet
  EXPECT_FALSE(Z85Decode("#####"));                 // above 2^32
}

void PutU16(std::string* s, uint16_t v) { s->append(reinterpret_cast<const char*>(&v), 2); }
void PutU32(std::string* s, uint32_t v) { s->append(reinterpret_cast<const char*>(&v), 4); }
void PutU64(std::string* s, uint64_t v) { s->append(reinterpret_cast<const char*>(&v), 8); }

TEST(RoaringBitmapArray, ArrayRunAndBitmapContainers) {
  // A one-row DV as Databricks writes it (array container, no-run cookie, offsets): row 1.
  auto one = ParseRoaringBitmapArray(Hex("d1d339640100000000000000000000003a3000000100000000000000100000000100"));
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(*one, (std::vector<uint64_t>{1}));

  // Two 32-bit bitmaps: high 0 with a run container (key 2, rows 2<<16 | 5..9), high 1 with a
  // bitmap container (key 0, rows 0..4999).
  std::string d;
  PutU32(&d, 1681511377);
  PutU64(&d, 2);
  PutU32(&d, 0);
  PutU32(&d, 12347);  // run cookie, 1 container
  d.push_back(1);     // container 0 is a run container
  PutU16(&d, 2);
  PutU16(&d, 4);      // cardinality - 1
  PutU16(&d, 1);      // one run
  PutU16(&d, 5);
  PutU16(&d, 4);      // length - 1
  PutU32(&d, 1);
  PutU32(&d, 12346);
  PutU32(&d, 1);
  PutU16(&d, 0);
  PutU16(&d, 4999);
  PutU32(&d, 0);  // offset (ignored)
  std::string bits(8192, '\0');
  for (int i = 0; i < 5000; ++i) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  d += bits;
  auto rows = ParseRoaringBitmapArray(d);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 5005u);
  EXPECT_EQ((*rows)[0], (2u << 16) | 5);
  EXPECT_EQ((*rows)[4], (2u << 16) | 9);
  EXPECT_EQ((*rows)[5], uint64_t{1} << 32);
  EXPECT_EQ(rows->back(), (uint64_t{1} << 32) | 4999);
  // Truncations fail cleanly.
  for (size_t n : {size_t{3}, size_t{12}, size_t{20}, d.size() - 1})
    EXPECT_FALSE(ParseRoaringBitmapArray(std::string_view(d).substr(0, n))) << n;
}

TEST(DeletionVectorDescriptor, UuidPathsAndInline) {
  auto dv = ParseDeletionVectorDescriptor(
      R"({"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^","offset":4,"sizeInBytes":40,"cardinality":6})");
  ASSERT_TRUE(dv);
  auto key = DeletionVectorKey(*dv);
  ASSERT_TRUE(key) << key.error().message();
  // PROTOCOL.md's example: prefix "ab", UUID d2c639aa-8816-431a-aaf6-d3fe2512ff61.
  EXPECT_EQ(*key, "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
  EXPECT_EQ(dv->offset, 4);
  EXPECT_FALSE(ParseDeletionVectorDescriptor(R"({"storageType":"u"})"));
}

// ---- tables ----

fs::path SparkTable(const std::string& name) { return fs::path(PINPIPE_SOURCE_DIR) / "tests/lake/data/spark" / name; }

std::vector<std::string> ReadLines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// The table's rows as sorted JSON objects (ForEachRow + AppendJson), like `lake show`.
Result<std::vector<std::string>> Rows(const fs::path& dir) {
  auto storage = NewLocalTableStorage(dir.string());
  PINPIPE_ASSIGN_OR_RETURN(auto snap, Snapshot::Load(*storage));
  std::vector<std::string> out;
  const auto& fields = snap.schema().fields;
  auto st = ForEachRow(*storage, snap, 0, [&](const RowView& row) {
    std::string s = "{";
    for (size_t c = 0; c < row.num_columns(); ++c) {
      if (c) s += ',';
      s += "\"" + fields[c].name + "\":";
      row.AppendJson(c, &s);
    }
    out.push_back(s + "}");
    return true;
  });
  if (!st) return std::unexpected(st.error());
  std::sort(out.begin(), out.end());
  return out;
}

class SparkTables : public ::testing::TestWithParam<std::string> {};

TEST_P(SparkTables, RowsEqualSparks) {
  fs::path dir = SparkTable(GetParam());
  ASSERT_TRUE(fs::exists(dir)) << dir;
  auto rows = Rows(dir);
  ASSERT_TRUE(rows) << rows.error().message();
  auto want = ReadLines(SparkTable(GetParam() + ".expected.jsonl"));
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(*rows, want);
}

INSTANTIATE_TEST_SUITE_P(Delta, SparkTables,
                         ::testing::Values("column-mapping-name", "column-mapping-id", "deletion-vectors",
                                           "v2-checkpoint"));

// The same rows from the checkpoints alone: a scratch copy without the commits the newest
// checkpoint covers (a V2 checkpoint in JSON with a Parquet sidecar; a V1 checkpoint holding
// deletion vector descriptors).
TEST(SparkTables, FromTheCheckpointAlone) {
  for (auto [name, checkpoint] : {std::pair<std::string, int>{"v2-checkpoint", 4}, {"deletion-vectors", 3}}) {
    fs::path dir = fs::temp_directory_path() / ("pinpipe-cp-alone-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::copy(SparkTable(name), dir, fs::copy_options::recursive);
    int removed = 0;
    for (int v = 0; v <= checkpoint; ++v) {
      char commit[64];
      std::snprintf(commit, sizeof commit, "_delta_log/%020d.json", v);
      removed += fs::remove(dir / commit) ? 1 : 0;
    }
    EXPECT_EQ(removed, checkpoint + 1) << name;
    auto rows = Rows(dir);
    ASSERT_TRUE(rows) << name << ": " << rows.error().message();
    EXPECT_EQ(*rows, ReadLines(SparkTable(name + ".expected.jsonl"))) << name;
    fs::remove_all(dir);
  }
}

// Z85 encoding for building inline DVs (the decoder is checked against the RFC's vector).
std::string Z85Encode(std::string_view raw) {
  static const char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  std::string padded(raw);
  padded.append((4 - padded.size() % 4) % 4, '\0');
  std::string out;
  for (size_t i = 0; i < padded.size(); i += 4) {
    uint64_t v = 0;
    for (int k = 0; k < 4; ++k) v = v << 8 | static_cast<uint8_t>(padded[i + k]);
    char c[5];
    for (int k = 4; k >= 0; --k, v /= 85) c[k] = kAlphabet[v % 85];
    out.append(c, 5);
  }
  return out;
}

std::string OneRowsBitmap(std::initializer_list<uint16_t> rows) {
  std::string d;
  PutU32(&d, 1681511377);
  PutU64(&d, 1);
  PutU32(&d, 0);
  PutU32(&d, 12346);
  PutU32(&d, 1);
  PutU16(&d, 0);
  PutU16(&d, static_cast<uint16_t>(rows.size() - 1));
  PutU32(&d, 0);
  for (uint16_t r : rows) PutU16(&d, r);
  return d;
}

TEST(HandMadeDeletionVectors, InlineFileAndCorrupt) {
  fs::path src = fs::path(PINPIPE_SHARED_DATA_DIR) / "delta-golden" / "snapshot-data0";
  if (!fs::exists(src)) GTEST_SKIP() << "no golden tables";
  fs::path dir = fs::temp_directory_path() / ("pinpipe-dv-hand-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::copy(src, dir, fs::copy_options::recursive);
  for (auto& e : fs::recursive_directory_iterator(dir)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add);
  auto before = Rows(dir);
  ASSERT_TRUE(before) << before.error().message();
  auto storage = NewLocalTableStorage(dir.string());
  auto snap = Snapshot::Load(*storage);
  ASSERT_TRUE(snap);
  const AddFile& f = snap->files().front();
  // Inline DV deleting rows 0 and 1 of the first file.
  std::string bitmap = OneRowsBitmap({0, 1});
  std::string add_json = R"({"add":{"path":")" + f.path + R"(","partitionValues":{},"size":)" + std::to_string(f.size) +
                         R"(,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"i","pathOrInlineDv":")" +
                         Z85Encode(bitmap) + R"(","sizeInBytes":)" + std::to_string(bitmap.size()) +
                         R"(,"cardinality":2}}})";
  std::string commit = R"({"remove":{"path":")" + f.path + R"(","deletionTimestamp":1,"dataChange":true}})" "\n" +
                       add_json + "\n";
  int64_t v = snap->version() + 1;
  char name[64];
  std::snprintf(name, sizeof name, "_delta_log/%020lld.json", static_cast<long long>(v));
  std::ofstream(dir / name) << commit;
  auto after = Rows(dir);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(after->size() + 2, before->size());
  for (const auto& row : *after) EXPECT_TRUE(std::binary_search(before->begin(), before->end(), row)) << row;

  // The same bitmap in a DV file (version byte, BE size, data, BE CRC-32) with a prefix dir.
  std::string uuid_z85 = Z85Encode(Hex("d2c639aa8816431aaaf6d3fe2512ff61"));
  fs::create_directories(dir / "ab");
  std::string file(1, '\x01');
  auto be32 = [](uint32_t x) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(x >> (24 - 8 * i));
    return s;
  };
  file += be32(static_cast<uint32_t>(bitmap.size())) + bitmap +
          be32(static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bitmap.data()), static_cast<uInt>(bitmap.size()))));
  std::ofstream(dir / "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin", std::ios::binary) << file;
  std::string add_u = R"({"add":{"path":")" + f.path + R"(","partitionValues":{},"size":)" + std::to_string(f.size) +
                      R"(,"modificationTime":2,"dataChange":true,"deletionVector":{"storageType":"u","pathOrInlineDv":"ab)" +
                      uuid_z85 + R"(","offset":1,"sizeInBytes":)" + std::to_string(bitmap.size()) + R"(,"cardinality":2}}})";
  std::snprintf(name, sizeof name, "_delta_log/%020lld.json", static_cast<long long>(v + 1));
  std::ofstream(dir / name) << add_u << "\n";
  auto with_file = Rows(dir);
  ASSERT_TRUE(with_file) << with_file.error().message();
  EXPECT_EQ(*with_file, *after);

  // The same file by absolute path ('p', a file: URI), placed outside the table.
  fs::path abs = fs::temp_directory_path() / ("pinpipe-dv-abs-" + std::to_string(::getpid()) + ".bin");
  fs::copy_file(dir / "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin", abs,
                fs::copy_options::overwrite_existing);
  std::string add_p = R"({"add":{"path":")" + f.path + R"(","partitionValues":{},"size":)" + std::to_string(f.size) +
                      R"(,"modificationTime":3,"dataChange":true,"deletionVector":{"storageType":"p","pathOrInlineDv":"file://)" +
                      abs.string() + R"(","offset":1,"sizeInBytes":)" + std::to_string(bitmap.size()) + R"(,"cardinality":2}}})";
  std::snprintf(name, sizeof name, "_delta_log/%020lld.json", static_cast<long long>(v + 2));
  std::ofstream(dir / name) << add_p << "\n";
  auto by_path = Rows(dir);
  fs::remove(abs);
  ASSERT_TRUE(by_path) << by_path.error().message();
  EXPECT_EQ(*by_path, *after);
  fs::remove(dir / name);

  // A flipped bit in the DV file: the checksum catches it.
  file[8] ^= 1;
  std::ofstream(dir / "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin", std::ios::binary | std::ios::trunc) << file;
  auto bad = Rows(dir);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kCorruption);
  fs::remove_all(dir);
}

// Every Spark-written golden table with data is read to the last row (values are compared
// with DuckDB in tests/interop/lake_read.test.mjs).
TEST(GoldenTables, EveryTableWithDataReads) {
  fs::path root = fs::path(PINPIPE_SHARED_DATA_DIR) / "delta-golden";
  if (!fs::exists(root)) GTEST_SKIP() << "no golden tables";
  int tables = 0;
  for (const char* name : {"data-reader-primitives", "data-reader-array-primitives", "parquet-all-types"}) {
    auto rows = Rows(root / name);
    ASSERT_TRUE(rows) << name << ": " << rows.error().message();
    EXPECT_FALSE(rows->empty()) << name;
    ++tables;
  }
  EXPECT_EQ(tables, 3);
}

}  // namespace
}  // namespace pinpipe::lake
