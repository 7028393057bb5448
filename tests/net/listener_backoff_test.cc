// ListenerBackoff on a bare listener, as the Kafka listener uses it: out of descriptors, a
// pending client is closed (not left in the backlog), the loop does not spin, and accepting
// resumes once descriptors are back.
#include "net/listener_backoff.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

#include "common/fd_limit.h"
#include "net/listener.h"
#include "net/reactor.h"

namespace pinpipe::net {
namespace {

// Accepts everything it can; counts accepted connections and backoffs.
class Acceptor final : public EventHandler {
 public:
  explicit Acceptor(int listen_fd) : listen_fd_(listen_fd) {}
  void OnEvents(uint32_t) override {
    while (!backoff->paused()) {
      const int fd = AcceptConnection(listen_fd_);
      if (fd < 0) {
        if (ListenerBackoff::OutOfDescriptors(errno)) {
          ++backoffs;
          refused += backoff->RefusePendingAndPause();
        }
        return;
      }
      accepted.push_back(fd);
      ++accepted_count;
    }
  }
  std::unique_ptr<ListenerBackoff> backoff;
  std::vector<int> accepted;  // loop thread
  std::atomic<int> accepted_count{0};
  std::atomic<int> backoffs{0};
  std::atomic<int> refused{0};

 private:
  int listen_fd_;
};

int Connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// True when the peer closed the connection within `ms`.
bool SeesClose(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, 0) == 0 || (p.revents & (POLLHUP | POLLERR)) != 0;
}

TEST(ListenerBackoffTest, OutOfDescriptorsAPendingClientIsClosedAndTheLoopDoesNotSpin) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers' runtimes need free descriptors; runs in the normal build";
#endif
  auto r = Reactor::Create({5});
  ASSERT_TRUE(r.has_value());
  Reactor& reactor = **r;
  auto lfd = OpenListener("127.0.0.1", 0, /*reuse_port=*/false);
  ASSERT_TRUE(lfd.has_value());
  const uint16_t port = *LocalPort(*lfd);
  Acceptor acceptor(*lfd);
  acceptor.backoff = std::make_unique<ListenerBackoff>(reactor, *lfd, &acceptor, 100);
  ASSERT_TRUE(reactor.Add(*lfd, EPOLLIN, &acceptor));
  std::thread loop([&] { reactor.Run(); });

  const int before = Connect(port);  // one accepted while descriptors remain
  ASSERT_GE(before, 0);
  for (int i = 0; i < 200 && acceptor.accepted_count.load() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(acceptor.accepted_count.load(), 1);

  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = OpenFileCount() + 16;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  std::vector<int> fillers;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) fillers.push_back(fd);
  std::vector<int> clients;
  for (int k = 0; k < 3; ++k) {  // each takes the descriptor a filler frees: none left for accept
    ::close(fillers.back());
    fillers.pop_back();
    const int c = Connect(port);
    ASSERT_GE(c, 0);
    clients.push_back(c);
    EXPECT_TRUE(SeesClose(c, 5000)) << "client " << k << " left hanging in the backlog";
  }
  EXPECT_EQ(acceptor.accepted_count.load(), 1);
  // Counted on the loop thread just after the closes the clients saw.
  for (int i = 0; i < 200 && acceptor.refused.load() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(acceptor.refused.load(), 3);
  // Still out of descriptors, nothing pending: a level-triggered listener that kept failing
  // accept() would be woken thousands of times here.
  const int settled = acceptor.backoffs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(acceptor.backoffs.load() - settled, 5) << "the loop spins on EMFILE";

  for (int f : fillers) ::close(f);
  for (int c : clients) ::close(c);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  const int after = Connect(port);  // descriptors are back: accepted after the pause
  ASSERT_GE(after, 0);
  for (int i = 0; i < 200 && acceptor.accepted_count.load() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(acceptor.accepted_count.load(), 2);
  EXPECT_FALSE(SeesClose(after, 200)) << "a connection accepted after the pause was closed";

  reactor.Post([&] {
    acceptor.backoff.reset();
    reactor.Remove(*lfd);
    reactor.Stop();
  });
  loop.join();
  for (int fd : acceptor.accepted) ::close(fd);
  ::close(before);
  ::close(after);
  ::close(*lfd);
}

}  // namespace
}  // namespace pinpipe::net
