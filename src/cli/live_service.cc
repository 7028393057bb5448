#include "cli/live_service.h"

#include <unistd.h>

#include <filesystem>

#include "common/logging.h"
#include "stream/stream_settings.h"

namespace pinpipe::cli {

Result<std::unique_ptr<LiveService>> BuildLiveService(const Config& cfg) {
  PINPIPE_ASSIGN_OR_RETURN(batch::BatchSettings bs, batch::BatchSettingsFromConfig(cfg));
  PINPIPE_ASSIGN_OR_RETURN(stream::StreamSettings ss, stream::StreamSettingsFromConfig(cfg));
  PINPIPE_ASSIGN_OR_RETURN(int64_t poll_ms, cfg.GetInt("live.poll_ms"));
  auto out = std::make_unique<LiveService>();
  PINPIPE_ASSIGN_OR_RETURN(out->lake, batch::BatchLake::Open(bs));
  live::LiveSettings ls;
  ls.stream_tables = ss.tables;
  ls.median = bs.median;
  ls.poll_ms = poll_ms;
  // The join store's (unlinked) files; a data dir we cannot write (`analytics show --live` on a
  // read-only copy) falls back to the temp directory.
  std::error_code ec;
  const std::string state = cfg.DataDir() + "/state/live";
  if (std::filesystem::create_directories(state, ec); !ec && ::access(state.c_str(), W_OK) == 0) {
    ls.join_store.dir = state;
  }
  out->follower = std::make_unique<live::LiveFollower>(out->lake.get(), std::move(ls), &out->view);
  return out;
}

Result<std::unique_ptr<LiveService>> StartLiveService(const Config& cfg) {
  PINPIPE_ASSIGN_OR_RETURN(bool enabled, cfg.GetBool("live.enabled"));
  if (!enabled) return std::unique_ptr<LiveService>();
  PINPIPE_ASSIGN_OR_RETURN(auto service, BuildLiveService(cfg));
  service->follower->Start();
  spdlog::info("live: analytics on GET /analytics/<name> (the last batch run + the streaming tables)");
  return service;
}

}  // namespace pinpipe::cli
