#include "lake/parquet_column_data.h"

#include <algorithm>

namespace pinpipe::lake {

size_t LeafData::num_values() const {
  switch (type) {
    case LeafType::kInt32: return i32.size();
    case LeafType::kInt64:
    case LeafType::kInt96:
    case LeafType::kTimestamp: return i64.size();
    case LeafType::kDouble: return f64.size();
    case LeafType::kFloat: return f32.size();
    case LeafType::kBoolean: return b.size();
    case LeafType::kString:
    case LeafType::kFixed:
    case LeafType::kBinary: return str.size();
    case LeafType::kUnsupported: return 0;
  }
  return 0;
}

size_t LeafData::num_rows() const {
  if (max_rep == 0) return num_entries();
  return static_cast<size_t>(std::count(rep.begin(), rep.end(), uint8_t{0}));
}

void LeafData::Clear() {
  def.clear();
  rep.clear();
  i32.clear();
  i64.clear();
  f64.clear();
  f32.clear();
  b.clear();
  str.clear();
}

int LeafData::ListBase() const { return max_def - 1 - (element_nullable_ ? 1 : 0); }

void LeafData::AppendListLevels(size_t n, std::span<const bool> valid) {
  if (n == 0) {
    AppendEmptyList();
    return;
  }
  int base = ListBase();
  for (size_t i = 0; i < n; ++i) {
    rep.push_back(i == 0 ? 0 : 1);
    bool present = valid.empty() || valid[i];
    def.push_back(static_cast<uint8_t>(present ? max_def : base + 1));
  }
}

void LeafData::AppendDoubleList(std::span<const double> values, std::span<const bool> valid) {
  AppendListLevels(values.size(), valid);
  for (size_t i = 0; i < values.size(); ++i)
    if (valid.empty() || valid[i]) f64.push_back(values[i]);
}

void LeafData::AppendStringList(std::span<const std::string_view> values, std::span<const bool> valid) {
  AppendListLevels(values.size(), valid);
  for (size_t i = 0; i < values.size(); ++i)
    if (valid.empty() || valid[i]) str.push_back(values[i]);
}

ColumnBatch::ColumnBatch(const Schema& schema) : schema_(schema) {
  for (const auto& leaf : schema_.leaves()) {
    LeafData d(leaf);
    const Field& top = schema_.fields()[leaf.top_level];
    if (top.kind == Field::Kind::kList && !top.children.empty())
      d.element_nullable_ = top.children[0].nullable;
    leaves_.push_back(std::move(d));
  }
}

LeafData* ColumnBatch::column(std::string_view name) {
  int i = schema_.FindField(name);
  if (i < 0) return nullptr;
  auto [first, count] = schema_.LeafRange(static_cast<size_t>(i));
  return count ? &leaves_[first] : nullptr;
}

void ColumnBatch::Clear() {
  for (auto& l : leaves_) l.Clear();
}

}  // namespace pinpipe::lake
