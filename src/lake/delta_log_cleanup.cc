#include "lake/delta_log_cleanup.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "lake/delta_log_files.h"
#include "lake/delta_vacuum.h"

namespace pinpipe::lake {
namespace {

const std::string* Property(const Metadata& metadata, std::string_view key) {
  const auto it = metadata.configuration.find(key);
  return it != metadata.configuration.end() && it->second ? &*it->second : nullptr;
}

// "<20 digits>.crc": a version checksum file (Spark writes them; readers ignore them).
std::optional<int64_t> ChecksumVersion(std::string_view name) {
  if (name.size() != 24 || !name.ends_with(".crc")) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc() || end != name.data() + 20) return std::nullopt;
  return v;
}

constexpr int64_t kDayMs = 24 * 3600 * 1000;

}  // namespace

std::chrono::milliseconds LogRetention(const Metadata& metadata) {
  const std::string* p = Property(metadata, "delta.logRetentionDuration");
  if (!p) return kDefaultLogRetention;
  return ParseDeltaInterval(*p).value_or(kDefaultLogRetention);
}

bool ExpiredLogCleanupEnabled(const Metadata& metadata) {
  const std::string* p = Property(metadata, "delta.enableExpiredLogCleanup");
  return !p || *p != "false";
}

Result<LogCleanupResult> CleanupExpiredLogs(TableStorage& storage, const Metadata& metadata,
                                            int64_t now_ms) {
  LogCleanupResult result;
  if (!ExpiredLogCleanupEnabled(metadata)) return result;
  int64_t cutoff = now_ms - LogRetention(metadata).count();
  cutoff -= ((cutoff % kDayMs) + kDayMs) % kDayMs;  // the start of its UTC day, as Spark does

  PINPIPE_ASSIGN_OR_RETURN(auto objects, storage.List(kLogDir));
  struct Parts {
    int32_t want = 0;
    int32_t have = 0;
  };
  std::map<int64_t, int64_t> commit_ms;      // version -> modification time
  std::map<int64_t, Parts> checkpoints;      // version -> parts wanted / present
  std::vector<std::pair<int64_t, std::string>> files;  // (version, key) of every versioned file
  for (const auto& o : objects) {
    const std::string_view name = std::string_view(o.key).substr(kLogDir.size());
    if (name.find('/') != std::string_view::npos) continue;  // _sidecars/ and the like
    if (auto crc = ChecksumVersion(name)) {
      files.emplace_back(*crc, o.key);
      continue;
    }
    const auto f = ParseLogFileName(name);
    if (!f) continue;
    files.emplace_back(f->version, o.key);
    switch (f->kind) {
      case LogFileName::Kind::kCommit:
        commit_ms[f->version] = o.modification_time_ms;
        break;
      case LogFileName::Kind::kCheckpoint:
      case LogFileName::Kind::kV2Checkpoint:
        checkpoints[f->version] = {1, 1};
        break;
      case LogFileName::Kind::kMultiPartCheckpoint: {
        auto& p = checkpoints[f->version];
        if (p.want != 1 || p.have != 1) {  // a single-file checkpoint of v is complete already
          p.want = f->parts;
          ++p.have;
        }
        break;
      }
    }
  }
  // The newest commit at or before the cut-off, with timestamps made monotonic by version: a
  // commit whose file looks older than its predecessor's counts as one ms newer than it.
  std::optional<int64_t> cutoff_commit;
  int64_t previous = INT64_MIN;
  for (const auto& [v, ms] : commit_ms) {
    const int64_t t = previous == INT64_MIN ? ms : std::max(ms, previous + 1);
    previous = t;
    if (t > cutoff) break;
    cutoff_commit = v;
  }
  if (!cutoff_commit) return result;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    if (it->first <= *cutoff_commit && it->second.have == it->second.want) {
      result.oldest_checkpoint = it->first;
      break;
    }
  }
  if (result.oldest_checkpoint < 0) return result;
  // Oldest first: a cleanup interrupted half-way leaves a log whose retained part still starts
  // at a checkpoint (C) with every commit after it.
  std::stable_sort(files.begin(), files.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [v, key] : files) {
    if (v >= result.oldest_checkpoint) break;
    PINPIPE_RETURN_IF_ERROR(storage.Delete(key));
    result.deleted.push_back(key);
  }
  return result;
}

}  // namespace pinpipe::lake
