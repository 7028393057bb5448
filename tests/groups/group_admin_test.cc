#include "groups/group_admin.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/clock.h"
#include "common/file_system.h"
#include "groups/group_coordinator.h"
#include "log/offset_store.h"

namespace pinpipe::groups {
namespace {

namespace fs = std::filesystem;

class GroupAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pinpipe_group_admin_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto r = log::OffsetStore::Open(FileSystem::Default(), dir_.string());
    ASSERT_TRUE(r) << r.error().ToString();
    store_ = std::move(*r);
  }
  void Commit(const std::string& group, int64_t offset) {
    log::OffsetCommit c{"t", 0, offset, ""};
    ASSERT_TRUE(store_->Commit(group, std::span<const log::OffsetCommit>(&c, 1)));
  }
  // A member that joined and synced (generation 1), so the group is Stable.
  std::string JoinMember(const std::string& group) {
    JoinRequest r;
    r.group_id = group;
    r.protocol_type = "consumer";
    r.session_timeout_ms = 10000;
    r.protocols = {{"range", "m"}};
    std::optional<JoinResult> joined;
    coordinator_.Join(r, [&](JoinResult j) { joined = std::move(j); });
    clock_.Advance(1);
    coordinator_.Tick();
    EXPECT_TRUE(joined);
    return joined ? joined->member_id : std::string();
  }

  ManualClock clock_{1000};
  GroupCoordinator coordinator_{CoordinatorOptions{.initial_rebalance_delay_ms = 0, .clock = &clock_}};
  fs::path dir_;
  std::unique_ptr<log::OffsetStore> store_;
};

TEST_F(GroupAdminTest, UnknownGroupIsNotFoundAndEmptyNameIsInvalid) {
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "nope").error, 69);  // GROUP_ID_NOT_FOUND
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "").error, 24);      // INVALID_GROUP_ID
}

TEST_F(GroupAdminTest, GroupWithOnlyCommittedOffsetsIsDeletedDurably) {
  Commit("g", 7);
  Commit("other", 3);
  GroupDeletion d = DeleteGroup(coordinator_, *store_, "g");
  EXPECT_EQ(d.error, 0) << d.message;
  EXPECT_FALSE(store_->Fetch("g", "t", 0));
  Reopen();  // the deletion survives a restart; the other group is untouched
  EXPECT_FALSE(store_->Fetch("g", "t", 0));
  EXPECT_EQ(store_->Groups(), std::vector<std::string>{"other"});
  EXPECT_EQ(store_->Fetch("other", "t", 0)->offset, 3);
  // Deleted means gone: a second deletion does not find it.
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "g").error, 69);
}

TEST_F(GroupAdminTest, GroupWithMembersIsNonEmptyAndKeepsItsOffsets) {
  std::string member = JoinMember("g");
  ASSERT_FALSE(member.empty());
  Commit("g", 5);
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "g").error, 68);  // NON_EMPTY_GROUP
  EXPECT_EQ(store_->Fetch("g", "t", 0)->offset, 5);
  // Once its last member leaves it is Empty and can go, offsets and membership both.
  EXPECT_EQ(coordinator_.Leave("g", member), 0);
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "g").error, 0);
  EXPECT_FALSE(store_->Fetch("g", "t", 0));
  EXPECT_EQ(coordinator_.Describe("g").state, "Dead");
}

TEST_F(GroupAdminTest, MembersOfAnotherFrontEndMakeTheGroupNonEmpty) {
  Commit("rest-group", 2);
  auto rest_members = [](const std::string& g) { return g == "rest-group"; };
  EXPECT_EQ(DeleteGroup(coordinator_, *store_, "rest-group", rest_members).error, 68);
  EXPECT_EQ(store_->Fetch("rest-group", "t", 0)->offset, 2);
}

TEST_F(GroupAdminTest, EmptyCoordinatorGroupWithoutOffsetsIsDeleted) {
  std::string member = JoinMember("g");
  ASSERT_EQ(coordinator_.Leave("g", member), 0);
  EXPECT_EQ(coordinator_.Describe("g").state, "Empty");
  EXPECT_EQ(coordinator_.DeleteGroup("g"), 0);
  EXPECT_EQ(coordinator_.DeleteGroup("g"), 69);
}

}  // namespace
}  // namespace pinpipe::groups
