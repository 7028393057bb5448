// ValueFilter: the message browser's filter on a record's value, evaluated on the server (on
// the dashboard's work pool, record by record, inside a bounded scan). Two forms, neither a
// regex (user input never reaches a regex engine):
// - a substring: the value's bytes contain `text` (case-sensitive, or ASCII case-folded);
// - a JSON field: `name=value` — the value is a JSON object whose top-level member `name` is
//   the string `value`, or a number/true/false/null whose JSON text is `value` (category=travel,
//   follower_count=42). A value that is not a JSON object never matches.
// Matching allocates nothing once the filter's padded buffer has grown to the largest value.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace pinpipe::ui {

class ValueFilter {
 public:
  static constexpr size_t kMaxText = 1024;

  // `contains` and `field` are the request's parameters (empty: not given); at most one.
  // Errors (→ 400): both given, a field without '=' or with an empty name, text over kMaxText.
  static Result<ValueFilter> Parse(std::string_view contains, std::string_view field, bool case_sensitive);

  bool active() const { return kind_ != Kind::kNone; }
  // Whether a record's value (none: a null value, which matches no filter) passes.
  bool Matches(const std::optional<std::string_view>& value);

 private:
  enum class Kind { kNone, kContains, kField };
  bool Contains(std::string_view v) const;
  bool FieldEquals(std::string_view v);

  Kind kind_ = Kind::kNone;
  bool case_sensitive_ = true;
  std::string text_;   // the substring, or the field's wanted value
  std::string name_;   // the JSON field
  std::string padded_; // the value copied with simdjson's padding (reused)
  simdjson::ondemand::parser parser_;
};

}  // namespace pinpipe::ui
