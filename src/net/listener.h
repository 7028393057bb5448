// Listening sockets: one SO_REUSEPORT socket per reactor so the kernel spreads accepts.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace pinpipe::net {

// Non-blocking, close-on-exec TCP listener on bind_addr:port (IPv4 or IPv6 literal, or
// "localhost"). Port 0 picks an ephemeral port; read it back with LocalPort.
Result<int> OpenListener(const std::string& bind_addr, uint16_t port, bool reuse_port,
                         int backlog = 4096);
Result<uint16_t> LocalPort(int fd);

// Accepts one connection (non-blocking, close-on-exec, TCP_NODELAY). Returns -1 with errno
// EAGAIN when none is pending.
int AcceptConnection(int listen_fd);

}  // namespace pinpipe::net
