#include "net/reactor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "net/inbox.h"
#include "net/listener.h"

namespace pinpipe::net {
namespace {

TEST(ReactorTest, PostFromOtherThreadsRunsOnLoop) {
  auto r = Reactor::Create({10});
  ASSERT_TRUE(r.has_value());
  Reactor& reactor = **r;
  std::thread loop([&] { reactor.Run(); });
  std::atomic<int> count{0};
  std::atomic<bool> all_on_loop{true};
  std::vector<std::thread> producers;
  for (int t = 0; t < 4; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        reactor.Post([&] {
          if (!reactor.InLoopThread()) all_on_loop = false;
          count++;
        });
      }
    });
  }
  for (auto& p : producers) p.join();
  for (int i = 0; i < 200 && count.load() < 4000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(count.load(), 4000);
  EXPECT_TRUE(all_on_loop.load());
  EXPECT_FALSE(reactor.InLoopThread());
  reactor.Stop();
  loop.join();
}

struct Fire : TimerNode {
  std::atomic<bool> fired{false};
  void OnTimer() override { fired = true; }
};

// Every Post must wake the loop or be seen by it before it sleeps. With an unbounded idle
// sleep, a lost wake-up is a hang: each producer waits for its previous item to run before
// posting the next, which makes the loop fall asleep between almost every pair of posts.
TEST(ReactorTest, NoPostIsLeftWaitingWhileTheLoopSleeps) {
  ReactorOptions options;
  options.idle_sleep_ms = -1;
  auto r = Reactor::Create(options);
  ASSERT_TRUE(r.has_value());
  Reactor& reactor = **r;
  std::thread loop([&] { reactor.Run(); });
  constexpr int kProducers = 3, kRounds = 20000;
  std::atomic<int> stalled{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kProducers; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kRounds && stalled.load() == 0; ++i) {
        auto ran = std::make_shared<std::atomic<bool>>(false);
        reactor.Post([ran] { ran->store(true, std::memory_order_release); });
        // A few microseconds normally; 10 s means the loop slept through the post.
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!ran->load(std::memory_order_acquire)) {
          if (std::chrono::steady_clock::now() > deadline) {
            stalled++;
            break;
          }
          std::this_thread::yield();
        }
      }
    });
  }
  for (auto& p : producers) p.join();
  EXPECT_EQ(stalled.load(), 0);
  reactor.Stop();
  loop.join();
}

TEST(ReactorTest, TimersFireWithoutTraffic) {
  auto r = Reactor::Create({5});
  ASSERT_TRUE(r.has_value());
  Reactor& reactor = **r;
  Fire f;
  reactor.timers().Schedule(&f, Reactor::CoarseNowMs() + 30);
  std::thread loop([&] { reactor.Run(); });
  for (int i = 0; i < 200 && !f.fired; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(f.fired.load());
  reactor.Stop();
  loop.join();
}

TEST(InboxTest, ClosedInboxDropsPushes) {
  auto inbox = Inbox<int>::Create();
  ASSERT_TRUE(inbox.has_value());
  EXPECT_TRUE((*inbox)->Push(1));
  EXPECT_TRUE((*inbox)->Push(2));
  std::vector<int> out;
  (*inbox)->Drain(&out);
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  (*inbox)->Close();
  EXPECT_FALSE((*inbox)->Push(3));
}

TEST(ListenerTest, EphemeralPortAndReusePort) {
  auto a = OpenListener("127.0.0.1", 0, true);
  ASSERT_TRUE(a.has_value());
  auto port = LocalPort(*a);
  ASSERT_TRUE(port.has_value());
  EXPECT_NE(*port, 0);
  auto b = OpenListener("127.0.0.1", *port, true);  // second reactor's socket
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(AcceptConnection(*a), -1);  // nothing pending, non-blocking
  EXPECT_FALSE(OpenListener("bogus", 0, true).has_value());
  ::close(*a);
  ::close(*b);
}

}  // namespace
}  // namespace pinpipe::net
