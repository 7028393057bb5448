#include "pinterest/clean_export.h"

namespace pinpipe::pinterest {

namespace {

void PushStr(ResultColumn& out, const StringColumn& c, size_t i) {
  c.IsValid(i) ? out.PushString(c.Get(i)) : out.PushNull();
}
template <typename T>
void PushNum(ResultColumn& out, const NumericColumn<T>& c, size_t i) {
  if (c.IsNull(i)) {
    out.PushNull();
  } else if constexpr (std::is_floating_point_v<T>) {
    out.PushDouble(c.values[i]);
  } else {
    out.PushInt(c.values[i]);
  }
}

ResultTable Make(std::string_view name, std::span<const ColumnSpec> schema) {
  ResultTable t;
  t.name = name;
  t.title = name;
  for (const auto& s : schema) {
    if (s.type == ColumnType::kDoubleArray) {
      t.columns.emplace_back("latitude", ColumnType::kDouble);
      t.columns.emplace_back("longitude", ColumnType::kDouble);
    } else {
      t.columns.emplace_back(std::string(s.name), s.type);
    }
  }
  return t;
}

}  // namespace

ResultTable CleanPinToResult(const CleanPinTable& t) {
  ResultTable r = Make("pin", CleanPinTable::Schema());
  auto& c = r.columns;
  for (size_t i = 0; i < t.size(); ++i) {
    c[0].PushInt(t.ind[i]);
    PushStr(c[1], t.unique_id, i);
    PushStr(c[2], t.title, i);
    PushStr(c[3], t.description, i);
    PushNum(c[4], t.follower_count, i);
    PushStr(c[5], t.poster_name, i);
    PushStr(c[6], t.tag_list, i);
    PushStr(c[7], t.is_image_or_video, i);
    PushStr(c[8], t.image_src, i);
    PushStr(c[9], t.save_location, i);
    PushStr(c[10], t.category, i);
  }
  return r;
}

ResultTable CleanGeoToResult(const CleanGeoTable& t) {
  ResultTable r = Make("geo", CleanGeoTable::Schema());
  auto& c = r.columns;
  for (size_t i = 0; i < t.size(); ++i) {
    c[0].PushInt(t.ind[i]);
    PushStr(c[1], t.country, i);
    PushNum(c[2], t.latitude, i);
    PushNum(c[3], t.longitude, i);
    PushNum(c[4], t.timestamp, i);
  }
  return r;
}

ResultTable CleanUserToResult(const CleanUserTable& t) {
  ResultTable r = Make("user", CleanUserTable::Schema());
  auto& c = r.columns;
  for (size_t i = 0; i < t.size(); ++i) {
    c[0].PushInt(t.ind[i]);
    PushStr(c[1], t.user_name, i);
    PushNum(c[2], t.age, i);
    PushNum(c[3], t.date_joined, i);
  }
  return r;
}

ResultTable QuarantineToResult(const QuarantineTable& t) {
  ResultTable r;
  r.name = r.title = "quarantine";
  r.columns.emplace_back("table", ColumnType::kString);
  r.columns.emplace_back("reason", ColumnType::kString);
  r.columns.emplace_back("raw", ColumnType::kString);
  for (size_t i = 0; i < t.size(); ++i) {
    r.columns[0].PushString(RawKindName(t.table[i]));
    r.columns[1].PushString(t.reason.Get(i));
    r.columns[2].PushString(t.raw.Get(i));
  }
  return r;
}

}  // namespace pinpipe::pinterest
