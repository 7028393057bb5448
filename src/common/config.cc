#include "common/config.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <toml++/toml.h>

namespace pinpipe {

std::string ConfigEnvName(std::string_view key) {
  std::string env = "PINPIPE_";
  for (char c : key) env += (c == '.') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

Config::Config() {
  for (const auto& k : KnownConfigKeys()) {
    values_.emplace(std::string(k.key), Value{std::string(k.default_value), "default"});
  }
}

Status Config::Set(std::string_view key, std::string value, std::string source) {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown configuration key '" + std::string(key) + "' (from " + source +
                         "); `pinpipe config show` lists the keys");
  }
  it->second = Value{std::move(value), std::move(source)};
  return OkStatus();
}

static Status LoadToml(Config& cfg, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return MakeError(ErrorCode::kInvalidArgument,
                     "config file " + path + " line " + std::to_string(where.line) + ": " +
                         std::string(e.description()));
  }
  for (const auto& [section, node] : root) {
    const toml::table* tbl = node.as_table();
    if (!tbl) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "config file " + path + ": '" + std::string(section.str()) +
                           "' must be a [section]");
    }
    for (const auto& [name, value] : *tbl) {
      std::string key = std::string(section.str()) + "." + std::string(name.str());
      std::string text;
      if (auto s = value.value<std::string>(); s && value.is_string()) {
        text = *s;
      } else if (value.is_integer()) {
        text = std::to_string(*value.value<int64_t>());
      } else if (value.is_boolean()) {
        text = *value.value<bool>() ? "true" : "false";
      } else if (value.is_floating_point()) {
        text = std::to_string(*value.value<double>());
      } else {
        return MakeError(ErrorCode::kInvalidArgument,
                         "config file " + path + ": " + key + " must be a string, number or boolean");
      }
      PINPIPE_RETURN_IF_ERROR(cfg.Set(key, std::move(text), "file " + path));
    }
  }
  return OkStatus();
}

Result<Config> Config::Load(const ConfigSources& sources) {
  Config cfg;
  std::string file = sources.file;
  if (file.empty() && std::filesystem::exists("pinpipe.toml")) file = "pinpipe.toml";
  if (!file.empty()) {
    if (!std::filesystem::exists(file)) {
      return MakeError(ErrorCode::kNotFound, "config file " + file + " does not exist");
    }
    PINPIPE_RETURN_IF_ERROR(LoadToml(cfg, file));
  }
  if (sources.read_environment) {
    for (const auto& k : KnownConfigKeys()) {
      std::string env = ConfigEnvName(k.key);
      if (const char* v = std::getenv(env.c_str())) {
        PINPIPE_RETURN_IF_ERROR(cfg.Set(k.key, v, "env " + env));
      }
    }
  }
  for (const auto& kv : sources.sets) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "--set expects key=value, got '" + kv + "'");
    }
    PINPIPE_RETURN_IF_ERROR(cfg.Set(kv.substr(0, eq), kv.substr(eq + 1), "flag"));
  }
  return cfg;
}

const std::string& Config::GetString(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    static const std::string empty;
    return empty;
  }
  return it->second.text;
}

const std::string& Config::Source(std::string_view key) const {
  auto it = values_.find(key);
  static const std::string unknown = "unknown";
  return it == values_.end() ? unknown : it->second.source;
}

Result<int64_t> Config::GetInt(std::string_view key) const {
  const std::string& s = GetString(key);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " must be an integer, got '" +
                                                      s + "' (from " + Source(key) + ")");
  }
  return v;
}

Result<bool> Config::GetBool(std::string_view key) const {
  const std::string& s = GetString(key);
  if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return false;
  return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " must be true or false, got '" +
                                                    s + "' (from " + Source(key) + ")");
}

std::string Config::LakeUri() const {
  const std::string& uri = GetString("lake.uri");
  if (!uri.empty()) return uri;
  return (std::filesystem::path(DataDir()) / "lake").string();
}

bool IsSecretKey(std::string_view key) {
  return key.find("secret") != std::string_view::npos || key.find("token") != std::string_view::npos ||
         key.find("password") != std::string_view::npos || key.ends_with("api_key");
}

std::string Config::Show() const {
  std::string out;
  std::string section;
  for (const auto& k : KnownConfigKeys()) {
    std::string_view key = k.key;
    auto dot = key.find('.');
    std::string sec(key.substr(0, dot));
    if (sec != section) {
      if (!section.empty()) out += '\n';
      out += "[" + sec + "]\n";
      section = sec;
    }
    Value v = values_.find(key)->second;
    // Secrets are never printed, only whether they are set.
    if (!v.text.empty() && IsSecretKey(key)) v.text = "<set, hidden>";
    bool numeric_or_bool = !v.text.empty() && (v.text == "true" || v.text == "false" ||
        v.text.find_first_not_of("-0123456789") == std::string::npos);
    std::string line = std::string(key.substr(dot + 1)) + " = " +
                       (numeric_or_bool ? v.text : "\"" + v.text + "\"");
    if (line.size() < 44) line.resize(44, ' ');
    out += line + "  # " + v.source + " — " + std::string(k.help) + '\n';
  }
  return out;
}

}  // namespace pinpipe
