#include "lake/delta_vacuum.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "lake/delta_rows.h"
#include "lake/delta_snapshot.h"

namespace pinpipe::lake {
namespace {

// Spark's VacuumCommand skips every path with a segment starting with '_' or '.'.
bool Hidden(std::string_view key) {
  size_t start = 0;
  while (start <= key.size()) {
    const size_t slash = key.find('/', start);
    const std::string_view seg =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!seg.empty() && (seg.front() == '_' || seg.front() == '.')) return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDeltaInterval(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string word, unit;
  long long n = 0;
  if (!(in >> word)) return std::nullopt;
  if (word == "interval") {
    if (!(in >> n)) return std::nullopt;
  } else {
    // No keyword: the first word is the number.
    std::istringstream num(word);
    if (!(num >> n) || !num.eof()) return std::nullopt;
  }
  if (!(in >> unit) || n < 0) return std::nullopt;
  std::string rest;
  if (in >> rest) return std::nullopt;  // one unit only
  if (unit.ends_with("s")) unit.pop_back();
  using namespace std::chrono;
  if (unit == "week") return duration_cast<milliseconds>(hours(168 * n));
  if (unit == "day") return duration_cast<milliseconds>(hours(24 * n));
  if (unit == "hour") return duration_cast<milliseconds>(hours(n));
  if (unit == "minute") return duration_cast<milliseconds>(minutes(n));
  if (unit == "second") return duration_cast<milliseconds>(seconds(n));
  if (unit == "millisecond") return milliseconds(n);
  return std::nullopt;
}

std::chrono::milliseconds DeletedFileRetention(const std::string* property) {
  if (!property) return kDefaultVacuumRetention;
  return ParseDeltaInterval(*property).value_or(kDefaultVacuumRetention);
}

Result<VacuumResult> Vacuum(TableStorage& storage, const VacuumOptions& options) {
  PINPIPE_ASSIGN_OR_RETURN(Snapshot snap, Snapshot::Load(storage));
  const auto& conf = snap.metadata().configuration;
  const auto it = conf.find("delta.deletedFileRetentionDuration");
  const std::string* property = nullptr;
  if (it != conf.end() && it->second) property = &*it->second;
  const auto limit = DeletedFileRetention(property);
  if (options.retention < limit && !options.force) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%g",
                  static_cast<double>(options.retention.count()) / 3.6e6);
    return MakeError(ErrorCode::kInvalidArgument,
                     "a retention of " + std::string(hours) +
                         " hours is below the table's deleted-file retention (" +
                         std::to_string(limit.count() / 3600000) +
                         " hours): a concurrent reader or writer may still need those files; "
                         "pass --force to vacuum anyway");
  }
  const int64_t now_ms =
      options.now_ms != 0
          ? options.now_ms
          : std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch()).count();
  const int64_t cutoff = now_ms - options.retention.count();

  VacuumResult result;
  result.version = snap.version();
  std::set<std::string, std::less<>> referenced;
  for (const auto& f : snap.files()) referenced.insert(DecodeDataPath(f.path));
  for (const auto& r : snap.tombstones()) {
    // A file removed within the retention period is still part of a recent version. A
    // tombstone without a timestamp is taken as removed now.
    if (r.deletion_timestamp.value_or(now_ms) > cutoff) {
      referenced.insert(DecodeDataPath(r.path));
      ++result.kept_recently_removed;
    }
  }
  const auto root = storage.LocalPath("");
  if (!root) {
    // An object store (an s3:// lake): every object under the table's prefix, from its
    // listing (keys, sizes and modification times); no directories, no symlinks.
    PINPIPE_ASSIGN_OR_RETURN(auto objects, storage.List(""));
    for (const auto& o : objects) {
      if (Hidden(o.key) || referenced.contains(o.key) || o.modification_time_ms > cutoff) continue;
      result.deleted.push_back(o.key);
      result.bytes += o.size;
    }
    std::sort(result.deleted.begin(), result.deleted.end());
    if (options.dry_run) return result;
    for (const auto& key : result.deleted) PINPIPE_RETURN_IF_ERROR(storage.Delete(key));
    return result;
  }
  // Every regular file under the table directory (partition directories included), without
  // following symlinks and without descending into hidden directories.
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string root_dir = *root;
  while (root_dir.size() > 1 && root_dir.back() == '/') root_dir.pop_back();
  const fs::path base(root_dir);
  for (auto it = fs::recursive_directory_iterator(base, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string key = it->path().lexically_relative(base).generic_string();
    const auto status = it->symlink_status(ec);
    if (ec) break;
    if (Hidden(key)) {
      if (fs::is_directory(status)) it.disable_recursion_pending();
      continue;
    }
    if (!fs::is_regular_file(status) || referenced.contains(key)) continue;
    const auto mtime = fs::last_write_time(it->path(), ec);
    if (ec) break;
    const int64_t mtime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::file_clock::to_sys(mtime).time_since_epoch()).count();
    // A file newer than the cutoff may belong to a commit being written right now.
    if (mtime_ms > cutoff) continue;
    result.deleted.push_back(key);
    result.bytes += static_cast<int64_t>(it->file_size(ec));
    if (ec) break;
  }
  if (ec) return ErrnoError("list", *root, ec.value());
  std::sort(result.deleted.begin(), result.deleted.end());
  if (options.dry_run) return result;
  for (const auto& key : result.deleted) {
    const fs::path path = base / key;
    fs::remove(path, ec);
    if (ec) return ErrnoError("remove", path.string(), ec.value());
  }
  return result;
}

}  // namespace pinpipe::lake
