// Consumer-group offset reset, as `kafka-consumer-groups --reset-offsets` does it: a request
// names a group, one or more topics (all their partitions, or the listed ones) and one
// strategy — to-earliest, to-latest, to-offset N, to-datetime T, shift-by N — and gets a plan,
// per partition, of the committed offset now → the new one and the lag after. A dry run stops
// there; an execution commits the plan to the log's OffsetStore (durable when it returns).
//
// Invariants: every new offset is clamped to [log start, log end] of its partition (Kafka's
// tool does the same); to-datetime picks the first record whose timestamp is >= T (the log's
// time lookup finds the batch, a scan of that batch finds the record), or the log end when no
// record is that recent. Refusing a reset while the group has live members is the caller's
// job (Dashboard::ResetOffsets), since members live in the REST Proxy and the Kafka broker.
// Reads the log and fsyncs: never called on a reactor thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "log/log_manager.h"

namespace pinpipe::ui {

enum class ResetStrategy { kEarliest, kLatest, kOffset, kDatetime, kShiftBy };

struct ResetRequest {
  std::vector<std::string> topics;
  std::vector<int32_t> partitions;  // empty: every partition of each topic
  ResetStrategy strategy = ResetStrategy::kEarliest;
  int64_t value = 0;  // the offset, the time in ms since the epoch, or the shift
  bool dry_run = true;
};

// {"topics":[...]|"topic":"t", "partitions":[0,1]?, "strategy":"to-earliest"|"to-latest"|
//  "to-offset"|"to-datetime"|"shift-by", "value": N or an ISO-8601 time, "dry_run": true?}
// dry_run defaults to true: only an explicit false changes offsets.
Result<ResetRequest> ParseResetRequest(std::string_view body);

struct ResetRow {
  std::string topic;
  int32_t partition = 0;
  std::optional<int64_t> current;  // the committed offset; none if the group never committed
  int64_t target = 0;
  int64_t log_start = 0, log_end = 0;
};

// One partition's new offset: pure. `first_at_time` is the to-datetime lookup's answer.
// shift-by from no committed offset starts at the log end (a consumer without offsets and
// Kafka's default auto.offset.reset=latest would start there).
int64_t ResetTarget(ResetStrategy strategy, int64_t value, std::optional<int64_t> current, int64_t log_start,
                    int64_t log_end, int64_t first_at_time);

// The plan for `group`; kNotFound for an unknown topic or partition.
Result<std::vector<ResetRow>> PlanReset(log::LogManager& log, std::string_view group, const ResetRequest& req);
// Commits the plan's targets (one durable write).
Status ExecuteReset(log::OffsetStore& offsets, std::string_view group, const std::vector<ResetRow>& plan);

std::string ResetPlanJson(std::string_view group, const ResetRequest& req, const std::vector<ResetRow>& plan,
                          bool executed);

}  // namespace pinpipe::ui
