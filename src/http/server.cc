#include "http/server.h"

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/fd_limit.h"
#include "http/worker.h"
#include "net/listener.h"

namespace pinpipe::http {

struct Server::Impl {
  ServerOptions options;
  Router router;
  std::vector<std::unique_ptr<Worker>> workers;
  AcceptLimits limits;
  bool stopped = false;
};

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options, const Router& router) {
  if (options.max_header_bytes < 64 || options.header_timeout_ms <= 0 ||
      options.body_timeout_ms <= 0 || options.idle_timeout_ms <= 0 ||
      options.max_connections <= 0 || options.accept_backoff_ms <= 0) {
    return MakeError(ErrorCode::kInvalidArgument, "http: invalid server limits");
  }
  if (options.port != 0) {
    // Before anything else (the router's metrics are shared with a running server, if any).
    // SO_REUSEPORT would let a second server bind the same port and silently take half of the
    // connections: first bind once without it, which fails while anyone else listens there.
    auto probe = net::OpenListener(options.bind, options.port, /*reuse_port=*/false);
    if (!probe) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " +
                           probe.error().message() + " (is another server using the port?)");
    }
    ::close(*probe);
  }
  int threads = options.threads > 0 ? options.threads
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::unique_ptr<Server> server(new Server());
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.options = options;
  impl.router = router;
  // Each connection is one descriptor: stay well below the limit so the log, the sink and
  // the state files keep theirs.
  const uint64_t fd_limit = RaiseOpenFileLimit();
  impl.limits.max_connections = static_cast<int>(
      std::min<uint64_t>(static_cast<uint64_t>(options.max_connections), fd_limit / 4 * 3));

  std::vector<Metrics::RouteLabel> labels;
  for (const auto& r : impl.router.routes()) labels.push_back({r.pattern, r.method});
  const int unmatched = static_cast<int>(labels.size());
  Metrics& metrics = *impl.router.metrics();
  metrics.Configure(std::move(labels), static_cast<size_t>(threads));

  // Timer resolution: a fraction of the shortest timeout, between 5 ms and 100 ms.
  int shortest = std::min({options.header_timeout_ms, options.body_timeout_ms, options.idle_timeout_ms});
  int tick_ms = std::clamp(shortest / 8, 5, 100);

  uint16_t port = options.port;
  for (int i = 0; i < threads; ++i) {
    PINPIPE_ASSIGN_OR_RETURN(int fd, net::OpenListener(options.bind, port, /*reuse_port=*/true));
    if (i == 0) {
      auto bound = net::LocalPort(fd);
      if (!bound) {
        ::close(fd);
        return std::unexpected(bound.error());
      }
      port = *bound;
    }
    auto w = std::make_unique<Worker>(impl.options, impl.router, metrics.shard(static_cast<size_t>(i)),
                                      unmatched, impl.limits);
    auto st = w->Init(fd, tick_ms);
    impl.workers.push_back(std::move(w));  // owns fd now
    if (!st) return std::unexpected(st.error());
  }
  server->port_ = port;
  for (auto& w : impl.workers) w->StartThread();
  return server;
}

Server::~Server() { Stop(); }

size_t Server::thread_count() const { return impl_ ? impl_->workers.size() : 0; }

void Server::Stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  for (auto& w : impl_->workers) w->Stop();
}

std::string Server::RenderMetrics() const { return impl_->router.metrics()->RenderPrometheus(); }

int Server::max_connections() const { return impl_->limits.max_connections; }
uint64_t Server::refused_connections() const { return impl_->limits.refused.load(); }
uint64_t Server::accept_fd_errors() const { return impl_->limits.fd_errors.load(); }

}  // namespace pinpipe::http
