#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "http/metrics.h"

namespace pinpipe::http {
namespace {

size_t CodeIndex(int code) {
  auto it = std::find(Metrics::kErrorCodes.begin(), Metrics::kErrorCodes.end(), code);
  return static_cast<size_t>(std::distance(Metrics::kErrorCodes.begin(), it));
}

// The dashboard's rejections by code: listed error statuses are counted one by one, on top of
// their class; others (and successes) only in their class.
TEST(MetricsCodes, ErrorStatusesAreCountedByCodeAndClass) {
  Metrics m;
  m.Configure({{"/topics/{topic}", "POST"}}, 2);
  m.shard(0).Observe(0, 200, 1000);
  m.shard(0).Observe(0, 429, 1000);
  m.shard(1).Observe(0, 429, 1000);
  m.shard(1).Observe(0, 404, 1000);
  m.shard(1).Observe(0, 418, 1000);  // not listed
  m.shard(0).Observe(0, 503, 1000);
  auto totals = m.Totals();
  ASSERT_EQ(totals.size(), 2u);  // the route, then "unmatched"
  const auto& t = totals[0];
  EXPECT_EQ(t.count, 6u);
  EXPECT_EQ(t.by_class[1], 1u);
  EXPECT_EQ(t.by_class[3], 4u);
  EXPECT_EQ(t.by_class[4], 1u);
  EXPECT_EQ(t.by_code[CodeIndex(429)], 2u);
  EXPECT_EQ(t.by_code[CodeIndex(404)], 1u);
  EXPECT_EQ(t.by_code[CodeIndex(503)], 1u);
  uint64_t coded = 0;
  for (uint64_t n : t.by_code) coded += n;
  EXPECT_EQ(coded, 4u);  // 418 and 200 are in no code counter
}

}  // namespace
}  // namespace pinpipe::http
