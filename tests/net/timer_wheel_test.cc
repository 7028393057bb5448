#include "net/timer_wheel.h"

#include <gtest/gtest.h>

#include <vector>

namespace pinpipe::net {
namespace {

struct Recorder : TimerNode {
  std::vector<int>* fired;
  int id;
  Recorder(std::vector<int>* f, int i) : fired(f), id(i) {}
  void OnTimer() override { fired->push_back(id); }
};

TEST(TimerWheelTest, FiresInDeadlineWindowNeverEarly) {
  std::vector<int> fired;
  TimerWheel w(10, 1000);
  Recorder a(&fired, 1), b(&fired, 2), c(&fired, 3);
  w.Schedule(&a, 1050);
  w.Schedule(&b, 1100);
  w.Schedule(&c, 1000 + 10 * 600);  // beyond one wheel revolution
  w.Advance(1049);
  EXPECT_TRUE(fired.empty());
  w.Advance(1060);
  EXPECT_EQ(fired, std::vector<int>{1});
  w.Advance(2000);
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
  EXPECT_TRUE(c.armed());
  w.Advance(7000);
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheelTest, CancelAndRearm) {
  std::vector<int> fired;
  TimerWheel w(10, 0);
  Recorder a(&fired, 1), b(&fired, 2);
  w.Schedule(&a, 100);
  w.Schedule(&b, 100);
  w.Cancel(&a);
  EXPECT_FALSE(a.armed());
  w.Schedule(&b, 300);  // re-arm moves it
  w.Advance(200);
  EXPECT_TRUE(fired.empty());
  w.Advance(300);
  EXPECT_EQ(fired, std::vector<int>{2});
}

struct SelfRearm : TimerNode {
  TimerWheel* w;
  int count = 0;
  void OnTimer() override {
    if (++count < 3) w->Schedule(this, 1000000);
  }
};

TEST(TimerWheelTest, CallbackMayRearmItself) {
  TimerWheel w(5, 0);
  SelfRearm s;
  s.w = &w;
  w.Schedule(&s, 10);
  w.Advance(10);
  EXPECT_EQ(s.count, 1);
  EXPECT_TRUE(s.armed());
  w.Advance(1000000);
  EXPECT_EQ(s.count, 2);
  w.Advance(2000000);
  EXPECT_EQ(s.count, 3);  // re-armed in the past: fires on the next Advance, not in a loop
  EXPECT_FALSE(s.armed());
}

}  // namespace
}  // namespace pinpipe::net
