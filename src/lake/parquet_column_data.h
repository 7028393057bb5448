// Columnar data for one leaf column in Dremel form: definition levels, repetition levels and
// the non-null values, typed. The writer consumes it and the reader produces it, so nested
// data (lists, structs, maps) round-trips without a row model; flat and list columns have
// small append helpers. Strings live in one arena (offsets + bytes): no allocation per value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lake/parquet_schema.h"

namespace pinpipe::lake {

// Strings as offsets into one byte buffer: value i = bytes[offsets[i], offsets[i+1]).
class StringArena {
 public:
  StringArena() { offsets_.push_back(0); }
  size_t size() const { return offsets_.size() - 1; }
  std::string_view operator[](size_t i) const {
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  void push_back(std::string_view s) {
    bytes_.append(s);
    offsets_.push_back(bytes_.size());
  }
  void reserve(size_t n, size_t bytes) {
    offsets_.reserve(n + 1);
    bytes_.reserve(bytes);
  }
  void clear() {
    offsets_.resize(1);
    bytes_.clear();
  }
  const std::string& bytes() const { return bytes_; }
  const std::vector<uint64_t>& offsets() const { return offsets_; }
  // Direct access for decoders that append in bulk.
  std::string& mutable_bytes() { return bytes_; }
  std::vector<uint64_t>& mutable_offsets() { return offsets_; }

 private:
  std::vector<uint64_t> offsets_;
  std::string bytes_;
};

struct LeafData {
  LeafType type = LeafType::kInt64;
  int max_def = 0;
  int max_rep = 0;
  // One entry per level entry ("num_values" in parquet terms); empty when max_def == 0 /
  // max_rep == 0. A value is stored for each entry with def == max_def.
  std::vector<uint8_t> def;
  std::vector<uint8_t> rep;
  // Exactly one of these holds the values, by type (int64 also for timestamps and INT96 as µs).
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<double> f64;
  std::vector<float> f32;  // FLOAT (read side)
  std::vector<uint8_t> b;  // booleans, 0/1
  StringArena str;         // strings, binary, FIXED_LEN_BYTE_ARRAY
  int32_t fixed_len = 0;   // FIXED_LEN_BYTE_ARRAY width

  LeafData() = default;
  explicit LeafData(const LeafColumn& leaf)
      : type(leaf.type), max_def(leaf.max_def), max_rep(leaf.max_rep), fixed_len(leaf.type_length) {}

  size_t num_values() const;  // non-null values stored
  // Level entries: def.size() if there are def levels, else the value count.
  size_t num_entries() const { return max_def > 0 ? def.size() : num_values(); }
  // Rows: entries with rep == 0.
  size_t num_rows() const;
  void Clear();

  // ---- helpers for a top-level primitive column (max_rep == 0) ----
  void AppendNull() { def.push_back(0); }
  void AppendInt32(int32_t v) { Present(); i32.push_back(v); }
  void AppendInt64(int64_t v) { Present(); i64.push_back(v); }  // also timestamps (µs)
  void AppendDouble(double v) { Present(); f64.push_back(v); }
  void AppendBool(bool v) { Present(); b.push_back(v ? 1 : 0); }
  void AppendString(std::string_view v) { Present(); str.push_back(v); }

  // ---- helpers for a top-level LIST<primitive> column (max_rep == 1) ----
  // A null list (the column must be nullable).
  void AppendNullList() { def.push_back(0); rep.push_back(0); }
  void AppendEmptyList() { def.push_back(static_cast<uint8_t>(ListBase())); rep.push_back(0); }
  // A list of n elements; elements with valid[i] == false are null (valid may be empty = all
  // present). The values themselves are appended by the caller with AppendListValue* below.
  void AppendListLevels(size_t n, std::span<const bool> valid = {});
  void AppendDoubleList(std::span<const double> values, std::span<const bool> valid = {});
  void AppendStringList(std::span<const std::string_view> values, std::span<const bool> valid = {});

 private:
  void Present() {
    if (max_def > 0) def.push_back(static_cast<uint8_t>(max_def));
  }
  // def level of an empty (present) list: max_def minus the repeated level and element.
  int ListBase() const;
  bool element_nullable_ = true;
  friend class ColumnBatch;
};

// One batch of rows for a whole schema: one LeafData per leaf column, in schema order.
class ColumnBatch {
 public:
  ColumnBatch() = default;
  explicit ColumnBatch(const Schema& schema);

  size_t num_leaves() const { return leaves_.size(); }
  LeafData& leaf(size_t i) { return leaves_[i]; }
  const LeafData& leaf(size_t i) const { return leaves_[i]; }
  // The leaf of a top-level primitive or list field by name (first leaf of that field).
  LeafData* column(std::string_view name);
  const Schema& schema() const { return schema_; }
  // Rows in the batch (from the first leaf); 0 for an empty schema.
  size_t num_rows() const { return leaves_.empty() ? 0 : leaves_[0].num_rows(); }
  void Clear();

  // Leaf data moved in or out wholesale (reader output / low-level writers).
  std::vector<LeafData>& leaves() { return leaves_; }

 private:
  Schema schema_;
  std::vector<LeafData> leaves_;
};

}  // namespace pinpipe::lake
