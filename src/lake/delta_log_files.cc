#include "lake/delta_log_files.h"

#include <charconv>
#include <cstdio>

namespace pinpipe::lake {

namespace {

std::string Padded(int64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%0*lld", width, static_cast<long long>(v));
  return buf;
}

// Consumes exactly `width` digits from the front of `s`.
template <typename T>
bool TakeDigits(std::string_view& s, size_t width, T* out) {
  if (s.size() < width) return false;
  for (size_t i = 0; i < width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto r = std::from_chars(s.data(), s.data() + width, *out);
  if (r.ec != std::errc()) return false;
  s.remove_prefix(width);
  return true;
}

}  // namespace

std::string CommitKey(int64_t version) {
  return std::string(kLogDir) + Padded(version, 20) + ".json";
}

std::string CheckpointKey(int64_t version) {
  return std::string(kLogDir) + Padded(version, 20) + ".checkpoint.parquet";
}

std::string CheckpointPartKey(int64_t version, int32_t part, int32_t parts) {
  return std::string(kLogDir) + Padded(version, 20) + ".checkpoint." + Padded(part, 10) + "." +
         Padded(parts, 10) + ".parquet";
}

std::optional<LogFileName> ParseLogFileName(std::string_view name) {
  LogFileName f;
  if (!TakeDigits(name, 20, &f.version) || f.version < 0) return std::nullopt;
  if (name == ".json") return f;
  if (name == ".checkpoint.parquet") {
    f.kind = LogFileName::Kind::kCheckpoint;
    return f;
  }
  constexpr std::string_view kCp = ".checkpoint.";
  if (!name.starts_with(kCp)) return std::nullopt;
  name.remove_prefix(kCp.size());
  // V2: a 36-character UUID, then .json or .parquet.
  if (name.size() > 36 && name[8] == '-' && name[13] == '-' && name[18] == '-' && name[23] == '-' &&
      (name.substr(36) == ".json" || name.substr(36) == ".parquet")) {
    for (size_t i = 0; i < 36; ++i) {
      char c = name[i];
      bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !hex) return std::nullopt;
    }
    f.kind = LogFileName::Kind::kV2Checkpoint;
    return f;
  }
  if (!TakeDigits(name, 10, &f.part) || name.empty() || name[0] != '.') return std::nullopt;
  name.remove_prefix(1);
  if (!TakeDigits(name, 10, &f.parts) || name != ".parquet") return std::nullopt;
  if (f.parts < 1 || f.part < 1 || f.part > f.parts) return std::nullopt;
  f.kind = LogFileName::Kind::kMultiPartCheckpoint;
  return f;
}

}  // namespace pinpipe::lake
