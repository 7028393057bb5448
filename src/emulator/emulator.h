// The user posting emulator: picks rows (RowPicker), reads them from the source database
// (SourceDb), and sends each interaction's pin, geo and user rows through a Poster, with
// retries (exponential backoff + jitter), pacing (sleeps of the original, --rate, or
// none), C concurrent workers each with its own connections, a live progress line and
// a summary.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "emulator/poster.h"

namespace pinpipe::emulator {

struct EmulatorOptions {
  std::string db_url;
  int64_t count = -1;        // interactions; -1 = unlimited
  double duration_s = 0;     // 0 = unlimited
  bool python_compatible = false;
  bool sleep = true;         // the original's sleeps of 0 or 1 s
  double rate = 0;           // interactions per second; 0 = unpaced
  int concurrency = 1;
  int batch_size = 1;        // records per request per topic
  bool allow_rows_above_11000 = false;
  uint64_t seed = 100;       // fast mode's seed
  int max_attempts = 5;      // per request, including the first
  int retry_base_ms = 100;   // backoff: base * 2^attempt, +-50% jitter, capped at 5 s
  int max_consecutive_failures = 50;  // then give up (the API is down)
  bool progress = true;      // live line on stderr
  // Creates one poster per worker.
  std::function<std::unique_ptr<Poster>()> make_poster;
};

struct EmulatorStats {
  int64_t interactions = 0;   // all three rows posted
  int64_t records = 0;        // records accepted
  int64_t requests = 0;       // successful requests
  int64_t failed = 0;         // interactions with a row that could not be posted
  int64_t invalid_rows = 0;   // rows that failed validation (skipped)
  int64_t missing_rows = 0;   // picked rows absent from the database (skipped)
  int64_t retries = 0;
  double seconds = 0;
  std::string fatal;          // why the run stopped early (API unreachable, ...)
  bool ok() const { return failed == 0 && fatal.empty(); }
};

// Runs until count/duration is reached, `stop` becomes true, or the API is unreachable.
// Errors opening the database are returned; posting problems are in the stats.
Result<EmulatorStats> RunEmulator(const EmulatorOptions& options, const std::atomic<bool>* stop);

// "sent 1,000 interactions (3,000 records) in 1.2 s: 833/s; failed 0; invalid 0 ..."
std::string FormatSummary(const EmulatorStats& s);

}  // namespace pinpipe::emulator
