// ListGroups v0-5 (v3+ flexible): the coordinator's groups, and the groups that only have
// committed offsets (REST Proxy consumers' groups, groups whose members all left, groups from
// before a restart), as Empty groups. v4 adds each group's state and a states filter
// (`kafka-consumer-groups --list --state`), v5 its type (every group here is "classic") and a
// types filter; filters match case-insensitively, as Kafka's do.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "groups/group_coordinator.h"
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

// Empty filter = everything.
bool Matches(const std::vector<std::string_view>& filter, std::string_view value) {
  if (filter.empty()) return true;
  return std::ranges::any_of(filter, [&](std::string_view f) { return EqualsIgnoreCase(f, value); });
}

constexpr std::string_view kClassic = "classic";

}  // namespace

void HandleListGroups(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  const bool flex = req.header.flexible;
  Reader r(req.body);
  std::vector<std::string_view> states, types;
  if (v >= 4) {
    int32_t n = r.ArrayLength(flex);
    for (int32_t i = 0; i < n && !r.failed(); ++i) states.push_back(r.String(flex));
  }
  if (v >= 5) {
    int32_t n = r.ArrayLength(flex);
    for (int32_t i = 0; i < n && !r.failed(); ++i) types.push_back(r.String(flex));
  }
  if (flex) r.SkipTaggedFields();
  if (r.failed()) return reply.Close();

  auto live = b.groups().List();
  std::set<std::string> seen;
  for (const auto& g : live) seen.insert(g.group_id);
  for (auto& name : b.log().offsets().Groups()) {
    if (!seen.contains(name)) live.push_back({name, "consumer", "Empty"});
  }
  std::erase_if(live, [&](const groups::GroupListing& g) {
    return !Matches(states, g.state) || !Matches(types, kClassic);
  });
  std::string body;
  Writer w(body);
  if (v >= 1) w.I32(0);
  w.I16(err::kNone);
  w.ArrayLength(static_cast<int32_t>(live.size()), flex);
  for (const auto& g : live) {
    w.String(g.group_id, flex);
    w.String(g.protocol_type, flex);
    if (v >= 4) w.String(g.state, flex);
    if (v >= 5) w.String(kClassic, flex);
    if (flex) w.EmptyTaggedFields();
  }
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
