// LiveAnalytics: the eight analytics of domain.md §3 maintained incrementally over a growing
// multiset of clean pin, geo and user rows, exactly: Results() equals, table for table and row
// for row, pinterest::RunAnalytics over every row added so far (in any order of arrival).
//
// - Joins (Q1-Q3 pin⋈geo, Q4/Q5/Q7/Q8 pin⋈user) are symmetric hash joins on `ind`: every row
//   is kept (a few bytes of the columns the analytics read), chained per ind, so a row whose
//   partner arrives later joins when it does; duplicate inds multiply as in SQL.
// - Counts (Q1, Q2, Q4, Q6) are counted value maps; RANK() = 1 with ties is read off them
//   when a result is asked for. Q3a keeps per country the maximum follower count and the
//   distinct poster names at it (insert-only: a larger count resets the set).
// - Medians (Q5, Q7, Q8) are RunningMedian (two heaps): both the lower and the interpolated
//   median are exact, so Results() answers either analytics.median setting.
//
// Rows are only added. Dedup is the input's business: the batch's clean tables and the
// streaming tables are each already deduplicated, and the live view counts what they hold.
// Not thread-safe: one writer; readers take the ResultTables it produces (live_view.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "live/running_median.h"
#include "live/string_intern.h"
#include "pinterest/clean_tables.h"
#include "pinterest/flat_hash.h"
#include "pinterest/median.h"
#include "pinterest/result_table.h"

namespace pinpipe::live {

struct LiveCounts {
  size_t pins = 0, geos = 0, users = 0;
  size_t pin_geo_pairs = 0, pin_user_pairs = 0;
};

class LiveAnalytics {
 public:
  LiveAnalytics();

  // Rows [begin, end) of a clean table (end clamped to its size). Only the columns
  // RunAnalytics reads are used (pinterest/README.md: the others may be empty).
  void AddPins(const pinterest::CleanPinTable& t, size_t begin = 0, size_t end = SIZE_MAX);
  void AddGeos(const pinterest::CleanGeoTable& t, size_t begin = 0, size_t end = SIZE_MAX);
  void AddUsers(const pinterest::CleanUserTable& t, size_t begin = 0, size_t end = SIZE_MAX);

  // The nine tables in AnalyticsTableNames() order, or one of them (index 0..8).
  std::vector<pinterest::ResultTable> Results(pinterest::MedianMode mode) const;
  pinterest::ResultTable Result(size_t index, pinterest::MedianMode mode) const;

  const LiveCounts& counts() const { return counts_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr int32_t kNoYear = INT32_MIN;
  struct Pin {
    uint32_t category, poster;  // StringIntern ids (kNullId = null)
    int32_t followers;
    bool has_followers;
    uint32_t next;  // previous pin row of the same ind (kNone ends the chain)
  };
  struct Geo {
    uint32_t country;
    int32_t year;
    uint32_t next;
  };
  struct User {
    int8_t group;  // age group or kNoAgeGroup
    int32_t year;  // of date_joined, or kNoYear
    uint32_t next;
  };
  struct Heads {  // the newest row of each table with this ind
    uint32_t pin = kNone, geo = kNone, user = kNone;
  };
  struct TopFollowers {  // Q3a per country
    int64_t max = -1;
    std::vector<uint32_t> names;  // distinct poster ids (kNullId = null) at `max`
  };

  void JoinPinGeo(const Pin& p, const Geo& g);
  void JoinPinUser(const Pin& p, const User& u);
  RunningMedian& Q8Median(int group, int32_t year);

  pinterest::ResultTable CategoryByCountry() const;
  pinterest::ResultTable CategoryByYear() const;
  pinterest::ResultTable TopUserByCountry(pinterest::ResultTable* top_country) const;
  pinterest::ResultTable CategoryByAgeGroup() const;
  pinterest::ResultTable MedianByAgeGroup(pinterest::MedianMode mode) const;
  pinterest::ResultTable UsersJoinedByYear() const;
  pinterest::ResultTable MedianByJoinYear(pinterest::MedianMode mode) const;
  pinterest::ResultTable MedianByAgeGroupAndJoinYear(pinterest::MedianMode mode) const;

  StringIntern categories_, countries_, posters_, user_names_;
  std::vector<Pin> pins_;
  std::vector<Geo> geos_;
  std::vector<User> users_;
  pinterest::FlatMap64<Heads> heads_;

  pinterest::FlatMap64<int64_t> q1_{4096}, q2_{256}, q4_{256};  // (group, category) -> count
  std::vector<TopFollowers> q3_;                                // by country id
  std::array<RunningMedian, 4> q5_;
  std::array<uint8_t, 4> q5_present_{};
  pinterest::FlatMap64<uint8_t> q6_seen_{1024};  // (year, user name id)
  std::array<int64_t, 6> q6_joined_{};
  std::array<uint8_t, 6> q6_present_{};
  std::array<RunningMedian, 6> q7_;
  std::array<uint8_t, 6> q7_present_{};
  pinterest::FlatMap64<uint32_t> q8_slot_{64};  // (group, year) -> index + 1
  std::vector<uint64_t> q8_keys_;
  std::vector<RunningMedian> q8_;
  LiveCounts counts_;
};

}  // namespace pinpipe::live
