#include "orchestrator/backfill.h"

#include <algorithm>

#include "orchestrator/civil_time.h"

namespace pinpipe::orchestrator {

bool BackfillResult::ok() const {
  return std::all_of(runs.begin(), runs.end(), [](const DagRunResult& r) { return r.ok(); });
}

Result<BackfillResult> Backfill(const DagDefinition& dag, const BackfillOptions& options,
                                RunHistory& history) {
  PINPIPE_ASSIGN_OR_RETURN(auto from, ParseDate(options.from));
  PINPIPE_ASSIGN_OR_RETURN(auto to, ParseDate(options.to));
  if (to < from) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "backfill: --to " + options.to + " is before --from " + options.from);
  }
  if ((to - from).count() >= kMaxBackfillDays) {
    return MakeError(ErrorCode::kInvalidArgument, "backfill: more than " +
                                                      std::to_string(kMaxBackfillDays) + " days");
  }
  BackfillResult out;
  for (auto day = from; day <= to; day += std::chrono::days(1)) {
    if (options.cancel && options.cancel->load()) break;
    const std::string date = FormatDate(day);
    if (!options.rerun) {
      PINPIPE_ASSIGN_OR_RETURN(bool done, history.HasSuccessfulRun(dag.id(), date));
      if (done) {
        out.skipped_dates.push_back(date);
        if (options.on_date) options.on_date(date, true);
        continue;
      }
    }
    if (options.on_date) options.on_date(date, false);
    RunOptions run;
    run.logical_date = date;
    run.trigger = Trigger::kBackfill;
    run.parallelism = options.parallelism;
    run.cancel = options.cancel;
    run.observer = options.observer;
    PINPIPE_ASSIGN_OR_RETURN(auto result, RunDag(dag, run, &history));
    out.runs.push_back(std::move(result));
  }
  return out;
}

}  // namespace pinpipe::orchestrator
