// A level-triggered listener when the process is out of descriptors. accept4() fails with
// EMFILE before it even looks at the backlog, so the listener stays readable: without care the
// loop is woken again at once (a spin at 100% CPU) and the waiting clients hang. This keeps a
// reserve descriptor through which the pending connections are taken and closed (their clients
// see a close), then takes the listener out of epoll for a pause. Used by the HTTP workers and the
// Kafka listener.
#pragma once

#include <cstdint>

#include "net/reactor.h"
#include "net/timer_wheel.h"

namespace pinpipe::net {

class ListenerBackoff final : TimerNode {
 public:
  // `handler` is the listener's handler in `reactor` (listening for EPOLLIN); loop-thread only.
  ListenerBackoff(Reactor& reactor, int listen_fd, EventHandler* handler, int pause_ms);
  ~ListenerBackoff() override;  // before the reactor goes
  ListenerBackoff(const ListenerBackoff&) = delete;
  ListenerBackoff& operator=(const ListenerBackoff&) = delete;

  // Whether accept4() failed with `err` for lack of descriptors (EMFILE, ENFILE).
  static bool OutOfDescriptors(int err);
  // Then: closes the connections waiting in the backlog (up to 64; their clients see a close
  // at once rather than one per pause) and pauses. Returns how many it closed. Callers count
  // the failure before, so that whoever sees a close sees the count.
  int RefusePendingAndPause();
  bool paused() const { return paused_; }

 private:
  void OnTimer() override;  // the pause is over
  // Takes the reserve back if its slot was taken while it was free: true when it is held.
  bool RegainReserve();
  // Whether a connection waits in the listener's backlog (poll, no wait).
  static bool ConnectionPending(int listen_fd);

  Reactor& reactor_;
  int listen_fd_;
  EventHandler* handler_;
  int pause_ms_;
  int reserve_fd_ = -1;  // /dev/null, freed to accept when out of descriptors
  int null_fd_ = -1;     // /dev/null, what a refused connection's slot is turned into
  bool paused_ = false;
};

}  // namespace pinpipe::net
