// The DAG page's graph (tasks and their dependencies), a task run's log read as a tail (the
// runner records it in the run history: orchestrator/run_history.h TaskLog) and the backfill
// form: validated here (dates, order, size), planned and started by the scheduler's Backfill
// through DashboardHooks::backfill_dag.
#include <simdjson.h>

#include "orchestrator/civil_time.h"
#include "orchestrator/run_history.h"
#include "ui/api_json.h"
#include "ui/dashboard.h"
#include "ui/error_response.h"

namespace pinpipe::ui {
namespace {


}  // namespace

http::Response Dashboard::DagGraph(std::string dag) {
  if (!hooks_.dag_graph) return ErrorResponse(503, "the scheduler's DAGs are not loaded in this process");
  auto g = hooks_.dag_graph(dag);
  if (!g) return ErrorResponse(HttpStatusOf(g.error()), g.error().message());
  JsonWriter w;
  w.BeginObject().Field("dag_id", std::string_view(dag)).Key("tasks").BeginArray();
  for (const auto& t : *g) {
    w.BeginObject().Field("task_id", std::string_view(t.task_id)).Key("upstream").BeginArray();
    for (const auto& u : t.upstream) w.String(u);
    w.EndArray().EndObject();
  }
  w.EndArray().EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::TaskLog(int64_t run_pk, std::string task, int64_t after, int64_t limit) {
  auto* runs = Runs();
  if (!runs) return ErrorResponse(404, "no run history yet");
  if (task.empty()) return ErrorResponse(400, "task is required");
  auto t = runs->Task(run_pk, task);
  if (!t) return ErrorResponse(500, t.error().message());
  if (!*t) return ErrorResponse(404, "no task " + task + " in run " + std::to_string(run_pk));
  auto lines = runs->TaskLog(run_pk, task, after, static_cast<int>(limit));
  if (!lines) return ErrorResponse(500, lines.error().message());
  using orchestrator::TaskState;
  const TaskState st = (*t)->state;
  // A tail stops following once the task can write no more lines.
  const bool done = st != TaskState::kPending && st != TaskState::kRunning && st != TaskState::kUpForRetry;
  JsonWriter w;
  w.BeginObject().Key("run").Int(run_pk).Field("task_id", std::string_view(task));
  w.Field("state", orchestrator::TaskStateName(st)).Field("done", done).Key("lines").BeginArray();
  int64_t last = after;
  for (const auto& l : *lines) {
    w.BeginObject().Key("seq").Int(l.seq).Key("ts_us").Int(l.ts_us).Key("attempt").Int(l.attempt);
    w.Field("line", std::string_view(l.line)).EndObject();
    last = l.seq;
  }
  w.EndArray().Key("last_seq").Int(last).Field("more", static_cast<int64_t>(lines->size()) == limit).EndObject();
  return http::Response::Json(200, w.Take());
}

http::Response Dashboard::Backfill(std::string dag, std::string body) {
  if (!hooks_.backfill_dag) return ErrorResponse(503, "the scheduler is not running in this process");
  std::string from, to;
  bool rerun = false, dry_run = true;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS) return ErrorResponse(400, "the body must be a JSON object");
  if (std::string_view v; doc["from"].get_string().get(v) == simdjson::SUCCESS) from = std::string(v);
  if (std::string_view v; doc["to"].get_string().get(v) == simdjson::SUCCESS) to = std::string(v);
  if (bool b; doc["rerun"].get_bool().get(b) == simdjson::SUCCESS) rerun = b;
  if (bool b; doc["dry_run"].get_bool().get(b) == simdjson::SUCCESS) dry_run = b;
  auto f = orchestrator::ParseDate(from);
  if (!f) return ErrorResponse(400, "from must be a date YYYY-MM-DD");
  auto t = orchestrator::ParseDate(to);
  if (!t) return ErrorResponse(400, "to must be a date YYYY-MM-DD");
  if (*t < *f) return ErrorResponse(400, "the end date " + to + " is before the start date " + from);
  const int64_t days = (*t - *f).count() + 1;
  if (days > kMaxBackfillRuns) {
    return ErrorResponse(400, "too many runs: " + std::to_string(days) + " dates, at most " + std::to_string(kMaxBackfillRuns) +
                          " per backfill from the dashboard (pinpipe dag backfill takes more)");
  }
  auto plan = hooks_.backfill_dag(dag, from, to, rerun, dry_run);
  if (!plan) return ErrorResponse(HttpStatusOf(plan.error()), plan.error().message());
  JsonWriter w;
  int64_t runs = 0;
  w.BeginObject().Field("dag_id", std::string_view(dag)).Field("from", std::string_view(from));
  w.Field("to", std::string_view(to)).Field("rerun", rerun).Field("dry_run", dry_run).Key("dates").BeginArray();
  for (const auto& d : *plan) {
    w.BeginObject().Field("date", std::string_view(d.date)).Field("skip", d.skip).EndObject();
    runs += d.skip ? 0 : 1;
  }
  w.EndArray().Key("runs").Int(runs).Field("started", !dry_run).EndObject();
  return http::Response::Json(dry_run ? 200 : 202, w.Take());
}

}  // namespace pinpipe::ui
