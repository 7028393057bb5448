// What `pinpipe sink` and `pinpipe stream` share when a background worker runs as its own
// process over the local log of a server that is not running.
#pragma once

#include <signal.h>

#include <expected>
#include <memory>
#include <string_view>

#include "common/config.h"
#include "log/log_manager.h"

namespace pinpipe::cli {

struct WorkerProcess {
  sigset_t stop_signals;  // SIGINT and SIGTERM, blocked in every thread: sigwait takes them
  std::unique_ptr<log::LogManager> log;
};

// Blocks the stop signals and opens the log with retention off (a worker never deletes). On
// failure prints the error, followed by `hint` (why the log may be held), and returns the
// process's exit status.
std::expected<WorkerProcess, int> StartWorkerProcess(const Config& cfg, std::string_view hint);

}  // namespace pinpipe::cli
