// Inbox<T>: a multi-producer queue into one reactor. Producers (any thread) Push; the reactor
// Drains in batches. The eventfd is written only when the queue goes from empty to non-empty
// while the reactor is asleep (or about to be: Reactor::sleeping_flag): an awake reactor looks
// at every inbox before it sleeps (Reactor::QueuedWork), so a burst of completions costs at
// most one wake-up and, under load, usually no system call at all. The lock is held for a
// vector push_back only; drained vectors are swapped, so steady state does not allocate.
// Shared ownership lets late producers (e.g. a Responder after Server::Stop) push safely:
// after Close(), Push returns false and drops the item.
#pragma once

#include <atomic>
#include <memory>
#include <utility>
#include <vector>

#include "common/mutex.h"
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

  // The consumer reactor's sleeping flag; until set, every empty-to-non-empty Push signals.
  // Set before any producer pushes.
  void SignalOnlyWhileAsleep(std::shared_ptr<const std::atomic<bool>> sleeping) {
    sleeping_ = std::move(sleeping);
  }
  // Reactor thread: whether Drain would return anything (may be stale by the time it does).
  bool HasItems() const { return nonempty_.load(std::memory_order_relaxed); }

  // Thread-safe. Returns false (and destroys the item) once closed.
  bool Push(T&& item) {
    UniqueMutexLock lock(mu_);
    if (closed_) {
      lock.unlock();
      [[maybe_unused]] T drop = std::move(item);
      return false;
    }
    const bool was_empty = items_.empty();
    items_.push_back(std::move(item));
    nonempty_.store(true, std::memory_order_relaxed);
    lock.unlock();
    if (!was_empty) return true;  // whoever made it non-empty has seen to the wake-up
    // Pairs with the fence in Reactor::Run between setting its sleeping flag and looking at
    // HasItems: either the reactor sees this item before it sleeps, or this sees it asleep.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    // Outside the lock, so the reactor's Drain never waits on this system call. The eventfd
    // stays open until the Inbox is destroyed (shared ownership), so this never hits a
    // closed or reused descriptor even when it races with Close.
    if (!sleeping_ || sleeping_->load(std::memory_order_relaxed)) wake_.Signal();
    return true;
  }

  // Reactor thread: moves every queued item into *out (which should be empty). `signaled`:
  // called because the eventfd fired (it is read, so that it stops firing).
  void Drain(std::vector<T>* out, bool signaled = true) {
    if (signaled) wake_.Drain();
    MutexLock lock(mu_);
    items_.swap(*out);
    nonempty_.store(false, std::memory_order_relaxed);
  }

  // Drops queued items (outside the lock) and refuses later pushes.
  void Close() {
    std::vector<T> drop;
    {
      MutexLock lock(mu_);
      closed_ = true;
      items_.swap(drop);
    }
  }

 private:
  Inbox() = default;
  Mutex mu_;
  bool closed_ GUARDED_BY(mu_) = false;
  std::vector<T> items_ GUARDED_BY(mu_);
  std::atomic<bool> nonempty_{false};
  std::shared_ptr<const std::atomic<bool>> sleeping_;
  EventFd wake_;
};

}  // namespace pinpipe::net
