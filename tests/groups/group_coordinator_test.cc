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

// A member its front end keeps alive (a REST Proxy instance): it joins an empty group at once,
// never expires however long it is silent, and learns of every rebalance it did not start
// through on_rebalance, so that it rejoins without a heartbeat.
TEST(GroupCoordinatorTest, FrontEndMembersJoinAtOnceNeverExpireAndHearOfRebalances) {
  Fixture f;
  int notified = 0;
  auto rest = [&](std::string member) {
    JoinRequest r = f.Req(std::move(member));
    r.client_id = "rest-a";
    r.protocols = {{"range", "meta-rest"}};
    r.session_expires = false;
    r.initial_delay = false;
    r.on_rebalance = [&] { ++notified; };
    return r;
  };
  std::optional<JoinResult> a;
  f.c.Join(rest(""), [&](JoinResult r) { a = std::move(r); });
  ASSERT_TRUE(a);  // no initial delay
  EXPECT_EQ(a->generation, 1);
  std::optional<SyncResult> sa;
  f.c.Sync("g", 1, a->member_id, {{a->member_id, "all"}}, [&](SyncResult r) { sa = r; });
  ASSERT_TRUE(sa);
  // Silent for far longer than its session timeout: still a member.
  f.clock.Advance(10 * 10000);
  f.c.Tick();
  EXPECT_EQ(f.c.Describe("g").members.size(), 1u);
  EXPECT_EQ(notified, 0);

  // A Kafka member joins: the REST member is told (once), rejoins, and the round ends.
  std::optional<JoinResult> k;
  f.c.Join(f.Req(), [&](JoinResult r) { k = std::move(r); });
  EXPECT_EQ(notified, 1);
  EXPECT_FALSE(k);
  std::optional<JoinResult> a2;
  f.c.Join(rest(a->member_id), [&](JoinResult r) { a2 = std::move(r); });
  ASSERT_TRUE(a2 && k);
  EXPECT_EQ(a2->generation, 2);
  EXPECT_EQ(a2->leader, a->member_id);  // the leader stays
  ASSERT_EQ(a2->members.size(), 2u);
  EXPECT_EQ(notified, 1);  // its own rejoin is not news to it

  // The Kafka member is silent past its session: it expires, the REST member is told again.
  std::optional<SyncResult> sk, sa2;
  f.c.Sync("g", 2, k->member_id, {}, [&](SyncResult r) { sk = r; });
  f.c.Sync("g", 2, a2->member_id, {{a2->member_id, "half"}, {k->member_id, "other"}},
           [&](SyncResult r) { sa2 = r; });
  ASSERT_TRUE(sk && sa2);
  EXPECT_EQ(sk->assignment, "other");
  f.clock.Advance(10001);
  f.c.Tick();
  EXPECT_EQ(notified, 2);
  auto d = f.c.Describe("g");
  ASSERT_EQ(d.members.size(), 1u);
  EXPECT_EQ(d.members[0].client_id, "rest-a");
  // Only Leave removes it.
  EXPECT_EQ(f.c.Leave("g", a->member_id), 0);
  EXPECT_EQ(f.c.Describe("g").state, "Empty");
}

// A member parked in SyncGroup when a new round starts gets REBALANCE_IN_PROGRESS and the
// notification (its front end rejoins once, from either signal).
TEST(GroupCoordinatorTest, AParkedFollowerSyncIsAnsweredAndNotified) {
  Fixture f;
  std::optional<JoinResult> k;
  f.c.Join(f.Req(), [&](JoinResult r) { k = std::move(r); });
  f.clock.Advance(100);
  f.c.Tick();
  ASSERT_TRUE(k);
  std::optional<SyncResult> sk;
  f.c.Sync("g", 1, k->member_id, {{k->member_id, "all"}}, [&](SyncResult r) { sk = r; });
  int notified = 0;
  JoinRequest rr = f.Req();
  rr.session_expires = false;
  rr.initial_delay = false;
  rr.on_rebalance = [&] { ++notified; };
  std::optional<JoinResult> a;
  f.c.Join(std::move(rr), [&](JoinResult r) { a = std::move(r); });
  std::optional<JoinResult> k2;
  f.c.Join(f.Req(k->member_id), [&](JoinResult r) { k2 = std::move(r); });
  ASSERT_TRUE(a && k2);
  std::optional<SyncResult> sa;
  f.c.Sync("g", 2, a->member_id, {}, [&](SyncResult r) { sa = r; });
  EXPECT_FALSE(sa);  // waits for the Kafka leader
  std::optional<JoinResult> k3;
  f.c.Join(f.Req(k->member_id), [&](JoinResult r) { k3 = std::move(r); });  // a new round
  ASSERT_TRUE(sa);
  EXPECT_EQ(sa->error, 27);  // REBALANCE_IN_PROGRESS
  EXPECT_EQ(notified, 1);
}

}  // namespace
}  // namespace pinpipe::groups
