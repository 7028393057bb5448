// Server: the HTTP/1.1 server. One reactor thread per configured thread, each with its own
// SO_REUSEPORT listener, its connections and its metrics shard. Handlers run on the reactor
// thread and must not block; answer later through the Responder from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "http/router.h"

namespace pinpipe::http {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 8082;  // 0 = ephemeral (read back with Server::port())
  int threads = 0;       // 0 = one per core
  size_t max_header_bytes = 16384;   // request line + headers -> 431
  size_t max_body_bytes = 32u << 20;  // -> 413, then close
  int header_timeout_ms = 10000;  // first byte of a request to end of headers -> 408
  int body_timeout_ms = 30000;    // end of headers to end of body -> 408
  int idle_timeout_ms = 60000;    // keep-alive connection with no request -> close
  // Open connections across all threads; more are accepted, answered 503 and closed. Also
  // kept below 3/4 of the file-descriptor limit (RLIMIT_NOFILE, raised to the hard limit).
  int max_connections = 10000;
  // After accept fails with EMFILE/ENFILE the listener pauses this long instead of spinning.
  int accept_backoff_ms = 100;
};

class Server {
 public:
  // Binds, starts the threads and returns. The router is copied (handlers included).
  static Result<std::unique_ptr<Server>> Start(ServerOptions options, const Router& router);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  size_t thread_count() const;
  // Stops accepting, closes every connection, joins the threads. Idempotent. Responders
  // still held elsewhere stay safe to use: their responses are dropped.
  void Stop();
  // Prometheus text of this server's request metrics (same as router.metrics()).
  std::string RenderMetrics() const;
  // The connection cap in force (max_connections, bounded by the descriptor limit).
  int max_connections() const;
  // Connections refused at the cap, and accept failures for lack of descriptors.
  uint64_t refused_connections() const;
  uint64_t accept_fd_errors() const;

  struct Impl;

 private:
  Server() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace pinpipe::http
