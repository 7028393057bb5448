#include "groups/group_coordinator.h"

#include <gtest/gtest.h>

#include <optional>

#include "common/clock.h"

namespace pinpipe::groups {
namespace {

// A coordinator on a manual clock, ticked by the test.
struct Fixture {
  ManualClock clock{1000};
  GroupCoordinator c{CoordinatorOptions{.initial_rebalance_delay_ms = 100, .clock = &clock}};
  JoinRequest Req(std::string member = "") {
    JoinRequest r;
    r.group_id = "g";
    r.member_id = std::move(member);
    r.client_id = "c";
    r.protocol_type = "consumer";
    r.session_timeout_ms = 10000;
    r.rebalance_timeout_ms = 30000;
    r.protocols = {{"range", "meta-range"}, {"roundrobin", "meta-rr"}};
    return r;
  }
};

TEST(GroupCoordinatorTest, FirstJoinWaitsForTheInitialDelayThenLeadsGenerationOne) {
  Fixture f;
  std::optional<JoinResult> a;
  f.c.Join(f.Req(), [&](JoinResult r) { a = std::move(r); });
  EXPECT_FALSE(a);  // parked
  f.c.Tick();
  EXPECT_FALSE(a);
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->error, 0);
  EXPECT_EQ(a->generation, 1);
  EXPECT_EQ(a->protocol, "range");
  EXPECT_EQ(a->leader, a->member_id);
  ASSERT_EQ(a->members.size(), 1u);
  EXPECT_EQ(a->members[0].second, "meta-range");

  std::optional<SyncResult> s;
  f.c.Sync("g", 1, a->member_id, {{a->member_id, "assign-a"}}, [&](SyncResult r) { s = r; });
  ASSERT_TRUE(s);
  EXPECT_EQ(s->error, 0);
  EXPECT_EQ(s->assignment, "assign-a");
  EXPECT_EQ(f.c.Heartbeat("g", 1, a->member_id), 0);
  EXPECT_EQ(f.c.Describe("g").state, "Stable");
}

TEST(GroupCoordinatorTest, ASecondMemberRebalancesAndFollowersWaitForTheLeadersSync) {
  Fixture f;
  std::optional<JoinResult> a, b, a2;
  f.c.Join(f.Req(), [&](JoinResult r) { a = std::move(r); });
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(a);
  f.c.Sync("g", 1, a->member_id, {{a->member_id, "x"}}, [](SyncResult) {});

  f.c.Join(f.Req(), [&](JoinResult r) { b = std::move(r); });
  EXPECT_FALSE(b);
  EXPECT_EQ(f.c.Heartbeat("g", 1, a->member_id), 27);  // REBALANCE_IN_PROGRESS: rejoin
  f.c.Join(f.Req(a->member_id), [&](JoinResult r) { a2 = std::move(r); });
  ASSERT_TRUE(a2 && b);  // everyone rejoined: no need to wait
  EXPECT_EQ(a2->generation, 2);
  EXPECT_EQ(b->generation, 2);
  EXPECT_EQ(a2->leader, a->member_id);
  EXPECT_EQ(a2->members.size(), 2u);
  EXPECT_TRUE(b->members.empty());

  std::optional<SyncResult> sb, sa;
  f.c.Sync("g", 2, b->member_id, {}, [&](SyncResult r) { sb = r; });
  EXPECT_FALSE(sb);
  f.c.Sync("g", 2, a->member_id, {{a->member_id, "p0"}, {b->member_id, "p1"}},
           [&](SyncResult r) { sa = r; });
  ASSERT_TRUE(sa && sb);
  EXPECT_EQ(sa->assignment, "p0");
  EXPECT_EQ(sb->assignment, "p1");
  EXPECT_EQ(f.c.Heartbeat("g", 1, b->member_id), 22);  // ILLEGAL_GENERATION
}

TEST(GroupCoordinatorTest, SessionTimeoutFollowsTheCoordinatorClock) {
  // Seconds of session timeout pass in microseconds of real time: a coordinator that read the
  // system clock would keep the silent member (or, on a 10-minute clock jump, expire it late).
  Fixture f;
  std::optional<JoinResult> a;
  f.c.Join(f.Req(), [&](JoinResult r) { a = std::move(r); });
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(a);
  f.c.Sync("g", 1, a->leader, {}, [](SyncResult) {});
  f.clock.Advance(9'000);
  f.c.Tick();
  EXPECT_EQ(f.c.Heartbeat("g", 1, a->member_id), 0);  // 9 s of a 10 s session: alive
  f.clock.Advance(10'001);
  f.c.Tick();
  EXPECT_EQ(f.c.Heartbeat("g", 1, a->member_id), 25);  // UNKNOWN_MEMBER_ID: expired
}

TEST(GroupCoordinatorTest, SilentMembersExpireAndLeavingRebalances) {
  Fixture f;
  std::optional<JoinResult> a, b;
  f.c.Join(f.Req(), [&](JoinResult r) { a = std::move(r); });
  f.c.Join(f.Req(), [&](JoinResult r) { b = std::move(r); });
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(a && b);
  f.c.Sync("g", 1, a->leader, {}, [](SyncResult) {});
  // b heartbeats, a falls silent past its session timeout.
  f.clock.Advance(6000);
  EXPECT_EQ(f.c.Heartbeat("g", 1, b->member_id), 0);
  f.clock.Advance(5000);
  f.c.Tick();
  EXPECT_EQ(f.c.Heartbeat("g", 1, a->member_id), 25);  // UNKNOWN_MEMBER_ID
  EXPECT_EQ(f.c.Heartbeat("g", 1, b->member_id), 27);
  std::optional<JoinResult> b2;
  f.c.Join(f.Req(b->member_id), [&](JoinResult r) { b2 = std::move(r); });
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->generation, 2);
  EXPECT_EQ(b2->leader, b->member_id);
  EXPECT_EQ(f.c.Leave("g", b->member_id), 0);
  EXPECT_EQ(f.c.Describe("g").state, "Empty");
  EXPECT_EQ(f.c.CheckCommit("g", -1, ""), 0);  // a simple commit to an empty group
}

TEST(GroupCoordinatorTest, BadJoinsGetKafkasErrors) {
  Fixture f;
  auto join = [&](JoinRequest r) {
    std::optional<JoinResult> res;
    f.c.Join(std::move(r), [&](JoinResult x) { res = std::move(x); });
    return res ? res->error : int16_t{-100};
  };
  JoinRequest r = f.Req();
  r.group_id = "";
  EXPECT_EQ(join(r), 24);
  r = f.Req();
  r.session_timeout_ms = 10;
  EXPECT_EQ(join(r), 26);
  EXPECT_EQ(join(f.Req("nobody")), 25);
  f.c.Join(f.Req(), [](JoinResult) {});
  r = f.Req();
  r.protocols = {{"cooperative-sticky", ""}};
  EXPECT_EQ(join(r), 23);  // no protocol in common
  r = f.Req();
  r.protocol_type = "connect";
  EXPECT_EQ(join(r), 23);
}

TEST(GroupCoordinatorTest, MembersThatDoNotRejoinByTheDeadlineAreDropped) {
  Fixture f;
  std::optional<JoinResult> a, b;
  f.c.Join(f.Req(), [&](JoinResult r) { a = std::move(r); });
  f.c.Join(f.Req(), [&](JoinResult r) { b = std::move(r); });
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(a && b);
  std::optional<JoinResult> c;
  f.c.Join(f.Req(), [&](JoinResult r) { c = std::move(r); });  // a new member: rebalance
  std::optional<JoinResult> a2;
  f.c.Join(f.Req(a->member_id), [&](JoinResult r) { a2 = std::move(r); });
  EXPECT_FALSE(a2);  // b has not rejoined; it keeps heartbeating though
  f.clock.Advance(30000);  // the rebalance timeout
  EXPECT_EQ(f.c.Heartbeat("g", 1, b->member_id), 27);
  f.c.Tick();
  ASSERT_TRUE(a2 && c);
  EXPECT_EQ(a2->generation, 2);
  EXPECT_EQ(f.c.Describe("g").members.size(), 2u);
}

}  // namespace
}  // namespace pinpipe::groups
