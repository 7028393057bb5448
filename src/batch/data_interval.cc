#include "batch/data_interval.h"

#include <chrono>
#include <cstdio>

#include "sink/timestamp_extractor.h"

namespace pinpipe::batch {

Result<DataInterval> DayInterval(std::string_view logical_date, const sink::TimeZone& zone) {
  auto midnight = logical_date.size() == 10 ? sink::ParseIsoMillis(logical_date) : std::nullopt;
  if (!midnight) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "logical date '" + std::string(logical_date) + "' is not YYYY-MM-DD");
  }
  // The local midnights of D and D+1 (a day is 23 or 25 hours long across a DST change).
  DataInterval iv;
  iv.start_ms = zone.LocalToUtc(*midnight);
  iv.end_ms = zone.LocalToUtc(*midnight + 86'400'000);
  return iv;
}

Result<std::vector<std::string>> EncodedPartitionsOf(const sink::TimeBasedPartitioner& p,
                                                     const DataInterval& interval) {
  constexpr int64_t kDay = 86'400'000;
  if (p.duration_ms() > kDay || kDay % p.duration_ms() != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "dag.data_selection=interval needs time buckets that tile a day: "
                     "sink.partition_duration_ms must divide 86400000 (is " +
                         std::to_string(p.duration_ms()) + ")");
  }
  std::vector<std::string> out;
  int64_t t = interval.start_ms;
  while (t < interval.end_ms && out.size() < 100'000) {
    const int64_t b = p.BucketStart(t);
    if (b >= interval.start_ms) {
      std::string enc = p.Encoded(b);
      if (out.empty() || out.back() != enc) out.push_back(std::move(enc));
    }
    // The next bucket: one duration on, past an hour repeated when clocks go back.
    int64_t next = b + p.duration_ms();
    while (p.BucketStart(next) <= b) next += 3'600'000;
    t = std::max(next, t + 1);
  }
  return out;
}

Result<DateRange> WindowOf(std::string_view logical_date, int64_t days) {
  auto midnight = logical_date.size() == 10 ? sink::ParseIsoMillis(logical_date) : std::nullopt;
  if (!midnight || days < 1) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "analytics window: logical date '" + std::string(logical_date) + "', " +
                         std::to_string(days) + " days");
  }
  using namespace std::chrono;
  const sys_days first{std::chrono::days{*midnight / 86'400'000 - (days - 1)}};
  const year_month_day ymd{first};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return DateRange{buf, std::string(logical_date)};
}

}  // namespace pinpipe::batch
