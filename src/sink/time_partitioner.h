// TimeBasedPartitioner: Confluent's time-based layout of the S3 sink (reference/protocols.md
// §4.1, storage-common's TimeBasedPartitioner). A record's timestamp is floored to its bucket of
// `partition.duration.ms` in local time of `timezone`, and the bucket's start is formatted with
// the Joda pattern `path.format` in `timezone` and `locale`: the encoded partition, e.g.
// "year=2024/month=01/day=15/hour=13", giving
//   <topics.dir>/<topic>/<encoded partition>/<topic>+<p>+<start offset>.json
// DailyPartitioner and HourlyPartitioner are the same with their fixed format and duration.
//
// Joda pattern letters supported: G C Y y x w e E D M d a K h H k m s S Z, quoted literals
// ('year'=YYYY, '' for a quote) and any other non-letter as itself. Month and day names (MMM,
// EEE, a, G) are English; another locale with them is refused (numbers are the same in every
// locale). A pattern letter Joda does not know, or `z` (zone names), is refused at validation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sink/time_zone.h"

namespace pinpipe::sink {

inline constexpr std::string_view kDailyPathFormat = "'year'=YYYY/'month'=MM/'day'=dd";
inline constexpr std::string_view kHourlyPathFormat = "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH";

class TimeBasedPartitioner {
 public:
  // kInvalidArgument naming the setting (path.format, partition.duration.ms, locale, timezone).
  static Result<TimeBasedPartitioner> Make(std::string_view path_format, int64_t duration_ms,
                                           std::string_view locale, std::string_view timezone);

  // The UTC start of the bucket holding `ts_ms` (Confluent's getPartition: floored in local time).
  int64_t BucketStart(int64_t ts_ms) const;
  // Appends the encoded partition of a bucket start (no allocation once `out` is warm).
  void AppendEncoded(int64_t bucket_start_ms, std::string& out) const;
  std::string Encoded(int64_t bucket_start_ms) const {
    std::string s;
    AppendEncoded(bucket_start_ms, s);
    return s;
  }
  int64_t duration_ms() const { return duration_ms_; }
  const TimeZone& zone() const { return zone_; }

 private:
  struct Token {
    char letter = 0;  // 0 = literal
    int count = 0;
    std::string literal;
  };
  std::vector<Token> tokens_;
  int64_t duration_ms_ = 0;
  TimeZone zone_;
};

}  // namespace pinpipe::sink
