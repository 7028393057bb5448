// Property tests: random schemas (types, optional/required, lists) and random data (nulls,
// empty lists, null elements, non-ASCII, extremes, NaN, ±0.0, pre-1970 timestamps, long
// strings forcing the dictionary fallback), every codec, written and read back equal.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "lake/parquet_compression.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_writer.h"

namespace pinpipe::lake {
namespace {

using format::Codec;

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(uint64_t seed) : rng(seed) {}
  uint64_t U(uint64_t n) { return rng() % n; }
  bool P(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

  int32_t I32() {
    switch (U(5)) {
      case 0: return std::numeric_limits<int32_t>::min();
      case 1: return std::numeric_limits<int32_t>::max();
      case 2: return 0;
      default: return static_cast<int32_t>(rng());
    }
  }
  int64_t I64() {
    switch (U(5)) {
      case 0: return std::numeric_limits<int64_t>::min();
      case 1: return std::numeric_limits<int64_t>::max();
      case 2: return -1;
      default: return static_cast<int64_t>(rng());
    }
  }
  int64_t Timestamp() {  // µs, 1900..2100, including before 1970
    return -2208988800000000LL + static_cast<int64_t>(U(6311433600000000ULL));
  }
  double F64() {
    switch (U(8)) {
      case 0: return std::numeric_limits<double>::quiet_NaN();
      case 1: return 0.0;
      case 2: return -0.0;
      case 3: return std::numeric_limits<double>::infinity();
      case 4: return -std::numeric_limits<double>::max();
      default: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    }
  }
  std::string Str(bool long_strings) {
    static const char* pool[] = {"", "a", "café", "日本語", "emoji 🎉", "Ünïcödé", "\x7f", "zzz"};
    if (!long_strings && P(0.6)) return pool[U(8)];
    size_t len = long_strings ? 100 + U(3000) : U(40);
    std::string s;
    for (size_t i = 0; i < len; ++i) {
      if (P(0.1)) s += "é";
      else s.push_back(static_cast<char>('a' + U(26)));
    }
    return s;
  }
};

Schema RandomSchema(Gen& g) {
  std::vector<Field> fields;
  size_t n = 1 + g.U(7);
  for (size_t i = 0; i < n; ++i) {
    std::string name = "c" + std::to_string(i);
    bool nullable = g.P(0.6);
    switch (g.U(8)) {
      case 0: fields.push_back(Field::Primitive(name, LeafType::kInt32, nullable)); break;
      case 1: fields.push_back(Field::Primitive(name, LeafType::kInt64, nullable)); break;
      case 2: fields.push_back(Field::Primitive(name, LeafType::kDouble, nullable)); break;
      case 3: fields.push_back(Field::Primitive(name, LeafType::kBoolean, nullable)); break;
      case 4: fields.push_back(Field::Primitive(name, LeafType::kString, nullable)); break;
      case 5: fields.push_back(Field::Primitive(name, LeafType::kTimestamp, nullable)); break;
      case 6:
        fields.push_back(Field::List(name, Field::Primitive("element", LeafType::kDouble, g.P(0.7)), nullable));
        break;
      default:
        fields.push_back(Field::List(name, Field::Primitive("element", LeafType::kString, g.P(0.7)), nullable));
    }
  }
  return Schema(std::move(fields));
}

void FillBatch(Gen& g, const Schema& schema, size_t rows, bool long_strings, ColumnBatch* batch) {
  for (size_t li = 0; li < schema.leaves().size(); ++li) {
    const Field& f = schema.fields()[schema.leaves()[li].top_level];
    LeafData& d = batch->leaf(li);
    for (size_t r = 0; r < rows; ++r) {
      if (f.kind == Field::Kind::kPrimitive) {
        if (f.nullable && g.P(0.2)) {
          d.AppendNull();
          continue;
        }
        switch (f.type) {
          case LeafType::kInt32: d.AppendInt32(g.I32()); break;
          case LeafType::kInt64: d.AppendInt64(g.I64()); break;
          case LeafType::kTimestamp: d.AppendInt64(g.Timestamp()); break;
          case LeafType::kDouble: d.AppendDouble(g.F64()); break;
          case LeafType::kBoolean: d.AppendBool(g.P(0.5)); break;
          default: d.AppendString(g.Str(long_strings)); break;
        }
        continue;
      }
      // list
      if (f.nullable && g.P(0.15)) {
        d.AppendNullList();
        continue;
      }
      size_t n = g.P(0.2) ? 0 : g.U(6);
      bool elem_nullable = f.children[0].nullable;
      std::vector<bool> valid_v(n);
      bool valid[8];
      for (size_t k = 0; k < n; ++k) valid[k] = !(elem_nullable && g.P(0.2));
      if (f.children[0].type == LeafType::kDouble) {
        std::vector<double> v(n);
        for (auto& x : v) x = g.F64();
        d.AppendDoubleList(v, std::span<const bool>(valid, n));
      } else {
        std::vector<std::string> s(n);
        std::vector<std::string_view> sv(n);
        for (size_t k = 0; k < n; ++k) {
          s[k] = g.Str(long_strings);
          sv[k] = s[k];
        }
        d.AppendStringList(sv, std::span<const bool>(valid, n));
      }
    }
  }
}

// Appends src to dst (both same leaf).
void Concat(const LeafData& src, LeafData* dst) {
  dst->def.insert(dst->def.end(), src.def.begin(), src.def.end());
  dst->rep.insert(dst->rep.end(), src.rep.begin(), src.rep.end());
  dst->i32.insert(dst->i32.end(), src.i32.begin(), src.i32.end());
  dst->i64.insert(dst->i64.end(), src.i64.begin(), src.i64.end());
  dst->f64.insert(dst->f64.end(), src.f64.begin(), src.f64.end());
  dst->b.insert(dst->b.end(), src.b.begin(), src.b.end());
  for (size_t i = 0; i < src.str.size(); ++i) dst->str.push_back(src.str[i]);
}

void ExpectEqual(const LeafData& a, const LeafData& b, const std::string& where) {
  ASSERT_EQ(a.def, b.def) << where;
  ASSERT_EQ(a.rep, b.rep) << where;
  ASSERT_EQ(a.i32, b.i32) << where;
  ASSERT_EQ(a.i64, b.i64) << where;
  ASSERT_EQ(a.b, b.b) << where;
  ASSERT_EQ(a.f64.size(), b.f64.size()) << where;
  for (size_t i = 0; i < a.f64.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint64_t>(a.f64[i]), std::bit_cast<uint64_t>(b.f64[i])) << where << " value " << i;
  ASSERT_EQ(a.str.size(), b.str.size()) << where;
  for (size_t i = 0; i < a.str.size(); ++i) ASSERT_EQ(a.str[i], b.str[i]) << where << " string " << i;
}

class RoundTrip : public ::testing::TestWithParam<Codec> {};

TEST_P(RoundTrip, RandomSchemasAndData) {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    Gen g(seed * 7919 + static_cast<uint64_t>(GetParam()));
    Schema schema = RandomSchema(g);
    WriterOptions opt;
    opt.codec = GetParam();
    opt.compression_level = GetParam() == Codec::kGzip ? 1 : -1;
    opt.data_page_size = 64 + g.U(20000);
    opt.row_group_size = g.P(0.5) ? (1 << 16) : (64 << 20);
    opt.dictionary_page_limit = g.P(0.3) ? 2000 : (1 << 20);
    opt.dictionary = g.P(0.8);
    opt.threads = g.P(0.5) ? 2 + static_cast<int>(g.U(3)) : 1;  // column-parallel encoding too
    bool long_strings = g.P(0.2);
    std::string file;
    auto w = ParquetWriter::Open(MemorySink(&file), schema, opt);
    ASSERT_TRUE(w) << w.error().ToString();
    std::vector<LeafData> expected;
    for (const auto& l : schema.leaves()) expected.emplace_back(l);
    size_t batches = 1 + g.U(4);
    for (size_t bi = 0; bi < batches; ++bi) {
      ColumnBatch batch(schema);
      FillBatch(g, schema, g.U(3000), long_strings, &batch);
      auto st = (*w)->WriteBatch(batch);
      ASSERT_TRUE(st) << st.error().ToString();
      for (size_t i = 0; i < batch.num_leaves(); ++i) Concat(batch.leaf(i), &expected[i]);
    }
    ASSERT_TRUE((*w)->Close());

    auto r = ParquetReader::Open(MemorySource(file));
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ((*r)->schema().leaves().size(), schema.leaves().size());
    EXPECT_EQ((*r)->schema().ToString(), schema.ToString());
    std::vector<LeafData> got;
    for (const auto& l : schema.leaves()) got.emplace_back(l);
    for (size_t rg = 0; rg < (*r)->num_row_groups(); ++rg) {
      auto batch = (*r)->ReadRowGroup(rg);
      ASSERT_TRUE(batch) << batch.error().ToString();
      for (size_t i = 0; i < batch->num_leaves(); ++i) Concat(batch->leaf(i), &got[i]);
    }
    EXPECT_EQ((*r)->num_rows(), static_cast<int64_t>(expected[0].num_rows()));
    for (size_t i = 0; i < got.size(); ++i)
      ExpectEqual(got[i], expected[i], "seed " + std::to_string(seed) + " leaf " + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTrip,
                         ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kZstd, Codec::kGzip),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(ParquetWriter, StatisticsFollowSortOrders) {
  Schema schema({Field::Primitive("d", LeafType::kDouble), Field::Primitive("s", LeafType::kString),
                 Field::Primitive("i", LeafType::kInt32, false)});
  ColumnBatch b(schema);
  for (double v : {0.0, std::nan(""), 3.5, -0.0}) b.leaf(0).AppendDouble(v);
  b.leaf(0).AppendNull();
  for (const char* s : {"b", "é", "a", "zz", ""}) b.leaf(1).AppendString(s);
  for (int32_t v : {5, -7, INT32_MAX, INT32_MIN, 0}) b.leaf(2).AppendInt32(v);
  std::string file;
  auto w = ParquetWriter::Open(MemorySink(&file), schema);
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->WriteBatch(b));
  ASSERT_TRUE((*w)->Close());
  auto r = ParquetReader::Open(MemorySource(file));
  ASSERT_TRUE(r);
  const auto& cols = (*r)->metadata().row_groups[0].columns;
  const auto& ds = *cols[0].meta_data->statistics;
  double lo, hi;
  std::memcpy(&lo, ds.min_value->data(), 8);
  std::memcpy(&hi, ds.max_value->data(), 8);
  EXPECT_EQ(lo, -0.0);
  EXPECT_TRUE(std::signbit(lo));
  EXPECT_EQ(hi, 3.5);
  EXPECT_EQ(*ds.null_count, 1);
  EXPECT_EQ(*ds.nan_count, 1);
  const auto& ss = *cols[1].meta_data->statistics;
  EXPECT_EQ(*ss.min_value, "");
  EXPECT_EQ(*ss.max_value, "é");  // 0xC3 sorts above 'z' unsigned
  EXPECT_FALSE(ss.min.has_value());
  const auto& is = *cols[2].meta_data->statistics;
  int32_t imin, imax;
  std::memcpy(&imin, is.min_value->data(), 4);
  std::memcpy(&imax, is.max_value->data(), 4);
  EXPECT_EQ(imin, INT32_MIN);
  EXPECT_EQ(imax, INT32_MAX);
  EXPECT_EQ((*r)->metadata().column_orders_type_defined.size(), 3u);
  EXPECT_EQ(*(*r)->metadata().created_by, kCreatedBy);
}

// A page's levels are put in front of its values without copying the values when they fit
// the writer's room for them (8 KiB); alternating nulls bit-pack the levels of a large page
// beyond that, into the copying path. Both must read back equal, on every codec.
TEST(ParquetWriter, PagesWhoseLevelsOutgrowTheirRoomReadBackEqual) {
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kZstd}) {
    Schema schema({Field::Primitive("i", LeafType::kInt64), Field::Primitive("s", LeafType::kString),
                   Field::Primitive("b", LeafType::kBoolean)});
    WriterOptions opt;
    opt.codec = codec;
    opt.data_page_size = 8u << 20;  // one page per column: 300,000 levels, ~37 KB bit-packed
    ColumnBatch b(schema);
    for (int i = 0; i < 300000; ++i) {
      if (i % 2) {
        b.leaf(0).AppendInt64(i * 3);
        b.leaf(1).AppendString("v" + std::to_string(i));
        b.leaf(2).AppendBool(i % 3 == 0);
      } else {
        b.leaf(0).AppendNull();
        b.leaf(1).AppendNull();
        b.leaf(2).AppendNull();
      }
    }
    for (int i = 0; i < 1000; ++i) {  // and a few short runs: RLE levels that fit the room
      b.leaf(0).AppendInt64(i);
      b.leaf(1).AppendString("w");
      b.leaf(2).AppendBool(true);
    }
    std::string file;
    auto w = ParquetWriter::Open(MemorySink(&file), schema, opt);
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->WriteBatch(b));
    ASSERT_TRUE((*w)->Close());
    auto r = ParquetReader::Open(MemorySource(file));
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ((*r)->num_row_groups(), 1u);
    auto got = (*r)->ReadRowGroup(0);
    ASSERT_TRUE(got) << got.error().ToString();
    for (size_t c = 0; c < 3; ++c) ExpectEqual(got->leaf(c), b.leaf(c), std::string(CodecName(codec)) + " leaf " + std::to_string(c));
  }
}

TEST(ParquetWriter, DictionaryFallbackAndProjection) {
  Schema schema({Field::Primitive("id", LeafType::kInt64, false), Field::Primitive("s", LeafType::kString)});
  WriterOptions opt;
  opt.dictionary_page_limit = 4096;
  opt.data_page_size = 1024;
  std::string file;
  auto w = ParquetWriter::Open(MemorySink(&file), schema, opt);
  ASSERT_TRUE(w);
  ColumnBatch b(schema);
  for (int i = 0; i < 5000; ++i) {
    b.leaf(0).AppendInt64(i);
    // repetitive first (dictionary pays off), then unique (dictionary overflows)
    b.leaf(1).AppendString(i < 1000 ? "v" + std::to_string(i % 7) : "unique-" + std::to_string(i));
  }
  ASSERT_TRUE((*w)->WriteBatch(b));
  ASSERT_TRUE((*w)->Close());
  auto r = ParquetReader::Open(MemorySource(file));
  ASSERT_TRUE(r);
  const auto& md = *(*r)->metadata().row_groups[0].columns[1].meta_data;
  EXPECT_TRUE(md.dictionary_page_offset.has_value());
  EXPECT_LT(*md.dictionary_page_offset, md.data_page_offset);
  EXPECT_NE(std::find(md.encodings.begin(), md.encodings.end(), format::kRleDictionary), md.encodings.end());
  auto batch = (*r)->ReadRowGroup(0, {"s"});
  ASSERT_TRUE(batch) << batch.error().ToString();
  ASSERT_EQ(batch->num_leaves(), 1u);
  ExpectEqual(batch->leaf(0), b.leaf(1), "s");
  EXPECT_FALSE((*r)->ReadRowGroup(0, {"nope"}));
}

// Distinct values (ids, free text) end up PLAIN, repetitive ones dictionary-encoded, and the
// column statistics are exact in both (dictionary values count on insertion, not per value).
// When a distinct column gives its dictionary up (after a first sample rather than at the end
// of the first page) changes only the writer's cost, not the file: measured, not tested here.
TEST(ParquetWriter, DistinctStringsArePlainRepetitiveOnesDictionaryAndStatsStayExact) {
  Schema schema({Field::Primitive("uuid", LeafType::kString), Field::Primitive("cat", LeafType::kString)});
  ColumnBatch b(schema);
  std::string lo_uuid = "~", hi_uuid;
  for (int i = 0; i < 20000; ++i) {
    std::string u = "id-" + std::to_string(i * 7919 % 20011) + "-tail";
    lo_uuid = std::min(lo_uuid, u);
    hi_uuid = std::max(hi_uuid, u);
    b.leaf(0).AppendString(u);
    b.leaf(1).AppendString(i == 12345 ? std::string("aaa-rare") : i == 17 ? std::string("zzz-rare") : "c" + std::to_string(i % 5));
  }
  std::string file;
  auto w = ParquetWriter::Open(MemorySink(&file), schema, {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->WriteBatch(b));
  ASSERT_TRUE((*w)->Close());
  auto r = ParquetReader::Open(MemorySource(file));
  ASSERT_TRUE(r);
  const auto& ids = *(*r)->metadata().row_groups[0].columns[0].meta_data;
  const auto& cats = *(*r)->metadata().row_groups[0].columns[1].meta_data;
  auto has = [](const format::ColumnMetaData& md, int32_t e) {
    return std::find(md.encodings.begin(), md.encodings.end(), e) != md.encodings.end();
  };
  EXPECT_FALSE(has(ids, format::kRleDictionary));
  EXPECT_FALSE(ids.dictionary_page_offset.has_value());
  EXPECT_TRUE(has(cats, format::kRleDictionary));
  EXPECT_EQ(*ids.statistics->min_value, lo_uuid);
  EXPECT_EQ(*ids.statistics->max_value, hi_uuid);
  EXPECT_EQ(*cats.statistics->min_value, "aaa-rare");
  EXPECT_EQ(*cats.statistics->max_value, "zzz-rare");
  auto batch = (*r)->ReadRowGroup(0);
  ASSERT_TRUE(batch) << batch.error().ToString();
  ExpectEqual(batch->leaf(0), b.leaf(0), "uuid");
  ExpectEqual(batch->leaf(1), b.leaf(1), "cat");
}

}  // namespace
}  // namespace pinpipe::lake
