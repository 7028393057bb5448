// LiveAnalytics: the eight analytics of domain.md §3 maintained incrementally over a growing
// multiset of clean pin, geo and user rows, exactly: Results() equals, table for table and row
// for row, pinterest::RunAnalytics over every row added so far (in any order of arrival).
//
// - Joins (Q1-Q3 pin⋈geo, Q4/Q5/Q7/Q8 pin⋈user) are symmetric hash joins on `ind`: every row
//   is kept (24 bytes: the columns the analytics read) in a JoinStore — on disk behind a
//   bounded page cache — so a row whose partner arrives later joins when it does; duplicate
//   inds multiply as in SQL.
// - Counts (Q1, Q2, Q4, Q6) are counted value maps; RANK() = 1 with ties is read off them
//   when a result is asked for. Q3a keeps per country the maximum follower count and the
//   distinct poster names at it (insert-only: a larger count resets the set).
// - Medians (Q5, Q7, Q8) are CountedMedian (value -> count with a cursor): both the lower and
//   the interpolated median are exact, so Results() answers either analytics.median setting.
//
// Resident memory is bounded by distinct values (strings, follower counts, groups) and the
// store's cache, not by rows. Rows are only added. Dedup is the input's business: the batch's
// clean tables and the streaming tables are each already deduplicated, and the live view
// counts what they hold. A store I/O error is sticky (status()): the state is then incomplete
// and must be rebuilt. Not thread-safe: one writer; readers take the ResultTables it produces.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "live/counted_median.h"
#include "live/join_store.h"
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
  explicit LiveAnalytics(JoinStoreOptions store = {});

  // Rows [begin, end) of a clean table (end clamped to its size). Only the columns
  // RunAnalytics reads are used (pinterest/README.md: the others may be empty).
  void AddPins(const pinterest::CleanPinTable& t, size_t begin = 0, size_t end = SIZE_MAX);
  void AddGeos(const pinterest::CleanGeoTable& t, size_t begin = 0, size_t end = SIZE_MAX);
  void AddUsers(const pinterest::CleanUserTable& t, size_t begin = 0, size_t end = SIZE_MAX);

  // The nine tables in AnalyticsTableNames() order, or one of them (index 0..8).
  std::vector<pinterest::ResultTable> Results(pinterest::MedianMode mode) const;
  pinterest::ResultTable Result(size_t index, pinterest::MedianMode mode) const;

  const LiveCounts& counts() const { return counts_; }
  // The join store's first I/O error, if any: then the answers are incomplete.
  Status status() const { return store_.status(); }
  const JoinStore& join_store() const { return store_; }

 private:
  static constexpr int32_t kNoYear = INT32_MIN;
  enum Kind : uint8_t { kPin = 0, kGeo = 1, kUser = 2 };
  struct Pin {
    uint32_t category, poster;  // StringIntern ids (kNullId = null)
    int32_t followers;
    bool has_followers;
  };
  struct Geo {
    uint32_t country;
    int32_t year;
  };
  struct User {
    int8_t group;  // age group or kNoAgeGroup
    int32_t year;  // of date_joined, or kNoYear
  };
  struct TopFollowers {  // Q3a per country
    int64_t max = -1;
    std::vector<uint32_t> names;  // distinct poster ids (kNullId = null) at `max`
  };

  void JoinPinGeo(const Pin& p, const Geo& g);
  void JoinPinUser(const Pin& p, const User& u);
  CountedMedian& Q8Median(int group, int32_t year);

  pinterest::ResultTable CategoryByCountry() const;
  pinterest::ResultTable CategoryByYear() const;
  pinterest::ResultTable TopUserByCountry(pinterest::ResultTable* top_country) const;
  pinterest::ResultTable CategoryByAgeGroup() const;
  pinterest::ResultTable MedianByAgeGroup(pinterest::MedianMode mode) const;
  pinterest::ResultTable UsersJoinedByYear() const;
  pinterest::ResultTable MedianByJoinYear(pinterest::MedianMode mode) const;
  pinterest::ResultTable MedianByAgeGroupAndJoinYear(pinterest::MedianMode mode) const;

  StringIntern categories_, countries_, posters_, user_names_;
  JoinStore store_;

  pinterest::FlatMap64<int64_t> q1_{4096}, q2_{256}, q4_{256};  // (group, category) -> count
  std::vector<TopFollowers> q3_;                                // by country id
  std::array<CountedMedian, 4> q5_;
  std::array<uint8_t, 4> q5_present_{};
  pinterest::FlatMap64<uint8_t> q6_seen_{1024};  // (year, user name id)
  std::array<int64_t, 6> q6_joined_{};
  std::array<uint8_t, 6> q6_present_{};
  std::array<CountedMedian, 6> q7_;
  std::array<uint8_t, 6> q7_present_{};
  pinterest::FlatMap64<uint32_t> q8_slot_{64};  // (group, year) -> index + 1
  std::vector<uint64_t> q8_keys_;
  std::vector<CountedMedian> q8_;
  LiveCounts counts_;
};

}  // namespace pinpipe::live
