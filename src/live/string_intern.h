// StringIntern: dense ids for the distinct strings of a growing input (categories, countries,
// poster names, user names). Unlike pinterest::StringDict it owns its strings, because the live
// view outlives the tables its rows came from. Only a new distinct value allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pinpipe::live {

class StringIntern {
 public:
  static constexpr uint32_t kNullId = UINT32_MAX;

  uint32_t Intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(values_.size());
    values_.push_back(std::make_unique<std::string>(s));
    ids_.emplace(std::string_view(*values_.back()), id);
    return id;
  }
  std::string_view Value(uint32_t id) const { return *values_[id]; }
  size_t size() const { return values_.size(); }

 private:
  std::vector<std::unique_ptr<std::string>> values_;  // stable addresses for the keys' views
  std::unordered_map<std::string_view, uint32_t> ids_;
};

}  // namespace pinpipe::live
