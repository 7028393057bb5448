// Thrift compact protocol: byte-exact encodings from the spec / lake.md §2.4, and decoding.
#include <gtest/gtest.h>

#include <string>

#include "lake/parquet_format.h"
#include "lake/thrift_compact.h"

namespace pinpipe::lake {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty()) out += ' ';
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

TEST(ThriftCompact, VarintAndZigZag) {
  EXPECT_EQ(ThriftWriter::ZigZag(0), 0u);
  EXPECT_EQ(ThriftWriter::ZigZag(-1), 1u);
  EXPECT_EQ(ThriftWriter::ZigZag(1), 2u);
  EXPECT_EQ(ThriftWriter::ZigZag(INT64_MIN), UINT64_MAX);
  std::string out;
  ThriftWriter w(&out);
  w.WriteVarint(300);
  EXPECT_EQ(Hex(out), "AC 02");
}

TEST(ThriftCompact, SchemaElementBytesMatchReference) {
  format::FileMetaData md;
  format::SchemaElement root;
  root.name = "spark_schema";
  root.num_children = 7;
  std::string out;
  ThriftWriter w(&out);
  // Encode via the FileMetaData path and find the element bytes inside.
  md.schema.push_back(root);
  format::SchemaElement ts;
  ts.type = format::Type::kInt64;
  ts.repetition_type = format::Repetition::kOptional;
  ts.name = "timestamp";
  ts.converted_type = format::kTimestampMicros;
  ts.logical_type.emplace();
  ts.logical_type->kind = format::LogicalType::kTimestamp;
  ts.logical_type->is_adjusted_to_utc = true;
  ts.logical_type->time_unit = 2;
  md.schema.push_back(ts);
  format::Serialize(md, &out);
  std::string hex = Hex(out);
  EXPECT_NE(hex.find("48 0C 73 70 61 72 6B 5F 73 63 68 65 6D 61 15 0E 00"), std::string::npos) << hex;
  EXPECT_NE(hex.find("15 04 25 02 18 09 74 69 6D 65 73 74 61 6D 70 25 14 4C 8C 11 1C 2C 00 00 00 00 00"),
            std::string::npos)
      << hex;
}

TEST(ThriftCompact, PageHeaderBytesMatchReference) {
  format::PageHeader ph;
  ph.type = format::PageType::kDataPage;
  ph.uncompressed_page_size = 40;
  ph.compressed_page_size = 42;
  ph.data_page_header.emplace();
  ph.data_page_header->num_values = 4;
  std::string out;
  format::Serialize(ph, &out);
  EXPECT_EQ(Hex(out), "15 00 15 50 15 54 2C 15 08 15 00 15 06 15 06 00 00");
  size_t consumed = 0;
  auto back = format::ParsePageHeader(reinterpret_cast<const uint8_t*>(out.data()), out.size(), &consumed);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(consumed, out.size());
  EXPECT_EQ(back->compressed_page_size, 42);
  EXPECT_EQ(back->data_page_header->num_values, 4);

  format::PageHeader dict;
  dict.type = format::PageType::kDictionaryPage;
  dict.uncompressed_page_size = 16;
  dict.compressed_page_size = 18;
  dict.dictionary_page_header.emplace();
  dict.dictionary_page_header->num_values = 2;
  out.clear();
  format::Serialize(dict, &out);
  EXPECT_EQ(Hex(out), "15 04 15 20 15 24 4C 15 04 15 00 00 00");
}

TEST(ThriftCompact, IntTypeUsesI8AndLongFieldIds) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldI8(1, 64);
  w.FieldBool(2, true);
  w.FieldI32(20, -3);  // delta 18 > 15: long form
  w.FieldI16(7, 5);    // going back: long form
  w.EndStruct();
  EXPECT_EQ(Hex(out), "13 40 11 05 28 05 04 0E 0A 00");
  ThriftReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  r.BeginStruct();
  int16_t id;
  TType t;
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 1);
  EXPECT_EQ(r.ReadInt(t), 64);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_TRUE(r.ReadBool(t));
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 20);
  EXPECT_EQ(r.ReadI32(t), -3);
  ASSERT_TRUE(r.NextField(&id, &t));
  EXPECT_EQ(id, 7);
  EXPECT_EQ(r.ReadInt(t), 5);
  EXPECT_FALSE(r.NextField(&id, &t));
  EXPECT_TRUE(r.ok());
}

TEST(ThriftCompact, ListsAndSkipping) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldListBegin(1, TType::kI32, 20);
  for (int i = 0; i < 20; ++i) w.ElementI32(i - 10);
  w.FieldBinary(2, "hello");
  w.FieldDouble(3, 1.5);
  w.FieldStructBegin(4);
  w.FieldI64(1, 1LL << 40);
  w.EndStruct();
  w.FieldI32(5, 99);
  w.EndStruct();
  ThriftReader r(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  r.BeginStruct();
  int16_t id;
  TType t;
  int seen5 = 0;
  while (r.NextField(&id, &t)) {
    if (id == 5) seen5 = r.ReadI32(t);
    else r.Skip(t);
  }
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(seen5, 99);
  EXPECT_EQ(r.position(), out.size());
}

TEST(ThriftCompact, TruncatedAndHostileInputFailCleanly) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.FieldBinary(1, "abcdef");
  w.EndStruct();
  for (size_t cut = 0; cut < out.size(); ++cut) {
    ThriftReader r(reinterpret_cast<const uint8_t*>(out.data()), cut);
    r.BeginStruct();
    int16_t id;
    TType t;
    while (r.NextField(&id, &t)) r.Skip(t);
    EXPECT_FALSE(r.ok()) << cut;
  }
  // A list claiming 2^31 elements in 6 bytes.
  const uint8_t huge[] = {0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0x07};
  ThriftReader r(huge, sizeof huge);
  r.BeginStruct();
  int16_t id;
  TType t;
  while (r.NextField(&id, &t)) r.Skip(t);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().error().message().find("list size"), std::string::npos);
  // Deep nesting.
  std::string deep(1000, '\x1C');
  ThriftReader d(reinterpret_cast<const uint8_t*>(deep.data()), deep.size());
  d.BeginStruct();
  while (d.NextField(&id, &t)) d.Skip(t);
  EXPECT_FALSE(d.ok());
}

TEST(ThriftCompact, FileMetaDataRoundTrip) {
  format::FileMetaData md;
  format::SchemaElement root;
  root.name = "spark_schema";
  root.num_children = 1;
  md.schema.push_back(root);
  format::SchemaElement c;
  c.name = "x";
  c.type = format::Type::kInt32;
  c.repetition_type = format::Repetition::kRequired;
  md.schema.push_back(c);
  md.num_rows = 123;
  format::RowGroup rg;
  rg.num_rows = 123;
  rg.ordinal = 0;
  rg.file_offset = 4;
  format::ColumnChunk cc;
  cc.meta_data.emplace();
  cc.meta_data->type = format::Type::kInt32;
  cc.meta_data->encodings = {0, 3};
  cc.meta_data->path_in_schema = {"x"};
  cc.meta_data->num_values = 123;
  cc.meta_data->data_page_offset = 4;
  cc.meta_data->statistics.emplace();
  cc.meta_data->statistics->null_count = 0;
  cc.meta_data->statistics->min_value = std::string("\x01\x00\x00\x00", 4);
  rg.columns.push_back(cc);
  md.row_groups.push_back(rg);
  md.created_by = "pinpipe version 0.1.0 (build 0)";
  md.key_value_metadata.push_back({"k", "v"});
  md.column_orders_type_defined = {true};
  std::string out;
  format::Serialize(md, &out);
  auto back = format::ParseFileMetaData(reinterpret_cast<const uint8_t*>(out.data()), out.size());
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->num_rows, 123);
  ASSERT_EQ(back->row_groups.size(), 1u);
  EXPECT_EQ(back->row_groups[0].ordinal, 0);
  EXPECT_EQ(back->row_groups[0].columns[0].meta_data->path_in_schema[0], "x");
  EXPECT_EQ(*back->row_groups[0].columns[0].meta_data->statistics->min_value, std::string("\x01\x00\x00\x00", 4));
  EXPECT_EQ(*back->created_by, *md.created_by);
  EXPECT_EQ(back->column_orders_type_defined, std::vector<bool>{true});
  EXPECT_EQ(*back->key_value_metadata[0].value, "v");
}

}  // namespace
}  // namespace pinpipe::lake
