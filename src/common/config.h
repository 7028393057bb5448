// Effective configuration: embedded defaults, overridden by pinpipe.toml, overridden by
// PINPIPE_<SECTION>_<KEY> environment variables, overridden by --set key=value flags.
// Every key is declared once in config_keys.cc with its default, a help text and the values it
// accepts, so a typo in a file, a variable or a flag — an unknown key or a value of the wrong
// type or out of range — is an error at load, naming the key and the source, instead of a
// silently ignored setting or a failure deep inside a subsystem.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe {

// The values a key accepts. Build one with the helpers below (Text(), Int(1, 100), ...).
struct ValueSpec {
  enum class Kind { kUndeclared, kText, kBool, kInt, kEnum, kCustom };
  Kind kind = Kind::kUndeclared;
  bool empty_ok = true;        // "" is accepted (it means "unset": the documented fallback)
  int64_t min = 0, max = 0;    // kInt, inclusive
  std::string_view choices;    // kEnum: "a|b|c"
  // kCustom: an error message (without the key) for a value it rejects, or "" when valid.
  std::string (*check)(std::string_view value) = nullptr;
  std::string_view describe;   // kCustom: what is accepted, for messages and help
};

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();
constexpr ValueSpec MakeSpec(ValueSpec::Kind kind, bool empty_ok) {
  ValueSpec s;
  s.kind = kind;
  s.empty_ok = empty_ok;
  return s;
}
// Any text, "" included.
constexpr ValueSpec Text() { return MakeSpec(ValueSpec::Kind::kText, true); }
// Any text but "".
constexpr ValueSpec NonEmpty() { return MakeSpec(ValueSpec::Kind::kText, false); }
// true/false (also 1/0, yes/no, on/off).
constexpr ValueSpec Bool() { return MakeSpec(ValueSpec::Kind::kBool, false); }
// An integer in min..max.
constexpr ValueSpec Int(int64_t min, int64_t max = kNoLimit) {
  ValueSpec s = MakeSpec(ValueSpec::Kind::kInt, false);
  s.min = min;
  s.max = max;
  return s;
}
// An integer in min..max, or "" (unset).
constexpr ValueSpec OptionalInt(int64_t min, int64_t max = kNoLimit) {
  ValueSpec s = Int(min, max);
  s.empty_ok = true;
  return s;
}
// One of "a|b|c".
constexpr ValueSpec OneOf(std::string_view choices) {
  ValueSpec s = MakeSpec(ValueSpec::Kind::kEnum, false);
  s.choices = choices;
  return s;
}
constexpr ValueSpec Custom(std::string (*check)(std::string_view), std::string_view describe) {
  ValueSpec s = MakeSpec(ValueSpec::Kind::kCustom, false);
  s.check = check;
  s.describe = describe;
  return s;
}

// "an integer in 1..65535", "one of json, bytes", ... (for errors and `config show`).
std::string DescribeSpec(const ValueSpec& spec);
// "" if `value` is acceptable, else why not (the spec's description).
std::string CheckValue(const ValueSpec& spec, std::string_view value);

struct ConfigKey {
  std::string_view key;            // "section.name"
  std::string_view default_value;  // as text
  std::string_view help;
  ValueSpec spec;                  // what values are accepted (every key declares one)
};

// The candidate closest to `word` by edit distance, or "" if none is close enough to be a
// plausible typo ("did you mean ...?" for keys and commands).
std::string_view ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

// Environment variables named PINPIPE_* that are not configuration keys: PINPIPE_BIN (the
// binary the test suites run) and PINPIPE_TEST_* (test hooks, e.g. PINPIPE_TEST_FAIL_TASK).
bool IsReservedEnvName(std::string_view name);

// All keys pinpipe knows, in display order.
const std::vector<ConfigKey>& KnownConfigKeys();

// Keys whose values are never printed or logged (secret keys, tokens, passwords, API keys).
bool IsSecretKey(std::string_view key);

// "http.port" -> "PINPIPE_HTTP_PORT"
std::string ConfigEnvName(std::string_view key);

struct ConfigSources {
  std::string file;                 // empty: ./pinpipe.toml if it exists
  std::vector<std::string> sets;    // "key=value" (--set)
  // Command-line aliases of keys (--data-dir DIR = --set data.dir=DIR), applied after `sets`.
  struct Flag {
    std::string key, value, flag;   // flag: "--data-dir", named as the source
  };
  std::vector<Flag> flags;
  bool read_environment = true;
};

class Config {
 public:
  // Defaults only.
  Config();
  static Result<Config> Load(const ConfigSources& sources);

  // Sets a known key to a value its spec accepts; otherwise an error naming the key, the value,
  // the source and what is accepted.
  Status Set(std::string_view key, std::string value, std::string source);

  const std::string& GetString(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  // Where the effective value came from: "default", "file <path>", "env <NAME>", "--set",
  // or the alias flag ("--port").
  const std::string& Source(std::string_view key) const;

  // data.dir, and lake.uri with its default resolved against data.dir.
  std::string DataDir() const { return GetString("data.dir"); }
  std::string LakeUri() const;

  // Aligned "key = value   # source" lines, in TOML syntax.
  std::string Show() const;

 private:
  struct Value {
    std::string text;
    std::string source;
  };
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace pinpipe
