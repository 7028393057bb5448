// Inbox<T>: a multi-producer queue into one reactor. Producers (any thread) Push; the reactor
// Drains in batches when its eventfd fires. The eventfd is written only when the queue goes
// from empty to non-empty, so a burst of completions costs one wake-up. The lock is held for a
// vector push_back only; drained vectors are swapped, so steady state does not allocate.
// Shared ownership lets late producers (e.g. a Responder after Server::Stop) push safely:
// after Close(), Push returns false and drops the item.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "common/status.h"
#include "net/event_fd.h"

namespace pinpipe::net {

template <typename T>
class Inbox {
 public:
  static Result<std::shared_ptr<Inbox>> Create() {
    auto efd = EventFd::Create();
    if (!efd) return std::unexpected(efd.error());
    auto inbox = std::shared_ptr<Inbox>(new Inbox());
    inbox->wake_ = std::move(*efd);
    return inbox;
  }

  int fd() const { return wake_.fd(); }

  // Thread-safe. Returns false (and destroys the item) once closed.
  bool Push(T&& item) {
    std::unique_lock lock(mu_);
    if (closed_) {
      lock.unlock();
      [[maybe_unused]] T drop = std::move(item);
      return false;
    }
    const bool was_empty = items_.empty();
    items_.push_back(std::move(item));
    lock.unlock();
    // Outside the lock, so the reactor's Drain never waits on this system call. The eventfd
    // stays open until the Inbox is destroyed (shared ownership), so this never hits a
    // closed or reused descriptor even when it races with Close.
    if (was_empty) wake_.Signal();
    return true;
  }

  // Reactor thread: moves every queued item into *out (which should be empty).
  void Drain(std::vector<T>* out) {
    wake_.Drain();
    std::lock_guard lock(mu_);
    items_.swap(*out);
  }

  // Drops queued items (outside the lock) and refuses later pushes.
  void Close() {
    std::vector<T> drop;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      items_.swap(drop);
    }
  }

 private:
  Inbox() = default;
  std::mutex mu_;
  bool closed_ = false;
  std::vector<T> items_;
  EventFd wake_;
};

}  // namespace pinpipe::net
