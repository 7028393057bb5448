// Which raw objects a run reads (dag.data_selection):
//   all       every object in the lake, whatever the logical date (the original's notebooks
//             re-read topics/* on every run);
//   interval  the run's data interval only, as Airflow means it: the logical date D's day
//             [D 00:00, D+1 00:00) in sink.timezone. With the sink's time-based layout the
//             objects of the time buckets inside that day (by record time); with the default
//             layout the objects the sink landed during that day (their LastModified/mtime:
//             each flush round lands its offsets once, so every offset belongs to exactly one
//             day's manifest).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "batch/table_reader.h"
#include "common/status.h"
#include "sink/time_partitioner.h"
#include "sink/time_zone.h"

namespace pinpipe::batch {

enum class DataSelection { kAll, kInterval };

struct DataInterval {
  int64_t start_ms = 0;  // inclusive, UTC
  int64_t end_ms = 0;    // exclusive
  bool Contains(int64_t ms) const { return ms >= start_ms && ms < end_ms; }
};

// The day of `logical_date` (YYYY-MM-DD) in `zone`.
Result<DataInterval> DayInterval(std::string_view logical_date, const sink::TimeZone& zone);

// The encoded partitions (path.format of each bucket) of the buckets that start inside the
// interval. kInvalidArgument when buckets do not tile a day (partition.duration.ms must divide
// 86400000): a bucket across two days would belong to both runs.
Result<std::vector<std::string>> EncodedPartitionsOf(const sink::TimeBasedPartitioner& p,
                                                     const DataInterval& interval);

// The dates [logical_date - (days - 1), logical_date] as ISO strings (dag.analytics_window_days).
Result<DateRange> WindowOf(std::string_view logical_date, int64_t days);

}  // namespace pinpipe::batch
