// libFuzzer target: bytes arriving on a Kafka protocol connection. The input is cut into frames
// as the server does (NextFrame with a small socket.request.max.bytes), each header parsed, and
// every request of an implemented API and version handed to its handler over a real log (in a
// temporary directory, flush=os, no auto-creation) with one topic. Any input must yield an
// answer or a clean close, never a crash. CreateTopics is left out: it would fill the disk.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "groups/group_coordinator.h"
#include "kafka/api_versions.h"
#include "kafka/broker.h"
#include "kafka/frame.h"
#include "log/log_manager.h"

namespace {

struct World {
  std::unique_ptr<pinpipe::log::LogManager> log;
  std::unique_ptr<pinpipe::groups::GroupCoordinator> groups;
  std::unique_ptr<pinpipe::kafka::Broker> broker;
};

World& TheWorld() {
  static World* w = [] {
    auto* world = new World();
    char dir[] = "/tmp/kafka-frame-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    pinpipe::log::LogOptions opts;
    opts.dir = dir;
    opts.auto_create = false;
    opts.retention_check_interval_ms = 0;
    auto policy = pinpipe::log::FlushPolicy::Parse("os");
    if (!policy) std::abort();
    opts.flush = *policy;
    auto log = pinpipe::log::LogManager::Open(opts);
    if (!log) std::abort();
    world->log = std::move(*log);
    (void)world->log->CreateTopic("t", 2);
    world->groups = std::make_unique<pinpipe::groups::GroupCoordinator>(
        pinpipe::groups::CoordinatorOptions{.initial_rebalance_delay_ms = 0});
    pinpipe::kafka::BrokerOptions bo;
    bo.worker_threads = 1;
    world->broker = std::make_unique<pinpipe::kafka::Broker>(*world->log, *world->groups, bo);
    return world;
  }();
  return *w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::kafka;
  World& world = TheWorld();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (int frames = 0; frames < 16; ++frames) {
    std::string_view frame;
    size_t consumed = 0;
    if (NextFrame(in, 64 * 1024, &frame, &consumed) != FrameStatus::kFrame) break;
    in.remove_prefix(consumed);
    Request req;
    req.frame.assign(frame);
    Reader r(req.frame);
    if (!ParseRequestHeader(r, &req.header)) continue;
    req.body = r.Rest();
    const ApiRange* api = FindApi(req.header.api_key);
    if (api == nullptr || req.header.api_version < api->min_version ||
        req.header.api_version > api->max_version || req.header.api_key == kCreateTopics) {
      continue;
    }
    world.broker->Handle(req, Reply([](ReplyKind, std::string body) {
      // Every answer must itself be a readable frame body.
      (void)body.size();
    }));
  }
  return 0;
}
