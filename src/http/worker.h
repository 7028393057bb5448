// Worker (internal): one reactor thread of the Server with its listener, its connections,
// its completion inbox and its metrics shard.
#pragma once

#include <atomic>
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
#include "net/listener_backoff.h"
#include "net/reactor.h"

namespace pinpipe::http {

class Connection;
class BodyStream;

// Shared by the workers of one server: the connection cap and what the accept paths refused.
struct AcceptLimits {
  int max_connections = 10000;
  std::atomic<int> open{0};
  std::atomic<uint64_t> refused{0};    // accepted at the cap, answered 503 and closed
  std::atomic<uint64_t> fd_errors{0};  // accept failed with EMFILE/ENFILE
};

// A response, or a piece of a streamed body, handed over from another thread.
struct Completion {
  enum Kind : uint8_t { kResponse, kData, kEnd };
  std::shared_ptr<Connection> conn;
  Response response;  // kData: the bytes in response.body
  int32_t stream_id = 0;  // HTTP/2 stream; 0 on HTTP/1.1
  Kind kind = kResponse;
  std::shared_ptr<BodyStream> body_stream;  // a streamed response's head (Response::stream)
};

class Worker final : public net::EventHandler {
 public:
  Worker(const ServerOptions& options, const Router& router, Metrics::Shard& metrics,
         int unmatched_id, AcceptLimits& accept_limits);
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
  // At the cap: answers 503 and closes.
  void Refuse(int fd);
  // Out of descriptors: counts and logs (the backoff then closes the pending connections
  // and pauses the listener for accept_backoff_ms).
  void OnOutOfDescriptors();
  AcceptLimits& accept_limits_;
  std::unique_ptr<net::ListenerBackoff> backoff_;  // before the reactor goes: declared after it
  int listen_fd_ = -1;
  std::thread thread_;
  std::unique_ptr<InboxHandler> inbox_handler_;
  std::vector<Completion> drained_;
  std::vector<std::shared_ptr<Connection>> conns_;
};

}  // namespace pinpipe::http
