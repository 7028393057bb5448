// The eight analytics of domain.md §3 over the clean tables, as typed columnar operations:
// hash joins on ind (inner, duplicates multiplying), hash aggregation on dictionary-encoded
// keys, top-with-ties (RANK() = 1), lower or interpolated medians. The pin⋈geo questions and
// the pin⋈user questions run on two threads.
//
// Null handling (the spec is silent; both implementations — this one and the DuckDB SQL of
// tests/interop/analytics.test.mjs — agree on it): a row whose group key is null (country,
// category, year, age group) belongs to no group; counts are COUNT(*) of the joined rows;
// medians are over the non-null follower counts and are null for a group whose counts are
// all null; Q3a considers only rows with a follower count; Q6 counts distinct non-null
// user names (0 for a year with rows but no names). Output order as the spec's table, with
// strings compared byte-wise and null poster names first in Q3a.
#pragma once

#include <string_view>
#include <vector>

#include "pinterest/clean_tables.h"
#include "pinterest/median.h"
#include "pinterest/result_table.h"

namespace pinpipe::pinterest {

struct AnalyticsOptions {
  MedianMode median = MedianMode::kLower;
  bool parallel = true;  // pin⋈geo and pin⋈user questions on two threads
};

// Table names, in the order RunAnalytics returns them (Q1, Q2, Q3a, Q3b, Q4..Q8):
// category_by_country, category_by_year, top_user_by_country, top_country,
// category_by_age_group, median_followers_by_age_group, users_joined_by_year,
// median_followers_by_join_year, median_followers_by_age_group_and_join_year.
const std::vector<std::string_view>& AnalyticsTableNames();

// The empty table `index` (0..8, the order above) with its name, title and typed columns: the
// one schema RunAnalytics and the live view (src/live) both fill.
ResultTable EmptyAnalyticsTable(size_t index, MedianMode median);

std::vector<ResultTable> RunAnalytics(const CleanPinTable& pin, const CleanGeoTable& geo,
                                      const CleanUserTable& user,
                                      const AnalyticsOptions& options = {});

}  // namespace pinpipe::pinterest
