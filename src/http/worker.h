// Worker (internal): one reactor thread of the Server with its listener, its connections,
// its completion inbox and its metrics shard.
#pragma once

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/metrics.h"
#include "http/request_parser.h"
#include "http/response.h"
#include "http/router.h"
#include "http/server.h"
#include "net/inbox.h"
#include "net/reactor.h"

namespace pinpipe::http {

class Connection;

// A response handed over from another thread.
struct Completion {
  std::shared_ptr<Connection> conn;
  Response response;
};

class Worker final : public net::EventHandler {
 public:
  Worker(const ServerOptions& options, const Router& router, Metrics::Shard& metrics,
         int unmatched_id);
  ~Worker() override;
  Status Init(int listen_fd, int tick_ms);
  void StartThread();
  // Stops the loop and joins; then closes every connection from the calling thread.
  void Stop();

  void OnEvents(uint32_t events) override;  // listener readable
  void RemoveConnection(Connection* c);

  const ServerOptions& options;
  const Router& router;
  Metrics::Shard& metrics;
  const int unmatched_id;
  ParserLimits limits;
  std::unique_ptr<net::Reactor> reactor;
  std::shared_ptr<net::Inbox<Completion>> inbox;

 private:
  class InboxHandler;
  int listen_fd_ = -1;
  std::thread thread_;
  std::unique_ptr<InboxHandler> inbox_handler_;
  std::vector<Completion> drained_;
  std::vector<std::shared_ptr<Connection>> conns_;
};

}  // namespace pinpipe::http
