// A consistent view of a Delta table at one version (PROTOCOL.md "Snapshot Reconstruction"):
// the newest usable checkpoint at or below the version, then the JSON commits after it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/delta_actions.h"
#include "lake/delta_schema.h"
#include "lake/delta_storage.h"

namespace pinpipe::lake {

// The files of _delta_log/ that matter to a reader, from one listing.
struct LogListing {
  std::map<int64_t, std::string> commits;  // version -> key
  // version -> part keys in part order; only complete checkpoints (all parts present).
  std::map<int64_t, std::vector<std::string>> checkpoints;
};

Result<LogListing> ListLog(TableStorage& storage);

class Snapshot {
 public:
  // The latest version, or `version` for time travel. Errors: kNotFound when there is no Delta
  // log (or the version is not in it / no longer reconstructable), kCorruption for a broken log
  // (gaps, missing protocol or metaData), kUnsupported for protocol features we cannot read.
  static Result<Snapshot> Load(TableStorage& storage,
                               std::optional<int64_t> version = std::nullopt);

  int64_t version() const { return version_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  const DeltaSchema& schema() const { return schema_; }
  // Active data files, sorted by path.
  const std::vector<AddFile>& files() const { return files_; }
  // remove actions still in the log (tombstones), sorted by path.
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  const std::map<std::string, Txn, std::less<>>& txns() const { return txns_; }
  // The latest committed txn version of `app_id`, -1 when the application never committed.
  int64_t TxnVersion(std::string_view app_id) const;

  // The checkpoint replay started from (nullopt: from version 0), and what happened to the
  // _last_checkpoint hint ("ok", "missing", "corrupt: ...", "stale").
  std::optional<int64_t> checkpoint_version() const { return checkpoint_version_; }
  const std::string& last_checkpoint_hint() const { return hint_status_; }

  // Moves this snapshot to `version` = its version + 1 by a commit of only commitInfo, adds
  // without deletion vectors and txns (a blind append, as a writer knows the commit it just
  // made): the same state Load would rebuild, without listing and replaying the log. False,
  // and the snapshot unchanged, for any other commit.
  bool ApplyBlindAppend(int64_t version, const std::vector<Action>& actions);

 private:
  int64_t version_ = -1;
  Protocol protocol_;
  Metadata metadata_;
  DeltaSchema schema_;
  std::vector<AddFile> files_;
  std::vector<RemoveFile> tombstones_;
  std::map<std::string, Txn, std::less<>> txns_;
  std::optional<int64_t> checkpoint_version_;
  std::string hint_status_;
};

struct HistoryEntry {
  int64_t version = 0;
  std::optional<CommitInfo> commit_info;  // absent when the commit had none
};

// commitInfo of every JSON commit still in the log, newest first; at most `limit` entries
// (0 = all), none newer than `up_to` when given.
Result<std::vector<HistoryEntry>> ReadHistory(TableStorage& storage, size_t limit = 0,
                                              std::optional<int64_t> up_to = std::nullopt);

struct CommitEntry {
  int64_t version = 0;
  std::vector<Action> actions;  // as written, in order
};

// Every action of every JSON commit still in the log, newest first, with ReadHistory's
// `limit` and `up_to`: for readers that need more than commitInfo (the files a commit added
// or removed). Checkpoints are not read: a version cleaned up after a checkpoint is absent.
Result<std::vector<CommitEntry>> ReadCommits(TableStorage& storage, size_t limit = 0,
                                             std::optional<int64_t> up_to = std::nullopt);

}  // namespace pinpipe::lake
