#include "lake/delta_snapshot.h"

#include <algorithm>
#include <set>

#include "lake/delta_checkpoint.h"
#include "lake/delta_column_mapping.h"
#include "lake/delta_log_files.h"
#include "lake/delta_table_state.h"

namespace pinpipe::lake {

namespace {

constexpr int32_t kMaxReaderVersion = 3;

bool ColumnMappingOff(const Metadata& md) {
  auto it = md.configuration.find("delta.columnMapping.mode");
  return it == md.configuration.end() || !it->second || *it->second == "none";
}

// PROTOCOL.md "Protocol Evolution" / "Table Features": a reader must refuse a table whose reader
// version or reader features it does not implement.
Status CheckReadable(const Protocol& p, const Metadata& md, const std::string& root) {
  auto unsupported = [&](const std::string& why) {
    return MakeError(ErrorCode::kUnsupported, root + ": " + why);
  };
  if (p.min_reader_version > kMaxReaderVersion) {
    return unsupported("Delta reader version " + std::to_string(p.min_reader_version) +
                       " is not supported (pinpipe reads versions 1 to 3)");
  }
  if (p.min_reader_version == 2 && !ColumnMappingOff(md) && MappingModeOf(md) == ColumnMappingMode::kNone) {
    return unsupported("column mapping mode is not supported");
  }
  if (p.min_reader_version == 3 && p.reader_features) {
    for (const auto& f : *p.reader_features) {
      if (f == "vacuumProtocolCheck" || f == "timestampNtz" || f == "deletionVectors" || f == "v2Checkpoint") continue;
      // name and id modes (delta_column_mapping.h)
      if (f == "columnMapping" && (ColumnMappingOff(md) || MappingModeOf(md) != ColumnMappingMode::kNone)) continue;
      return unsupported("reader table feature '" + f + "' is not supported");
    }
  }
  return OkStatus();
}

// One commit's (or checkpoint's) actions: removes before adds. The logical file is (path,
// deletion vector id) (PROTOCOL.md "Action Reconciliation"): a commit that replaces a file's
// deletion vector removes (path, old DV) and adds (path, new DV), in either order; a checkpoint
// holds live adds next to tombstones of the same path. Keyed by path alone, applying removes
// first gives the same state, since one commit never adds and removes the same logical file.
void ApplyAll(std::vector<Action>& actions, TableState& state) {
  for (auto& a : actions)
    if (std::holds_alternative<RemoveFile>(a)) state.Apply(std::move(a));
  for (auto& a : actions)
    if (!std::holds_alternative<RemoveFile>(a)) state.Apply(std::move(a));
}

Status ReplayCommit(TableStorage& storage, int64_t v, const std::string& key, TableState& state) {
  PINPIPE_ASSIGN_OR_RETURN(std::string body, storage.Get(key));
  PINPIPE_ASSIGN_OR_RETURN(auto actions, ParseCommit(body, key));
  ApplyAll(actions, state);
  state.version = v;
  return OkStatus();
}

}  // namespace

Result<LogListing> ListLog(TableStorage& storage) {
  PINPIPE_ASSIGN_OR_RETURN(auto objects, storage.List(kLogDir));
  LogListing out;
  // Multi-part checkpoints: keep them only when every part of one "n" is present.
  std::map<std::pair<int64_t, int32_t>, std::map<int32_t, std::string>> parts;
  std::map<int64_t, std::string> v2;  // UUID-named V2 checkpoints
  for (auto& obj : objects) {
    std::string_view name = std::string_view(obj.key).substr(kLogDir.size());
    auto f = ParseLogFileName(name);
    if (!f) continue;
    switch (f->kind) {
      case LogFileName::Kind::kCommit:
        out.commits.emplace(f->version, std::move(obj.key));
        break;
      case LogFileName::Kind::kCheckpoint:
        out.checkpoints[f->version] = {std::move(obj.key)};
        break;
      case LogFileName::Kind::kMultiPartCheckpoint:
        parts[{f->version, f->parts}].emplace(f->part, std::move(obj.key));
        break;
      case LogFileName::Kind::kV2Checkpoint:
        v2.emplace(f->version, std::move(obj.key));
        break;
    }
  }
  for (auto& [id, keys] : parts) {
    if (static_cast<int32_t>(keys.size()) != id.second) continue;  // incomplete: ignore it
    if (out.checkpoints.contains(id.first)) continue;              // prefer the single file
    std::vector<std::string> ordered;
    for (auto& [_, k] : keys) ordered.push_back(std::move(k));
    out.checkpoints.emplace(id.first, std::move(ordered));
  }
  // A classic-named checkpoint of the same version holds the same state; prefer it.
  for (auto& [v, key] : v2) out.checkpoints.emplace(v, std::vector<std::string>{std::move(key)});
  return out;
}

Result<Snapshot> Snapshot::Load(TableStorage& storage, std::optional<int64_t> version) {
  const std::string& root = storage.root();
  PINPIPE_ASSIGN_OR_RETURN(LogListing listing, ListLog(storage));
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     root + " is not a Delta table (no commits in " + root + "/_delta_log)");
  }
  int64_t latest = -1;
  if (!listing.commits.empty()) latest = listing.commits.rbegin()->first;
  if (!listing.checkpoints.empty()) latest = std::max(latest, listing.checkpoints.rbegin()->first);
  if (version && *version < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "a table version is >= 0");
  }
  int64_t target = version.value_or(latest);
  if (target > latest) {
    return MakeError(ErrorCode::kNotFound, root + ": version " + std::to_string(target) +
                                               " does not exist (latest is " +
                                               std::to_string(latest) + ")");
  }

  Snapshot snap;
  // The hint is checked against the listing; the listing decides (a stale or corrupt hint must
  // not lose files — golden table corrupted-last-checkpoint).
  auto hint_body = storage.Get(kLastCheckpointKey);
  if (!hint_body) {
    snap.hint_status_ = hint_body.error().code() == ErrorCode::kNotFound
                            ? "missing"
                            : "unreadable: " + hint_body.error().message();
  } else if (auto hint = ParseLastCheckpoint(*hint_body); !hint) {
    snap.hint_status_ = "corrupt: " + hint.error().message();
  } else if (!listing.checkpoints.contains(hint->version)) {
    snap.hint_status_ = "stale";
  } else {
    snap.hint_status_ = "ok";
  }

  // Candidates, newest first; a checkpoint that fails to read falls back to an older one and
  // finally to replay from version 0.
  std::vector<std::optional<int64_t>> starts;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->first <= target) starts.emplace_back(it->first);
  }
  if (listing.commits.contains(0)) starts.emplace_back(std::nullopt);
  if (starts.empty()) {
    return MakeError(
        ErrorCode::kNotFound,
        root + ": version " + std::to_string(target) +
            " cannot be reconstructed (no checkpoint at or before it and no commit 0)");
  }

  std::optional<Error> last_error;
  TableState state;
  bool built = false;
  for (const auto& start : starts) {
    int64_t first = start ? *start + 1 : 0;
    int64_t missing = -1;
    for (int64_t v = first; v <= target; ++v) {
      if (!listing.commits.contains(v)) {
        missing = v;
        break;
      }
    }
    if (missing >= 0) {
      last_error = Error(ErrorCode::kCorruption,
                         root + ": commit " + std::to_string(missing) + " is missing from the log");
      continue;
    }
    state = TableState{};
    if (start) {
      auto actions = ReadCheckpoint(storage, listing.checkpoints.at(*start));
      if (!actions) {
        last_error = actions.error();
        continue;
      }
      ApplyAll(*actions, state);
      state.version = *start;
    }
    for (int64_t v = first; v <= target; ++v) {
      PINPIPE_RETURN_IF_ERROR(ReplayCommit(storage, v, listing.commits.at(v), state));
    }
    snap.checkpoint_version_ = start;
    built = true;
    break;
  }
  if (!built) return std::unexpected(*last_error);

  const std::string at = root + " at version " + std::to_string(target);
  if (!state.protocol) {
    return MakeError(ErrorCode::kCorruption,
                     at + " has no protocol action (the log must define the protocol)");
  }
  if (!state.metadata) {
    return MakeError(ErrorCode::kCorruption,
                     at + " has no metaData action (the log must define the table metadata)");
  }
  PINPIPE_RETURN_IF_ERROR(CheckReadable(*state.protocol, *state.metadata, root));
  if (state.metadata->schema_string.empty()) {
    snap.schema_ = DeltaType::Struct({});
  } else {
    PINPIPE_ASSIGN_OR_RETURN(snap.schema_, ParseDeltaSchema(state.metadata->schema_string));
  }

  snap.version_ = target;
  snap.protocol_ = std::move(*state.protocol);
  snap.metadata_ = std::move(*state.metadata);
  snap.files_.reserve(state.files.size());
  // Files with deletion vectors are read by ForEachRow, which drops the deleted rows.
  for (auto& [_, add] : state.files) snap.files_.push_back(std::move(add));
  for (auto& [_, rm] : state.tombstones) snap.tombstones_.push_back(std::move(rm));
  snap.txns_ = std::move(state.txns);
  return snap;
}

bool Snapshot::ApplyBlindAppend(int64_t version, const std::vector<Action>& actions) {
  if (version != version_ + 1) return false;
  for (const auto& a : actions) {
    const auto* add = std::get_if<AddFile>(&a);
    if (add ? add->deletion_vector_json.has_value()
            : !std::holds_alternative<CommitInfo>(a) && !std::holds_alternative<Txn>(a)) {
      return false;
    }
  }
  auto by_path = [](const auto& x, std::string_view p) { return x.path < p; };
  for (const auto& a : actions) {
    if (const auto* add = std::get_if<AddFile>(&a)) {
      // Stream part files are named in batch order: the insertion point is nearly always the end.
      auto it = files_.empty() || files_.back().path < add->path
                    ? files_.end()
                    : std::lower_bound(files_.begin(), files_.end(), std::string_view(add->path), by_path);
      if (it != files_.end() && it->path == add->path) {
        *it = *add;
      } else {
        files_.insert(it, *add);
      }
      auto t = std::lower_bound(tombstones_.begin(), tombstones_.end(), std::string_view(add->path), by_path);
      if (t != tombstones_.end() && t->path == add->path) tombstones_.erase(t);
    } else if (const auto* txn = std::get_if<Txn>(&a)) {
      txns_.insert_or_assign(txn->app_id, *txn);
    }
  }
  version_ = version;
  return true;
}

int64_t Snapshot::TxnVersion(std::string_view app_id) const {
  auto it = txns_.find(app_id);
  return it == txns_.end() ? -1 : it->second.version;
}

Result<std::vector<CommitEntry>> ReadCommits(TableStorage& storage, size_t limit,
                                             std::optional<int64_t> up_to) {
  PINPIPE_ASSIGN_OR_RETURN(LogListing listing, ListLog(storage));
  if (listing.commits.empty()) {
    return MakeError(ErrorCode::kNotFound, storage.root() + " is not a Delta table");
  }
  std::vector<CommitEntry> out;
  for (auto it = listing.commits.rbegin(); it != listing.commits.rend(); ++it) {
    if (up_to && it->first > *up_to) continue;
    if (limit && out.size() >= limit) break;
    PINPIPE_ASSIGN_OR_RETURN(std::string body, storage.Get(it->second));
    PINPIPE_ASSIGN_OR_RETURN(auto actions, ParseCommit(body, it->second));
    out.push_back(CommitEntry{it->first, std::move(actions)});
  }
  return out;
}

Result<std::vector<HistoryEntry>> ReadHistory(TableStorage& storage, size_t limit,
                                              std::optional<int64_t> up_to) {
  PINPIPE_ASSIGN_OR_RETURN(auto commits, ReadCommits(storage, limit, up_to));
  std::vector<HistoryEntry> out;
  out.reserve(commits.size());
  for (auto& c : commits) {
    HistoryEntry e{c.version, std::nullopt};
    for (auto& a : c.actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a)) {
        e.commit_info = std::move(*ci);
        break;
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace pinpipe::lake
