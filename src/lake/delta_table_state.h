// Log replay: the action reconciliation rules of PROTOCOL.md "Action Reconciliation".
// Applying the actions of a checkpoint and then of each later commit, in order, yields exactly one
// protocol and metaData (the latest), the active files (add minus later remove, by path), the
// unexpired tombstones and the latest txn version per appId.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "lake/delta_actions.h"

namespace pinpipe::lake {

struct TableState {
  int64_t version = -1;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::map<std::string, AddFile, std::less<>> files;
  std::map<std::string, RemoveFile, std::less<>> tombstones;
  std::map<std::string, Txn, std::less<>> txns;

  // commitInfo is not state: it is returned to the caller for the history and otherwise dropped.
  void Apply(Action&& action);
};

}  // namespace pinpipe::lake
