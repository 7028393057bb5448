#include "emulator/emulator.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "report/progress_bar.h"
#include "emulator/row_picker.h"
#include "emulator/source_db.h"

namespace pinpipe::emulator {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxReportedRows = 10;
// The original never posts rows above this (randint(0, 11000)).
constexpr int64_t kOriginalMaxRow = 11000;

struct Shared {
  const EmulatorOptions& opt;
  const std::atomic<bool>* stop;
  Mutex mu;
  std::unique_ptr<RowPicker> picker GUARDED_BY(mu);
  int64_t picked GUARDED_BY(mu) = 0;
  Clock::time_point start, deadline;
  Clock::time_point next_slot GUARDED_BY(mu);
  bool has_deadline = false;
  std::string fatal GUARDED_BY(mu);
  std::atomic<bool> abort{false};
  std::atomic<bool> any_success{false};
  std::atomic<int> consecutive_failures{0};
  std::atomic<int> reported{0};
  std::atomic<int64_t> interactions{0}, records{0}, requests{0}, failed{0}, invalid{0},
      missing{0}, retries{0};

  explicit Shared(const EmulatorOptions& o, const std::atomic<bool>* s) : opt(o), stop(s) {}

  bool Stopping() const { return abort.load() || (stop && stop->load()); }

  void Fatal(std::string why) {
    MutexLock lock(mu);
    if (fatal.empty()) fatal = std::move(why);
    abort = true;
  }

  void Report(const std::string& what) {
    const int n = reported.fetch_add(1);
    if (n < kMaxReportedRows) {
      std::fprintf(stderr, "\npinpipe: skipped %s\n", what.c_str());
    } else if (n == kMaxReportedRows) {
      std::fprintf(stderr, "\npinpipe: more rows skipped (counted in the summary)\n");
    }
  }

  // Sleeps up to `d`, waking early when stopping.
  void SleepFor(Clock::duration d) {
    const auto until = Clock::now() + d;
    while (!Stopping()) {
      const auto now = Clock::now();
      if (now >= until) return;
      std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(50)));
    }
  }
};

// One retry policy for every request, the first one and those after the server went away:
// up to --max-attempts with exponential backoff, each retry said on stderr, and then — when the
// server cannot be reached at all — one "giving up" that names the URL and the attempts.
std::string GivingUp(const Poster& poster, int attempts, const std::string& why) {
  return "giving up after " + std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts") +
         " to reach " + poster.Describe() + ": " + why + "; is `pinpipe serve` running? (--api URL)";
}

PostOutcome PostWithRetry(Shared& sh, Poster& poster, TableId table,
                          std::span<const std::string> values, std::mt19937& jitter) {
  PostOutcome out;
  const int max_attempts = std::max(1, sh.opt.max_attempts);
  int attempt = 0;
  for (; attempt < max_attempts; ++attempt) {
    if (attempt > 0) {
      if (sh.Stopping()) break;
      sh.retries++;
      // Exponential backoff with +-50% jitter so that C workers do not retry in step.
      const double base = std::min(5000.0, sh.opt.retry_base_ms * std::pow(2.0, attempt - 1));
      std::uniform_real_distribution<double> j(0.5, 1.5);
      const auto delay = std::chrono::microseconds(static_cast<int64_t>(base * j(jitter) * 1000));
      std::fprintf(stderr, "\npinpipe: %s: %s; retry %d of %d in %lld ms\n", poster.Describe().c_str(),
                   out.message.c_str(), attempt, max_attempts - 1,
                   static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()));
      sh.SleepFor(delay);
    }
    out = poster.Post(table, values);
    if (out.ok) {
      sh.any_success = true;
      sh.consecutive_failures = 0;
      sh.requests++;
      return out;
    }
    if (!out.retryable) {
      ++attempt;
      break;
    }
  }
  if (out.connection_error && !sh.Stopping()) {
    // The server is unreachable: the same end at start and after it died mid-run.
    sh.Fatal(GivingUp(poster, attempt, out.message));
  } else if (++sh.consecutive_failures >= sh.opt.max_consecutive_failures) {
    sh.Fatal("giving up after " + std::to_string(sh.consecutive_failures.load()) +
             " consecutive failed requests to " + poster.Describe() + "; last error: " + out.message);
  } else {
    // Say why (the first few): a failed request is otherwise only a count in the summary.
    sh.Report("a request to " + poster.Describe() + ": " + out.message);
  }
  return out;
}

void Worker(Shared& sh, int id) {
  const EmulatorOptions& opt = sh.opt;
  auto db = OpenSourceDb(opt.db_url, false);
  if (!db) {
    sh.Fatal(db.error().message());
    return;
  }
  std::unique_ptr<Poster> poster = opt.make_poster();
  std::mt19937 jitter(static_cast<uint32_t>(id * 7919 + 17));
  const int batch = std::max(1, opt.batch_size);
  std::vector<Pick> picks;
  std::array<std::vector<std::string>, 3> values;
  std::array<Row, 3> rows = {MakeRow(TableId::kPin), MakeRow(TableId::kGeo),
                             MakeRow(TableId::kUser)};
  std::array<std::string, 3> json;
  while (!sh.Stopping()) {
    picks.clear();
    Clock::time_point slot{};
    {
      MutexLock lock(sh.mu);
      for (int i = 0; i < batch; ++i) {
        if (opt.count >= 0 && sh.picked >= opt.count) break;
        if (sh.has_deadline && Clock::now() >= sh.deadline) break;
        picks.push_back(sh.picker->Next());
        ++sh.picked;
        if (opt.rate > 0) {
          slot = std::max(Clock::now(), sh.next_slot);
          sh.next_slot = slot + std::chrono::nanoseconds(static_cast<int64_t>(1e9 / opt.rate));
        }
      }
    }
    if (picks.empty()) break;
    if (opt.sleep) {
      int secs = 0;
      for (const Pick& p : picks) secs += p.sleep_seconds;
      if (secs) sh.SleepFor(std::chrono::seconds(secs));
    }
    if (opt.rate > 0) sh.SleepFor(slot - Clock::now());
    if (sh.Stopping()) break;

    for (auto& v : values) v.clear();
    for (const Pick& p : picks) {
      bool usable = true;
      for (TableId t : kAllTables) {
        auto found = (*db)->ReadRow(t, p.row, &rows[static_cast<int>(t)]);
        if (!found) {
          if (found.error().code() != ErrorCode::kCorruption) {
            sh.Fatal(found.error().message());
            return;
          }
          sh.invalid++;
          sh.Report("invalid row " + std::to_string(p.row) + ": " + found.error().message());
          usable = false;
          break;
        }
        if (!*found) {
          sh.missing++;
          sh.Report("row " + std::to_string(p.row) + ": not in " + std::string(Schema(t).name));
          usable = false;
          break;
        }
      }
      if (!usable) continue;
      for (TableId t : kAllTables) {
        const int ti = static_cast<int>(t);
        json[ti].clear();
        AppendRowJson(Schema(t), rows[ti], &json[ti]);
        values[ti].push_back(json[ti]);
      }
    }
    const int64_t n = static_cast<int64_t>(values[0].size());
    if (n == 0) continue;
    bool all_ok = true;
    for (TableId t : kAllTables) {
      const PostOutcome o = PostWithRetry(sh, *poster, t, values[static_cast<int>(t)], jitter);
      if (!o.ok) {
        all_ok = false;
        if (sh.Stopping()) break;
      } else {
        sh.records += n;
      }
    }
    (all_ok ? sh.interactions : sh.failed) += n;
  }
}

void ProgressLoop(Shared& sh, const std::atomic<bool>& done) {
  const bool tty = report::ProgressBar::IsTerminal(stderr);
  const auto every = tty ? std::chrono::milliseconds(250) : std::chrono::milliseconds(10000);
  auto next = Clock::now() + every;
  bool drew = false;
  while (!done) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (Clock::now() < next) continue;
    next += every;
    const double secs = std::chrono::duration<double>(Clock::now() - sh.start).count();
    const int64_t sent = sh.interactions.load();
    std::fprintf(stderr, "%semulate: sent %s interactions (%s/s), failed %s, skipped %s%s",
                 tty ? "\r" : "", report::WithThousands(sent).c_str(),
                 report::WithThousands(static_cast<int64_t>(secs > 0 ? sent / secs : 0)).c_str(),
                 report::WithThousands(sh.failed.load()).c_str(),
                 report::WithThousands(sh.invalid.load() + sh.missing.load()).c_str(),
                 tty ? "\x1b[K" : "\n");
    std::fflush(stderr);
    drew = true;
  }
  if (drew && tty) std::fputc('\n', stderr);
}

}  // namespace

Result<EmulatorStats> RunEmulator(const EmulatorOptions& opt, const std::atomic<bool>* stop) {
  if (!opt.make_poster) return MakeError(ErrorCode::kInvalidArgument, "no poster");
  // Check the database once up front, for one clear message.
  PINPIPE_ASSIGN_OR_RETURN(auto db, OpenSourceDb(opt.db_url, false));
  PINPIPE_RETURN_IF_ERROR(db->CheckTables());
  PINPIPE_ASSIGN_OR_RETURN(int64_t max_key, db->MaxKey(TableId::kPin));
  if (max_key < 0) {
    return MakeError(ErrorCode::kNotFound,
                     db->Describe() + ": pinterest_data is empty; fill it with `pinpipe db init`");
  }
  db.reset();

  Shared sh(opt, stop);
  const int64_t max_row = opt.allow_rows_above_11000 ? max_key
                          : opt.python_compatible   ? kOriginalMaxRow
                                                    : std::min(kOriginalMaxRow, max_key);
  {
    MutexLock lock(sh.mu);  // no worker yet; taken for the analysis
    if (opt.python_compatible) {
      sh.picker = std::make_unique<PythonCompatiblePicker>(max_row);
    } else {
      sh.picker = std::make_unique<FastPicker>(max_row, opt.seed);
    }
    sh.start = Clock::now();
    sh.next_slot = sh.start;
  }
  if (opt.duration_s > 0) {
    sh.has_deadline = true;
    sh.deadline = sh.start + std::chrono::microseconds(static_cast<int64_t>(opt.duration_s * 1e6));
  }
  std::atomic<bool> done{false};
  std::thread progress;
  if (opt.progress) progress = std::thread(ProgressLoop, std::ref(sh), std::cref(done));
  std::vector<std::thread> workers;
  for (int i = 0; i < std::max(1, opt.concurrency); ++i) {
    workers.emplace_back(Worker, std::ref(sh), i);
  }
  for (auto& w : workers) w.join();
  done = true;
  if (progress.joinable()) progress.join();

  EmulatorStats s;
  s.interactions = sh.interactions;
  s.records = sh.records;
  s.requests = sh.requests;
  s.failed = sh.failed;
  s.invalid_rows = sh.invalid;
  s.missing_rows = sh.missing;
  s.retries = sh.retries;
  s.seconds = std::chrono::duration<double>(Clock::now() - sh.start).count();
  {
    MutexLock lock(sh.mu);
    s.fatal = sh.fatal;
  }
  return s;
}

std::string FormatSummary(const EmulatorStats& s) {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.1f s: %s interactions/s", s.seconds,
                report::WithThousands(static_cast<int64_t>(s.seconds > 0 ? s.interactions / s.seconds : 0))
                    .c_str());
  return "sent " + report::WithThousands(s.interactions) + " interactions (" + report::WithThousands(s.records) +
         " records, " + report::WithThousands(s.requests) + " requests) in " + rate + "; failed " +
         report::WithThousands(s.failed) + ", invalid rows skipped " + report::WithThousands(s.invalid_rows) +
         ", missing rows skipped " + report::WithThousands(s.missing_rows) + ", retries " +
         report::WithThousands(s.retries);
}

}  // namespace pinpipe::emulator
