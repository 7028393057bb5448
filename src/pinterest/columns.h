// Columnar building blocks of the raw and clean tables: struct-of-arrays columns with a
// validity byte per row. Strings live in one byte arena with Arrow-style offsets, so a table
// of millions of rows costs a handful of allocations, and cleaning can filter and trim the
// strings in place (every cleaned value is a sub-range of its raw value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pinpipe::pinterest {

// Row ids kept by a filter (ascending). Tables are far below 4G rows.
using RowIds = std::vector<uint32_t>;

class StringColumn {
 public:
  StringColumn() : offsets_{0} {}

  size_t size() const { return valid_.size(); }
  size_t bytes() const { return arena_.size(); }
  void Reserve(size_t rows, size_t bytes) {
    offsets_.reserve(rows + 1);
    valid_.reserve(rows);
    arena_.reserve(bytes);
  }
  // Reserves room for `factor` times the current rows and bytes (decoders that know how much
  // input is coming size their columns once instead of growing them by doubling).
  void ReserveScaled(double factor) {
    Reserve(static_cast<size_t>(static_cast<double>(size()) * factor),
            static_cast<size_t>(static_cast<double>(bytes()) * factor));
  }
  void Append(std::string_view s) {
    arena_.append(s);
    offsets_.push_back(arena_.size());
    valid_.push_back(1);
  }
  void AppendNull() {
    offsets_.push_back(arena_.size());
    valid_.push_back(0);
  }
  // Appends a + sep + b without a temporary string.
  void AppendConcat(std::string_view a, std::string_view sep, std::string_view b) {
    arena_.append(a);
    arena_.append(sep);
    arena_.append(b);
    offsets_.push_back(arena_.size());
    valid_.push_back(1);
  }
  bool IsNull(size_t i) const { return valid_[i] == 0; }
  bool IsValid(size_t i) const { return valid_[i] != 0; }
  std::string_view Get(size_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Appends all rows of `other` (used to concatenate partial tables decoded in parallel).
  void AppendColumn(const StringColumn& other);
  void Clear();
  // Frees the memory (after the column was consumed).
  void Release() { *this = StringColumn(); }

  // Keeps rows `keep` (all rows when null) and replaces each valid value v by
  // f(v) -> {valid, begin, length} — a sub-range of v. Works in place: the write position
  // never passes the read position. Why: cleaning 1M pins must not double the memory.
  struct Trim {
    bool valid;
    uint32_t begin;
    uint32_t length;
  };
  template <typename F>
  void FilterTrimInPlace(const RowIds* keep, F&& f);

  const std::string& arena() const { return arena_; }
  const std::vector<uint64_t>& offsets() const { return offsets_; }
  const std::vector<uint8_t>& validity() const { return valid_; }

 private:
  std::string arena_;
  std::vector<uint64_t> offsets_;  // size() + 1 entries
  std::vector<uint8_t> valid_;
};

template <typename T>
struct NumericColumn {
  std::vector<T> values;
  std::vector<uint8_t> valid;

  size_t size() const { return values.size(); }
  void Reserve(size_t rows) {
    values.reserve(rows);
    valid.reserve(rows);
  }
  void ReserveScaled(double factor) {
    Reserve(static_cast<size_t>(static_cast<double>(size()) * factor));
  }
  void Append(T v) {
    values.push_back(v);
    valid.push_back(1);
  }
  void AppendNull() {
    values.push_back(T{});
    valid.push_back(0);
  }
  bool IsNull(size_t i) const { return valid[i] == 0; }
  bool IsValid(size_t i) const { return valid[i] != 0; }
  void AppendColumn(const NumericColumn& o) {
    values.insert(values.end(), o.values.begin(), o.values.end());
    valid.insert(valid.end(), o.valid.begin(), o.valid.end());
  }
  void Clear() {
    values.clear();
    valid.clear();
  }
  void Release() { *this = NumericColumn(); }
  // Keeps rows `keep` in place (no-op when null).
  void FilterInPlace(const RowIds* keep) {
    if (keep == nullptr) return;
    size_t w = 0;
    for (uint32_t r : *keep) {
      values[w] = values[r];
      valid[w] = valid[r];
      ++w;
    }
    values.resize(w);
    valid.resize(w);
  }
};

using Int64Column = NumericColumn<int64_t>;
using Int32Column = NumericColumn<int32_t>;
using DoubleColumn = NumericColumn<double>;
// Timestamps are microseconds since the Unix epoch, UTC (Delta's `timestamp`).
using TimestampColumn = NumericColumn<int64_t>;

// Keeps rows `keep` of a plain vector in place.
template <typename T>
void FilterVectorInPlace(std::vector<T>& v, const RowIds* keep) {
  if (keep == nullptr) return;
  size_t w = 0;
  for (uint32_t r : *keep) v[w++] = v[r];
  v.resize(w);
}

template <typename F>
void StringColumn::FilterTrimInPlace(const RowIds* keep, F&& f) {
  const size_t n = keep ? keep->size() : size();
  char* data = arena_.data();
  uint64_t write = 0;
  for (size_t w = 0; w < n; ++w) {
    const size_t r = keep ? (*keep)[w] : w;
    const uint64_t b = offsets_[r], e = offsets_[r + 1];
    bool valid = valid_[r] != 0;
    uint64_t nb = b, len = e - b;
    if (valid) {
      const Trim t = f(std::string_view(data + b, e - b));
      valid = t.valid;
      nb = b + t.begin;
      len = t.valid ? t.length : 0;
    } else {
      len = 0;
    }
    if (nb != write && len) std::char_traits<char>::move(data + write, data + nb, len);
    offsets_[w] = write;
    write += len;
    valid_[w] = valid ? 1 : 0;
  }
  offsets_[n] = write;
  offsets_.resize(n + 1);
  valid_.resize(n);
  arena_.resize(write);
}

}  // namespace pinpipe::pinterest
