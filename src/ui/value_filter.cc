#include "ui/value_filter.h"

#include <algorithm>

namespace pinpipe::ui {
namespace od = simdjson::ondemand;
namespace {

char Fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<ValueFilter> ValueFilter::Parse(std::string_view contains, std::string_view field, bool case_sensitive) {
  ValueFilter f;
  f.case_sensitive_ = case_sensitive;
  if (!contains.empty() && !field.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "give either contains or field, not both");
  }
  if (contains.size() > kMaxText || field.size() > kMaxText) {
    return MakeError(ErrorCode::kInvalidArgument, "the filter is longer than " + std::to_string(kMaxText) + " bytes");
  }
  if (!contains.empty()) {
    f.kind_ = Kind::kContains;
    f.text_ = std::string(contains);
    if (!case_sensitive) std::transform(f.text_.begin(), f.text_.end(), f.text_.begin(), Fold);
  } else if (!field.empty()) {
    const size_t eq = field.find('=');
    if (eq == std::string_view::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "field must be name=value (e.g. category=travel)");
    }
    if (eq == 0) return MakeError(ErrorCode::kInvalidArgument, "field needs a name before '='");
    f.kind_ = Kind::kField;
    f.name_ = std::string(field.substr(0, eq));
    f.text_ = std::string(field.substr(eq + 1));
  }
  return f;
}

bool ValueFilter::Matches(const std::optional<std::string_view>& value) {
  if (kind_ == Kind::kNone) return true;
  if (!value) return false;
  return kind_ == Kind::kContains ? Contains(*value) : FieldEquals(*value);
}

bool ValueFilter::Contains(std::string_view v) const {
  if (case_sensitive_) return v.find(text_) != std::string_view::npos;
  return std::search(v.begin(), v.end(), text_.begin(), text_.end(),
                     [](char a, char b) { return Fold(a) == b; }) != v.end();
}

bool ValueFilter::FieldEquals(std::string_view v) {
  // ondemand reads past the end: copy into a buffer with simdjson's padding (grown, not shrunk).
  if (padded_.size() < v.size() + simdjson::SIMDJSON_PADDING) padded_.resize(v.size() + simdjson::SIMDJSON_PADDING);
  std::copy(v.begin(), v.end(), padded_.begin());
  od::document doc;
  if (parser_.iterate(padded_.data(), v.size(), padded_.size()).get(doc)) return false;
  od::object obj;
  if (doc.get_object().get(obj)) return false;
  for (auto f : obj) {
    std::string_view k;
    if (f.unescaped_key().get(k)) return false;
    if (k != name_) continue;
    od::value val;
    od::json_type t;
    if (f.value().get(val) || val.type().get(t)) return false;
    if (t == od::json_type::string) {
      std::string_view s;
      return !val.get_string().get(s) && s == text_;
    }
    if (t == od::json_type::object || t == od::json_type::array) return false;
    return TrimRight(val.raw_json_token()) == text_;
  }
  return false;
}

}  // namespace pinpipe::ui
