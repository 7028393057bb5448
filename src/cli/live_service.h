// The live analytics view inside `pinpipe serve` (live.enabled): the follower thread over the
// batch boundary and the streaming tables (live/live_follower.h) and the view its HTTP routes
// read. Also used offline by `pinpipe analytics show` (one poll, no thread).
#pragma once

#include <memory>

#include "batch/batch_settings.h"
#include "common/config.h"
#include "live/live_follower.h"
#include "live/live_view.h"

namespace pinpipe::cli {

struct LiveService {
  std::unique_ptr<batch::BatchLake> lake;
  live::LiveView view;
  std::unique_ptr<live::LiveFollower> follower;  // declared last: stopped first
  ~LiveService() { follower.reset(); }
};

// The lake, the streaming tables' names and analytics.median from `cfg`; the follower is built
// but not started.
Result<std::unique_ptr<LiveService>> BuildLiveService(const Config& cfg);
// BuildLiveService + Start when live.enabled; nullptr when disabled.
Result<std::unique_ptr<LiveService>> StartLiveService(const Config& cfg);

}  // namespace pinpipe::cli
