#include "lake/parquet_statistics.h"

#include <cmath>
#include <cstring>

namespace pinpipe::lake {

void StatisticsBuilder::Reset() {
  null_count_ = nan_count_ = 0;
  has_ = false;
  smin_.clear();
  smax_.clear();
}

void StatisticsBuilder::Update(const LeafData& d, size_t first, size_t count) {
  if (count == 0) return;
  size_t end = first + count;
  switch (type_) {
    case LeafType::kInt32:
    case LeafType::kInt64:
    case LeafType::kTimestamp:
    case LeafType::kBoolean: {
      int64_t lo = has_ ? imin_ : INT64_MAX, hi = has_ ? imax_ : INT64_MIN;
      if (type_ == LeafType::kInt32) {
        for (size_t i = first; i < end; ++i) {
          lo = std::min<int64_t>(lo, d.i32[i]);
          hi = std::max<int64_t>(hi, d.i32[i]);
        }
      } else if (type_ == LeafType::kBoolean) {
        for (size_t i = first; i < end; ++i) {
          lo = std::min<int64_t>(lo, d.b[i]);
          hi = std::max<int64_t>(hi, d.b[i]);
        }
      } else {
        for (size_t i = first; i < end; ++i) {
          lo = std::min(lo, d.i64[i]);
          hi = std::max(hi, d.i64[i]);
        }
      }
      imin_ = lo;
      imax_ = hi;
      has_ = true;
      break;
    }
    case LeafType::kDouble:
      for (size_t i = first; i < end; ++i) {
        double v = d.f64[i];
        if (std::isnan(v)) {
          ++nan_count_;
          continue;
        }
        if (!has_) {
          dmin_ = dmax_ = v;
          has_ = true;
        } else {
          if (v < dmin_) dmin_ = v;
          if (v > dmax_) dmax_ = v;
        }
      }
      break;
    case LeafType::kString:
    case LeafType::kBinary:
      for (size_t i = first; i < end; ++i) UpdateString(d.str[i]);
      break;
    case LeafType::kUnsupported:
    case LeafType::kFloat:
    case LeafType::kInt96:
    case LeafType::kFixed:
      break;
  }
}

void StatisticsBuilder::UpdateString(std::string_view v) {
  // std::string_view compares char_traits<char>::compare = memcmp: unsigned bytewise.
  if (!has_) {
    smin_.assign(v);
    smax_.assign(v);
    has_ = true;
  } else if (v < std::string_view(smin_)) {
    smin_.assign(v);
  } else if (v > std::string_view(smax_)) {
    smax_.assign(v);
  }
}

format::Statistics StatisticsBuilder::Build() const {
  format::Statistics s;
  s.null_count = null_count_;
  if (type_ == LeafType::kDouble) s.nan_count = nan_count_;
  if (!has_) return s;
  auto raw = [](const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); };
  switch (type_) {
    case LeafType::kInt32: {
      int32_t lo = static_cast<int32_t>(imin_), hi = static_cast<int32_t>(imax_);
      s.min_value = raw(&lo, 4);
      s.max_value = raw(&hi, 4);
      break;
    }
    case LeafType::kInt64:
    case LeafType::kTimestamp:
      s.min_value = raw(&imin_, 8);
      s.max_value = raw(&imax_, 8);
      break;
    case LeafType::kBoolean: {
      char lo = static_cast<char>(imin_), hi = static_cast<char>(imax_);
      s.min_value = std::string(1, lo);
      s.max_value = std::string(1, hi);
      break;
    }
    case LeafType::kDouble: {
      // parquet.thrift ColumnOrder: "if the min is a zero, write -0.0; if the max is a zero, +0.0".
      double lo = dmin_ == 0.0 ? -0.0 : dmin_, hi = dmax_ == 0.0 ? +0.0 : dmax_;
      s.min_value = raw(&lo, 8);
      s.max_value = raw(&hi, 8);
      break;
    }
    case LeafType::kString:
    case LeafType::kBinary:
      s.min_value = smin_;
      s.max_value = smax_;
      return s;  // no deprecated min/max: their order is signed (lake.md §2.9)
    case LeafType::kUnsupported:
    case LeafType::kFloat:
    case LeafType::kInt96:
    case LeafType::kFixed:
      return s;
  }
  s.min = s.min_value;
  s.max = s.max_value;
  return s;
}

}  // namespace pinpipe::lake
