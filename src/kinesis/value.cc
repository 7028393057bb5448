#include "kinesis/value.h"

namespace pinpipe::kinesis {

const Value* Value::Find(std::string_view key) const {
  if (kind != Kind::kMap) return nullptr;
  for (auto it = fields.rbegin(); it != fields.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

Value& Value::Set(std::string key, Value v) {
  fields.emplace_back(std::move(key), std::move(v));
  return fields.back().second;
}

}  // namespace pinpipe::kinesis
