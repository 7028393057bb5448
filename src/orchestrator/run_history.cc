#include "orchestrator/run_history.h"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <thread>
#include <variant>

#include "common/file_system.h"
#include "common/logging.h"
#include "common/mutex.h"

namespace pinpipe::orchestrator {
namespace {

constexpr std::array<std::string_view, 4> kTriggers = {"manual", "scheduled", "backfill",
                                                       "external"};
constexpr std::array<std::string_view, 4> kRunStates = {"running", "success", "failed", "skipped"};
constexpr std::array<std::string_view, 7> kTaskStates = {
    "pending", "running", "up_for_retry", "success", "failed", "upstream_failed", "skipped"};

template <typename E, size_t N>
Result<E> ParseName(const std::array<std::string_view, N>& names, std::string_view s,
                    const char* what) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return MakeError(ErrorCode::kCorruption, std::string("unknown ") + what + " '" + std::string(s) + "'");
}

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS dag_runs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  dag_id        TEXT NOT NULL,
  run_id        TEXT NOT NULL,
  logical_date  TEXT NOT NULL,
  run_trigger   TEXT NOT NULL,
  state         TEXT NOT NULL,
  start_us      INTEGER NOT NULL,
  end_us        INTEGER NOT NULL DEFAULT 0,
  scheduled_for INTEGER,
  UNIQUE (dag_id, run_id)
);
CREATE INDEX IF NOT EXISTS dag_runs_by_date ON dag_runs (dag_id, logical_date, state);
CREATE TABLE IF NOT EXISTS task_instances (
  run_pk              INTEGER NOT NULL REFERENCES dag_runs(id),
  task_id             TEXT NOT NULL,
  ord                 INTEGER NOT NULL,
  state               TEXT NOT NULL,
  attempts            INTEGER NOT NULL DEFAULT 0,
  start_us            INTEGER NOT NULL DEFAULT 0,
  duration_us         INTEGER NOT NULL DEFAULT 0,
  records_in          INTEGER NOT NULL DEFAULT 0,
  records_out         INTEGER NOT NULL DEFAULT 0,
  records_quarantined INTEGER NOT NULL DEFAULT 0,
  summary             TEXT NOT NULL DEFAULT '',
  error               TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (run_pk, task_id)
);
CREATE TABLE IF NOT EXISTS task_log (
  run_pk  INTEGER NOT NULL,
  task_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  ts_us   INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  line    TEXT NOT NULL,
  PRIMARY KEY (run_pk, task_id, seq)
);
)sql";

using Arg = std::variant<int64_t, std::string, std::nullptr_t>;

// One prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Status Bind(const std::vector<Arg>& args) {
    if (rc_ != SQLITE_OK) return Fail("prepare");
    for (size_t i = 0; i < args.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      if (const auto* v = std::get_if<int64_t>(&args[i])) {
        sqlite3_bind_int64(stmt_, idx, *v);
      } else if (const auto* s = std::get_if<std::string>(&args[i])) {
        sqlite3_bind_text(stmt_, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt_, idx);
      }
    }
    return OkStatus();
  }
  // true = a row is available, false = done.
  Result<bool> Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Fail("step");
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : "";
  }
  std::unexpected<Error> Fail(const char* what) const {
    const int code = sqlite3_extended_errcode(db_);
    return MakeError(code == SQLITE_CONSTRAINT_UNIQUE ? ErrorCode::kAlreadyExists : ErrorCode::kIoError,
                     std::string("run history ") + what + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Status Exec(sqlite3* db, std::string_view sql, const std::vector<Arg>& args = {}) {
  Stmt s(db, sql);
  PINPIPE_RETURN_IF_ERROR(s.Bind(args));
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return OkStatus();
  }
}

constexpr std::string_view kRunColumns =
    "SELECT id, dag_id, run_id, logical_date, run_trigger, state, start_us, end_us, scheduled_for "
    "FROM dag_runs ";

constexpr std::string_view kTaskColumns =
    "SELECT task_id, state, attempts, start_us, duration_us, records_in, records_out, "
    "records_quarantined, summary, error FROM task_instances ";

Result<TaskInstanceRecord> ReadTask(const Stmt& s) {
  TaskInstanceRecord t;
  t.task_id = s.Text(0);
  PINPIPE_ASSIGN_OR_RETURN(t.state, ParseTaskState(s.Text(1)));
  t.attempts = static_cast<int>(s.Int(2));
  t.start_us = s.Int(3);
  t.duration_us = s.Int(4);
  t.records_in = s.Int(5);
  t.records_out = s.Int(6);
  t.records_quarantined = s.Int(7);
  t.summary = s.Text(8);
  t.error = s.Text(9);
  return t;
}

}  // namespace

std::string_view TriggerName(Trigger t) { return kTriggers[static_cast<size_t>(t)]; }
std::string_view RunStateName(RunState s) { return kRunStates[static_cast<size_t>(s)]; }
std::string_view TaskStateName(TaskState s) { return kTaskStates[static_cast<size_t>(s)]; }
Result<Trigger> ParseTrigger(std::string_view s) { return ParseName<Trigger>(kTriggers, s, "trigger"); }
Result<RunState> ParseRunState(std::string_view s) { return ParseName<RunState>(kRunStates, s, "run state"); }
Result<TaskState> ParseTaskState(std::string_view s) { return ParseName<TaskState>(kTaskStates, s, "task state"); }

std::string RunHistory::DefaultPath(std::string_view data_dir) {
  return JoinPath(JoinPath(data_dir, "state"), "runs.db");
}

namespace {

// True when `path` is an SQLite database that fails its own consistency check (a truncated or
// overwritten file). An unreadable or locked file is not "damaged": its error is reported.
bool IsDamagedDatabase(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return false;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  bool damaged = false;
  if (rc == SQLITE_OK) {
    sqlite3_busy_timeout(db, 10000);
    sqlite3_stmt* st = nullptr;
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        damaged = text == nullptr || std::string_view(text) != "ok";
      }
      sqlite3_finalize(st);
    }
  }
  damaged = damaged || rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
  sqlite3_close(db);
  return damaged;
}

constexpr int kBusyTimeoutMs = 10000;

// PRAGMA journal_mode=WAL on a database still in rollback mode upgrades the pragma's read lock
// to a write lock, and SQLite does not call the busy handler for such an upgrade (it could
// deadlock): while another connection writes (another process, or a second RunHistory of this
// one opening at the same moment), it fails at once with "database is locked". Retried here
// for as long as the busy timeout would have waited.
Status SwitchToWal(sqlite3* db) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  while (true) {
    Status st = Exec(db, "PRAGMA journal_mode=WAL");
    if (st || (sqlite3_errcode(db) & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Result<std::unique_ptr<RunHistory>> RunHistory::Open(const std::string& path) {
  const auto dir = std::filesystem::path(path).parent_path();
  // The run history is bookkeeping, not data: a damaged one (a truncated file after a disk
  // fault) is kept aside for inspection and a new one started, so that the scheduler and
  // `serve` keep working. The runs it held are reported lost, loudly.
  const bool on_disk_path = !path.empty() && path != ":memory:" && !path.starts_with("file:");
  if (on_disk_path && IsDamagedDatabase(path)) {
    const std::string aside = path + ".damaged-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count());
    std::error_code ec;
    std::filesystem::rename(path, aside, ec);
    if (ec) return MakeError(ErrorCode::kCorruption, "run history " + path + " is damaged and cannot be moved aside: " + ec.message());
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::rename(path + suffix, aside + suffix, ec);
    spdlog::error("run history {} was damaged (SQLite's quick_check failed); kept as {} and a new, empty history started: "
                  "earlier runs are no longer listed", path, aside);
  }
  if (!dir.empty()) PINPIPE_RETURN_IF_ERROR(FileSystem::Default()->MkdirAll(dir.string()));
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                        SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return MakeError(ErrorCode::kIoError, "open run history " + path + ": " + msg);
  }
  const bool on_disk = !path.empty() && path != ":memory:" && !path.starts_with("file:");
  std::unique_ptr<RunHistory> h(
      new RunHistory(db, on_disk ? JoinPath(dir.empty() ? "." : dir.string(), "run_locks") : ""));
  // Another process may hold the write lock for a moment: wait rather than fail.
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  PINPIPE_RETURN_IF_ERROR(SwitchToWal(db));
  PINPIPE_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous=NORMAL"));
  char* err = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return MakeError(ErrorCode::kIoError, "run history schema in " + path + ": " + msg);
  }
  // A process killed mid-run left its run "running": settle it now (best effort; a history
  // that cannot be written is reported by the first write that matters).
  const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  if (auto reaped = h->ReapAbandonedRuns(now_us); !reaped) {
    spdlog::warn("run history: checking for abandoned runs: {}", reaped.error().message());
  }
  return h;
}

Result<std::unique_ptr<RunLease>> RunHistory::HoldRun(int64_t id, std::string_view task_id) {
  if (lock_dir_.empty()) return std::unique_ptr<RunLease>();
  return RunLease::Acquire(lock_dir_, LeaseName(id, task_id));
}

Result<int> RunHistory::ReapAbandonedRuns(int64_t now_us) {
  if (lock_dir_.empty()) return 0;
  PINPIPE_ASSIGN_OR_RETURN(auto running,
                           QueryRuns(std::string(kRunColumns) + "WHERE state = 'running'", {}));
  int reaped = 0;
  for (const auto& run : running) {
    PINPIPE_ASSIGN_OR_RETURN(auto gone, TakeAbandonedLeases(lock_dir_, run.id));
    if (gone.empty()) continue;
    PINPIPE_ASSIGN_OR_RETURN(auto tasks, Tasks(run.id));
    bool whole_run = false;
    for (const auto& lease : gone) {
      const std::string reason = "abandoned: " + lease.holder +
                                 " stopped without finishing it (killed or crashed)";
      whole_run = whole_run || lease.task_id.empty();
      for (auto& t : tasks) {
        const bool mine = lease.task_id.empty() || LeaseName(run.id, t.task_id) == lease.name;
        if (!mine) continue;
        if (t.state == TaskState::kRunning || t.state == TaskState::kUpForRetry) {
          t.state = TaskState::kFailed;
          t.error = reason;
        } else if (t.state == TaskState::kPending && lease.task_id.empty()) {
          t.state = TaskState::kSkipped;
          t.error = "run abandoned";
        } else {
          continue;
        }
        PINPIPE_RETURN_IF_ERROR(UpdateTask(run.id, t));
      }
    }
    if (whole_run) {
      MutexLock lock(mu_);
      PINPIPE_RETURN_IF_ERROR(
          Exec(db_,
               "UPDATE dag_runs SET state = 'failed', end_us = ? WHERE id = ? AND state = 'running'",
               {now_us, run.id}));
    } else {
      PINPIPE_RETURN_IF_ERROR(RefreshRunState(run.id, now_us));
    }
    spdlog::warn("run history: run {} ({}) was abandoned by {}; marked failed", run.run_id,
                 run.dag_id, gone.front().holder);
    ++reaped;
  }
  return reaped;
}

RunHistory::~RunHistory() { sqlite3_close(db_); }

Result<int64_t> RunHistory::CreateRun(const DagRunRecord& run,
                                      const std::vector<std::string>& task_ids) {
  MutexLock lock(mu_);
  PINPIPE_RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
  auto body = [&]() -> Result<int64_t> {
    mu_.AssertHeld();  // called right below, under the lock
    Arg scheduled = nullptr;
    if (run.scheduled_for) scheduled = *run.scheduled_for;
    PINPIPE_RETURN_IF_ERROR(Exec(
        db_,
        "INSERT INTO dag_runs (dag_id, run_id, logical_date, run_trigger, state, start_us, end_us, "
        "scheduled_for) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {run.dag_id, run.run_id, run.logical_date, std::string(TriggerName(run.trigger)),
         std::string(RunStateName(run.state)), run.start_us, run.end_us, scheduled}));
    const int64_t id = sqlite3_last_insert_rowid(db_);
    for (size_t i = 0; i < task_ids.size(); ++i) {
      PINPIPE_RETURN_IF_ERROR(
          Exec(db_, "INSERT INTO task_instances (run_pk, task_id, ord, state) VALUES (?, ?, ?, ?)",
               {id, task_ids[i], static_cast<int64_t>(i), std::string("pending")}));
    }
    return id;
  };
  auto id = body();
  if (!id) {
    (void)Exec(db_, "ROLLBACK");
    if (id.error().code() == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists,
                       "DAG '" + run.dag_id + "' already has a run '" + run.run_id + "'");
    }
    return id;
  }
  PINPIPE_RETURN_IF_ERROR(Exec(db_, "COMMIT"));
  return id;
}

Result<DagRunRecord> RunHistory::FindOrCreateRun(const DagRunRecord& run,
                                                 const std::vector<std::string>& task_ids) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    PINPIPE_ASSIGN_OR_RETURN(auto found, QueryRuns(std::string(kRunColumns) +
                                                       "WHERE dag_id = ? AND run_id = ?",
                                                   {run.dag_id, run.run_id}));
    if (!found.empty()) return found[0];
    auto id = CreateRun(run, task_ids);
    if (id) {
      DagRunRecord r = run;
      r.id = *id;
      return r;
    }
    // Lost a race with another process creating the same run: read theirs.
    if (id.error().code() != ErrorCode::kAlreadyExists) return std::unexpected(id.error());
  }
  return MakeError(ErrorCode::kInternal, "could not create run '" + run.run_id + "'");
}

Status RunHistory::FinishRun(int64_t id, RunState state, int64_t end_us) {
  MutexLock lock(mu_);
  return Exec(db_, "UPDATE dag_runs SET state = ?, end_us = ? WHERE id = ?",
              {std::string(RunStateName(state)), end_us, id});
}

Status RunHistory::RefreshRunState(int64_t id, int64_t now_us) {
  PINPIPE_ASSIGN_OR_RETURN(auto tasks, Tasks(id));
  bool all_ok = !tasks.empty(), any_failed = false, any_skipped = false;
  for (const auto& t : tasks) {
    all_ok = all_ok && t.state == TaskState::kSuccess;
    any_failed = any_failed || t.state == TaskState::kFailed;
    any_skipped = any_skipped || t.state == TaskState::kSkipped;
  }
  const RunState state = any_failed    ? RunState::kFailed
                         : all_ok      ? RunState::kSuccess
                         : any_skipped ? RunState::kSkipped
                                       : RunState::kRunning;
  return FinishRun(id, state, state == RunState::kRunning ? 0 : now_us);
}

Status RunHistory::UpdateTask(int64_t run_pk, const TaskInstanceRecord& t) {
  MutexLock lock(mu_);
  return Exec(db_,
              "INSERT INTO task_instances (run_pk, task_id, ord, state, attempts, start_us, "
              "duration_us, records_in, records_out, records_quarantined, summary, error) "
              "VALUES (?1, ?2, (SELECT COUNT(*) FROM task_instances WHERE run_pk = ?1), ?3, ?4, "
              "?5, ?6, ?7, ?8, ?9, ?10, ?11) "
              "ON CONFLICT (run_pk, task_id) DO UPDATE SET state = ?3, attempts = ?4, "
              "start_us = ?5, duration_us = ?6, records_in = ?7, records_out = ?8, "
              "records_quarantined = ?9, summary = ?10, error = ?11",
              {run_pk, t.task_id, std::string(TaskStateName(t.state)),
               static_cast<int64_t>(t.attempts), t.start_us, t.duration_us, t.records_in,
               t.records_out, t.records_quarantined, t.summary, t.error});
}

Status RunHistory::AppendTaskLog(int64_t run_pk, std::string_view task_id, int attempt, int64_t ts_us,
                                 std::string_view line) {
  MutexLock lock(mu_);
  int64_t last = 0;
  {
    Stmt s(db_, "SELECT COALESCE(MAX(seq), 0) FROM task_log WHERE run_pk = ? AND task_id = ?");
    PINPIPE_RETURN_IF_ERROR(s.Bind({run_pk, std::string(task_id)}));
    PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (row) last = s.Int(0);
  }
  if (last > kMaxTaskLogLines) return OkStatus();  // over the bound: dropped
  std::string text = last == kMaxTaskLogLines
                         ? "… later lines dropped (at most " + std::to_string(kMaxTaskLogLines) + " lines per task run)"
                         : std::string(line.substr(0, kMaxTaskLogLineBytes));
  return Exec(db_, "INSERT INTO task_log (run_pk, task_id, seq, ts_us, attempt, line) VALUES (?, ?, ?, ?, ?, ?)",
              {run_pk, std::string(task_id), last + 1, ts_us, static_cast<int64_t>(attempt), std::move(text)});
}

Result<std::vector<TaskLogLine>> RunHistory::TaskLog(int64_t run_pk, std::string_view task_id, int64_t after_seq,
                                                     int limit) const {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT seq, ts_us, attempt, line FROM task_log WHERE run_pk = ? AND task_id = ? AND seq > ? "
              "ORDER BY seq LIMIT ?");
  PINPIPE_RETURN_IF_ERROR(s.Bind({run_pk, std::string(task_id), after_seq, static_cast<int64_t>(std::max(limit, 1))}));
  std::vector<TaskLogLine> out;
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Int(0), s.Int(1), static_cast<int>(s.Int(2)), s.Text(3)});
  }
  return out;
}

Result<std::vector<DagRunRecord>> RunHistory::QueryRuns(const std::string& sql,
                                                        const std::vector<std::string>& args) const {
  MutexLock lock(mu_);
  Stmt s(db_, sql);
  PINPIPE_RETURN_IF_ERROR(s.Bind(std::vector<Arg>(args.begin(), args.end())));
  std::vector<DagRunRecord> out;
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    DagRunRecord r;
    r.id = s.Int(0);
    r.dag_id = s.Text(1);
    r.run_id = s.Text(2);
    r.logical_date = s.Text(3);
    PINPIPE_ASSIGN_OR_RETURN(r.trigger, ParseTrigger(s.Text(4)));
    PINPIPE_ASSIGN_OR_RETURN(r.state, ParseRunState(s.Text(5)));
    r.start_us = s.Int(6);
    r.end_us = s.Int(7);
    if (!s.IsNull(8)) r.scheduled_for = s.Int(8);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<DagRunRecord>> RunHistory::ListRuns(std::string_view dag_id, int limit) const {
  std::string sql(kRunColumns);
  std::vector<std::string> args;
  if (!dag_id.empty()) {
    sql += "WHERE dag_id = ? ";
    args.emplace_back(dag_id);
  }
  sql += "ORDER BY id DESC";
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  return QueryRuns(sql, args);
}

Result<std::optional<DagRunRecord>> RunHistory::FindRun(std::string_view key) const {
  PINPIPE_ASSIGN_OR_RETURN(auto by_run_id, QueryRuns(std::string(kRunColumns) +
                                                         "WHERE run_id = ? ORDER BY id DESC LIMIT 1",
                                                     {std::string(key)}));
  if (!by_run_id.empty()) return std::optional<DagRunRecord>(by_run_id[0]);
  if (!key.empty() && key.find_first_not_of("0123456789") == std::string_view::npos) {
    PINPIPE_ASSIGN_OR_RETURN(auto by_id, QueryRuns(std::string(kRunColumns) + "WHERE id = ?",
                                                   {std::string(key)}));
    if (!by_id.empty()) return std::optional<DagRunRecord>(by_id[0]);
  }
  return std::optional<DagRunRecord>();
}

Result<std::vector<TaskInstanceRecord>> RunHistory::Tasks(int64_t run_pk) const {
  MutexLock lock(mu_);
  Stmt s(db_, std::string(kTaskColumns) + "WHERE run_pk = ? ORDER BY ord");
  PINPIPE_RETURN_IF_ERROR(s.Bind({run_pk}));
  std::vector<TaskInstanceRecord> out;
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    PINPIPE_ASSIGN_OR_RETURN(auto t, ReadTask(s));
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::optional<TaskInstanceRecord>> RunHistory::Task(int64_t run_pk,
                                                           std::string_view task_id) const {
  MutexLock lock(mu_);
  Stmt s(db_, std::string(kTaskColumns) + "WHERE run_pk = ? AND task_id = ?");
  PINPIPE_RETURN_IF_ERROR(s.Bind({run_pk, std::string(task_id)}));
  PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<TaskInstanceRecord>();
  PINPIPE_ASSIGN_OR_RETURN(auto t, ReadTask(s));
  return std::optional<TaskInstanceRecord>(std::move(t));
}

Result<bool> RunHistory::HasSuccessfulRun(std::string_view dag_id,
                                          std::string_view logical_date) const {
  PINPIPE_ASSIGN_OR_RETURN(
      auto runs, QueryRuns(std::string(kRunColumns) +
                               "WHERE dag_id = ? AND logical_date = ? AND state = 'success' LIMIT 1",
                           {std::string(dag_id), std::string(logical_date)}));
  return !runs.empty();
}

Result<std::optional<int64_t>> RunHistory::LastScheduledFire(std::string_view dag_id) const {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT MAX(scheduled_for) FROM dag_runs WHERE dag_id = ? AND scheduled_for IS NOT NULL");
  PINPIPE_RETURN_IF_ERROR(s.Bind({std::string(dag_id)}));
  PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.IsNull(0)) return std::optional<int64_t>();
  return std::optional<int64_t>(s.Int(0));
}

Result<int64_t> RunHistory::CountRuns(std::string_view dag_id) const {
  MutexLock lock(mu_);
  Stmt s(db_, "SELECT COUNT(*) FROM dag_runs WHERE dag_id = ?");
  PINPIPE_RETURN_IF_ERROR(s.Bind({std::string(dag_id)}));
  PINPIPE_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

}  // namespace pinpipe::orchestrator
