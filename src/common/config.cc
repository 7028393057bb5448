#include "common/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <toml++/toml.h>

extern char** environ;

namespace pinpipe {
namespace {

bool ParseBool(std::string_view s, bool* out) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "0" || s == "no" || s == "off") {
    *out = false;
    return true;
  }
  return false;
}

std::string RangeText(int64_t min, int64_t max) {
  if (max == kNoLimit) return min == 0 ? "≥ 0" : "≥ " + std::to_string(min);
  return std::to_string(min) + ".." + std::to_string(max);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string DescribeSpec(const ValueSpec& spec) {
  std::string d;
  switch (spec.kind) {
    case ValueSpec::Kind::kUndeclared:
    case ValueSpec::Kind::kText:
      return spec.empty_ok ? "any text" : "a non-empty text";
    case ValueSpec::Kind::kBool:
      return "true or false";
    case ValueSpec::Kind::kInt:
      d = "an integer " + std::string(spec.max == kNoLimit ? "" : "in ") +
          RangeText(spec.min, spec.max);
      break;
    case ValueSpec::Kind::kEnum:
      d = "one of ";
      for (char c : spec.choices) {
        if (c == '|') d += ", ";
        else d += c;
      }
      break;
    case ValueSpec::Kind::kCustom:
      d = std::string(spec.describe);
      break;
  }
  return spec.empty_ok ? d + ", or empty" : d;
}

std::string CheckValue(const ValueSpec& spec, std::string_view value) {
  if (value.empty()) return spec.empty_ok ? "" : DescribeSpec(spec);
  switch (spec.kind) {
    case ValueSpec::Kind::kUndeclared:
    case ValueSpec::Kind::kText:
      return "";
    case ValueSpec::Kind::kBool: {
      bool b;
      return ParseBool(value, &b) ? "" : DescribeSpec(spec);
    }
    case ValueSpec::Kind::kInt: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      bool ok = ec == std::errc() && p == value.data() + value.size();
      return ok && v >= spec.min && v <= spec.max ? "" : DescribeSpec(spec);
    }
    case ValueSpec::Kind::kEnum: {
      std::string_view c = spec.choices;
      while (!c.empty()) {
        size_t bar = c.find('|');
        if (c.substr(0, bar) == value) return "";
        c = bar == std::string_view::npos ? std::string_view() : c.substr(bar + 1);
      }
      return DescribeSpec(spec);
    }
    case ValueSpec::Kind::kCustom: {
      std::string why = spec.check(value);
      return why.empty() ? "" : why;
    }
  }
  return "";
}

std::string_view ClosestMatch(std::string_view word,
                              const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_d = std::string_view::npos;
  for (auto c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  // A plausible typo: a third of the word's letters at most (two swapped letters count 2).
  size_t limit = std::max<size_t>(2, word.size() / 3);
  return best_d <= limit ? best : std::string_view();
}

bool IsReservedEnvName(std::string_view name) {
  // The test suites' binary and hooks, and the peer kit's exports (PINPIPE_PEER_KAFKA_BIN is
  // within typo distance of PINPIPE_KAFKA_BIND).
  return name == "PINPIPE_BIN" || name.starts_with("PINPIPE_TEST_") ||
         name.starts_with("PINPIPE_PEER_");
}

// Whether PINPIPE_<SECTION>_... names a section of a known key (HTTP, LOG, SINK, ...).
static bool HasConfigSection(std::string_view env_name) {
  std::string_view rest = env_name.substr(std::string_view("PINPIPE_").size());
  std::string_view section = rest.substr(0, rest.find('_'));
  for (const auto& k : KnownConfigKeys()) {
    std::string_view ks = k.key.substr(0, k.key.find('.'));
    if (ks.size() != section.size()) continue;
    bool same = true;
    for (size_t i = 0; i < ks.size() && same; ++i) {
      same = std::toupper(static_cast<unsigned char>(ks[i])) == section[i];
    }
    if (same) return true;
  }
  return false;
}

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
    std::vector<std::string_view> names;
    for (const auto& k : KnownConfigKeys()) names.push_back(k.key);
    std::string_view near = ClosestMatch(key, names);
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown configuration key '" + std::string(key) + "' (from " + source +
                         ")" + (near.empty() ? "" : "; did you mean " + std::string(near) + "?") +
                         "; `pinpipe config show` lists the keys");
  }
  for (const auto& k : KnownConfigKeys()) {
    if (k.key != key) continue;
    std::string why = CheckValue(k.spec, value);
    if (!why.empty()) {
      std::string shown = IsSecretKey(key) ? "<hidden>" : "'" + value + "'";
      return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " = " + shown + " (from " +
                                                        source + "): must be " + why);
    }
    break;
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
    // Every PINPIPE_* variable must name a key (or be reserved): a misspelt variable is an
    // error, as a misspelt key in the file is.
    std::map<std::string, std::string_view, std::less<>> by_env;
    std::vector<std::string_view> env_names;
    for (const auto& k : KnownConfigKeys()) by_env.emplace(ConfigEnvName(k.key), k.key);
    for (const auto& [name, key] : by_env) env_names.push_back(name);
    std::vector<std::pair<std::string, std::string>> found;
    for (char** e = environ; e && *e; ++e) {
      std::string_view entry(*e);
      if (!entry.starts_with("PINPIPE_")) continue;
      size_t eq = entry.find('=');
      std::string_view name = entry.substr(0, eq);
      if (IsReservedEnvName(name)) continue;
      if (!by_env.contains(name)) {
        std::string_view near = ClosestMatch(name, env_names);
        // PINPIPE_<SECTION>_… with a section pinpipe has, or a near miss of a key, is a typo;
        // other PINPIPE_* names belong to the tools around pinpipe (test harnesses, peers).
        if (near.empty() && !HasConfigSection(name)) continue;
        return MakeError(ErrorCode::kInvalidArgument,
                         "unknown configuration variable " + std::string(name) + " (from env)" +
                             (near.empty() ? "" : "; did you mean " + std::string(near) + "?") +
                             "; `pinpipe config show` lists the keys (PINPIPE_<SECTION>_<KEY>)");
      }
      found.emplace_back(std::string(name),
                         eq == std::string_view::npos ? "" : std::string(entry.substr(eq + 1)));
    }
    // Applied in key order, so an error names the same variable whatever the environment's order.
    std::sort(found.begin(), found.end());
    for (auto& [name, value] : found) {
      PINPIPE_RETURN_IF_ERROR(cfg.Set(by_env.find(name)->second, std::move(value), "env " + name));
    }
  }
  for (const auto& kv : sources.sets) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "--set expects key=value, got '" + kv + "'");
    }
    PINPIPE_RETURN_IF_ERROR(cfg.Set(kv.substr(0, eq), kv.substr(eq + 1), "--set"));
  }
  for (const auto& f : sources.flags) {
    PINPIPE_RETURN_IF_ERROR(cfg.Set(f.key, f.value, f.flag));
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
  bool b = false;
  if (ParseBool(s, &b)) return b;
  return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " must be true or false, got '" +
                                                    s + "' (from " + Source(key) + ")");
}

std::string Config::LakeUri() const {
  const std::string& uri = GetString("lake.uri");
  if (!uri.empty()) return uri;
  return (std::filesystem::path(DataDir()) / "lake").string();
}

bool IsSecretKey(std::string_view key) {
  if (key.ends_with("_url")) return false;  // an address, even a token endpoint's
  return key.find("secret") != std::string_view::npos || key.find("token") != std::string_view::npos ||
         key.find("password") != std::string_view::npos || key.ends_with("api_key") ||
         key.ends_with("sasl_users");
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
