// Effective configuration: embedded defaults, overridden by pinpipe.toml, overridden by
// PINPIPE_<SECTION>_<KEY> environment variables, overridden by --set key=value flags.
// Every key is declared once in config_keys.cc with its default and a help text, so a
// typo in a file, a variable or a flag is an error instead of a silently ignored setting.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe {

struct ConfigKey {
  std::string_view key;            // "section.name"
  std::string_view default_value;  // as text
  std::string_view help;
};

// All keys pinpipe knows, in display order.
const std::vector<ConfigKey>& KnownConfigKeys();

// Keys whose values are never printed or logged (secret keys, tokens, passwords, API keys).
bool IsSecretKey(std::string_view key);

// "http.port" -> "PINPIPE_HTTP_PORT"
std::string ConfigEnvName(std::string_view key);

struct ConfigSources {
  std::string file;                 // empty: ./pinpipe.toml if it exists
  std::vector<std::string> sets;    // "key=value"
  bool read_environment = true;
};

class Config {
 public:
  // Defaults only.
  Config();
  static Result<Config> Load(const ConfigSources& sources);

  Status Set(std::string_view key, std::string value, std::string source);

  const std::string& GetString(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  // Where the effective value came from: "default", "file <path>", "env <NAME>", "flag".
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
