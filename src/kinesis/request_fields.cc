#include "kinesis/request_fields.h"

#include <cmath>

#include "common/base64.h"

namespace pinpipe::kinesis {

std::string Quoted(std::string_view v) {
  std::string s = "'";
  s += v.substr(0, 256);
  s += '\'';
  return s;
}

RequestFields::RequestFields(const Value& req) : req_(req) {
  if (req.kind != Value::Kind::kMap) {
    serialization_ = ApiError{"SerializationException", "Start of structure or map expected", 400};
  }
}

const Value* RequestFields::Field(std::string_view name, Value::Kind kind, std::string_view type_name) {
  const Value* v = req_.Find(name);
  if (!v || v->is_null()) return nullptr;
  if (v->kind != kind) {
    if (!serialization_) {
      serialization_ = ApiError{"SerializationException",
                                "Unexpected value type for " + std::string(name) + ": expected " +
                                    std::string(type_name), 400};
    }
    return nullptr;
  }
  return v;
}

const std::string* RequestFields::String(std::string_view name) {
  const Value* v = Field(name, Value::Kind::kString, "a string");
  return v ? &v->s : nullptr;
}

std::optional<int64_t> RequestFields::Int(std::string_view name) {
  const Value* v = req_.Find(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->kind == Value::Kind::kInt) return v->i;
  if (v->kind == Value::Kind::kDouble && std::isfinite(v->d) && std::trunc(v->d) == v->d &&
      std::fabs(v->d) < 9e18) {
    return static_cast<int64_t>(v->d);
  }
  Field(name, Value::Kind::kInt, "an integer");
  return std::nullopt;
}

std::optional<bool> RequestFields::Bool(std::string_view name) {
  const Value* v = Field(name, Value::Kind::kBool, "a boolean");
  return v ? std::optional<bool>(v->b) : std::nullopt;
}

const Value* RequestFields::Map(std::string_view name) { return Field(name, Value::Kind::kMap, "a structure"); }
const Value* RequestFields::List(std::string_view name) { return Field(name, Value::Kind::kArray, "a list"); }

std::optional<int64_t> RequestFields::TimestampMs(std::string_view name) {
  const Value* v = req_.Find(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->kind == Value::Kind::kTimestamp) return static_cast<int64_t>(std::llround(v->d));
  // Seconds that fit milliseconds in 64 bits (about ±292 million years); larger is a type error.
  if (v->kind == Value::Kind::kInt && v->i > -9000000000000000 && v->i < 9000000000000000) return v->i * 1000;
  if (v->kind == Value::Kind::kDouble && std::isfinite(v->d) && std::fabs(v->d) < 9e15) {
    return static_cast<int64_t>(std::llround(v->d * 1000));
  }
  Field(name, Value::Kind::kTimestamp, "a timestamp");
  return std::nullopt;
}

bool RequestFields::Blob(std::string_view name, std::string& out) {
  const Value* v = req_.Find(name);
  if (!v || v->is_null()) return false;
  if (v->kind == Value::Kind::kBytes) {
    out = v->s;
    return true;
  }
  if (v->kind == Value::Kind::kString) {
    out.clear();
    if (!Base64Decode(v->s, out)) {
      if (!serialization_) {
        serialization_ = ApiError{"SerializationException",
                                  "Base64 encoded value expected for " + std::string(name), 400};
      }
      return false;
    }
    return true;
  }
  Field(name, Value::Kind::kBytes, "a blob");
  return false;
}

void RequestFields::Required(bool present, std::string_view at) {
  if (!present) Fail("Value null at '" + std::string(at) + "' failed to satisfy constraint: Member must not be null");
}

void RequestFields::Length(std::string_view value, size_t min, size_t max, std::string_view at) {
  if (value.size() < min) {
    Fail("Value " + Quoted(value) + " at '" + std::string(at) +
         "' failed to satisfy constraint: Member must have length greater than or equal to " + std::to_string(min));
  } else if (value.size() > max) {
    Fail("Value " + Quoted(value) + " at '" + std::string(at) +
         "' failed to satisfy constraint: Member must have length less than or equal to " + std::to_string(max));
  }
}

void RequestFields::Pattern(std::string_view value, bool ok, std::string_view pattern, std::string_view at) {
  if (!ok) {
    Fail("Value " + Quoted(value) + " at '" + std::string(at) +
         "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + std::string(pattern));
  }
}

void RequestFields::Range(int64_t value, int64_t min, int64_t max, std::string_view at) {
  if (value < min) {
    Fail("Value '" + std::to_string(value) + "' at '" + std::string(at) +
         "' failed to satisfy constraint: Member must have value greater than or equal to " + std::to_string(min));
  } else if (value > max) {
    Fail("Value '" + std::to_string(value) + "' at '" + std::string(at) +
         "' failed to satisfy constraint: Member must have value less than or equal to " + std::to_string(max));
  }
}

void RequestFields::Enum(std::string_view value, std::initializer_list<std::string_view> allowed, std::string_view at) {
  for (auto a : allowed) {
    if (a == value) return;
  }
  std::string set;
  for (auto a : allowed) {
    if (!set.empty()) set += ", ";
    set += a;
  }
  Fail("Value " + Quoted(value) + " at '" + std::string(at) +
       "' failed to satisfy constraint: Member must satisfy enum value set: [" + set + "]");
}

std::optional<ApiError> RequestFields::Error() const {
  if (serialization_) return serialization_;
  if (validation_.empty()) return std::nullopt;
  size_t n = std::min<size_t>(validation_.size(), 10);
  std::string m = std::to_string(n) + (n == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t k = 0; k < n; ++k) {
    if (k) m += "; ";
    m += validation_[k];
  }
  return ApiError{"ValidationException", std::move(m), 400};
}

bool RequestFields::IsStreamNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool RequestFields::ValidName(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsStreamNameChar(c)) return false;
  }
  return true;
}

}  // namespace pinpipe::kinesis
