#include "batch/report_convert.h"

#include "pinterest/country_codes.h"

namespace pinpipe::batch {

report::Table ToReportTable(const pinterest::ResultTable& t) {
  report::Table out;
  out.name = t.name;
  out.title = t.title;
  for (const auto& c : t.columns) {
    report::ColumnType type = report::ColumnType::kString;
    switch (c.type) {
      case pinterest::ColumnType::kLong:
      case pinterest::ColumnType::kInt:
        type = report::ColumnType::kInt;
        break;
      case pinterest::ColumnType::kDouble:
        type = report::ColumnType::kDouble;
        break;
      case pinterest::ColumnType::kTimestamp:
        type = report::ColumnType::kTimestamp;
        break;
      case pinterest::ColumnType::kString:
      case pinterest::ColumnType::kDoubleArray:
        break;
    }
    out.columns.push_back({c.name, type});
  }
  const size_t rows = t.num_rows();
  out.rows.resize(rows);
  for (size_t r = 0; r < rows; ++r) {
    auto& row = out.rows[r];
    row.reserve(t.columns.size());
    for (const auto& c : t.columns) {
      if (c.IsNull(r)) {
        row.emplace_back(std::monostate{});
        continue;
      }
      switch (c.type) {
        case pinterest::ColumnType::kLong:
        case pinterest::ColumnType::kInt:
          row.emplace_back(c.ints[r]);
          break;
        case pinterest::ColumnType::kTimestamp:
          row.emplace_back(report::Timestamp{c.ints[r]});
          break;
        case pinterest::ColumnType::kDouble:
          row.emplace_back(c.doubles[r]);
          break;
        case pinterest::ColumnType::kString:
        case pinterest::ColumnType::kDoubleArray:
          row.emplace_back(c.strings[r]);
          break;
      }
    }
  }
  return out;
}

std::optional<report::ChartSpec> ChartFor(const pinterest::ResultTable& t) {
  struct Known {
    std::string_view table, category, label, series, value;
  };
  static constexpr Known kCharts[] = {
      {"category_by_country", "country", "category", "", "category_count"},
      {"category_by_year", "post_year", "category", "", "category_count"},
      {"top_user_by_country", "country", "poster_name", "", "follower_count"},
      {"top_country", "country", "", "", "follower_count"},
      {"category_by_age_group", "age_group", "category", "", "category_count"},
      {"median_followers_by_age_group", "age_group", "", "", "median_follower_count"},
      {"users_joined_by_year", "post_year", "", "", "number_users_joined"},
      {"median_followers_by_join_year", "post_year", "", "", "median_follower_count"},
      {"median_followers_by_age_group_and_join_year", "age_group", "", "post_year",
       "median_follower_count"},
  };
  for (const auto& k : kCharts) {
    if (k.table != t.name) continue;
    const pinterest::ResultColumn* value = t.Column(k.value);
    if (value == nullptr) return std::nullopt;
    bool any = false;
    for (size_t r = 0; r < value->size() && !any; ++r) any = !value->IsNull(r);
    if (!any) return std::nullopt;  // nothing to draw: the table alone
    report::ChartSpec spec = k.series.empty()
                                 ? report::BarsOf(std::string(k.category), std::string(k.value))
                                 : report::GroupedBarsOf(std::string(k.category), std::string(k.series),
                                                         std::string(k.value));
    if (!k.label.empty()) spec.label_columns.push_back(std::string(k.label));
    return spec;
  }
  return std::nullopt;
}

std::optional<report::WorldMapSpec> MapFor(const pinterest::ResultTable& t) {
  if (t.name != "category_by_country") return std::nullopt;
  const pinterest::ResultColumn* names = t.Column("country");
  const pinterest::ResultColumn* cats = t.Column("category");
  const pinterest::ResultColumn* counts = t.Column("category_count");
  if (!names || !cats || !counts) return std::nullopt;
  report::WorldMapSpec spec;
  spec.title = "Most popular category per country";
  spec.value_label = "pins";
  for (size_t r = 0; r < t.num_rows(); ++r) {
    if (names->IsNull(r) || cats->IsNull(r)) continue;
    const std::string& name = names->strings[r];
    const int64_t n = counts->IsNull(r) ? 0 : counts->ints[r];
    // Rows are sorted by country, category: a tie follows its country's first row.
    if (!spec.regions.empty() && spec.regions.back().label == name) {
      spec.regions.back().ties.push_back(cats->strings[r]);
      continue;
    }
    const pinterest::CountryCode* code = pinterest::FindCountryCode(name);
    spec.regions.push_back({name, code && code->shaped ? code->iso : 0, cats->strings[r], n, {}});
  }
  return spec;
}

}  // namespace pinpipe::batch
