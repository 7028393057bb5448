// Where a Delta table's files live. The log needs three primitives from a store
// (PROTOCOL.md "Requirements for Writers" / the LogStore contract): atomic put-if-absent for
// commit files (mutual exclusion between writers), get, and a consistent sorted listing.
// Local directories implement it here; an object store (S3 conditional PUT) plugs in later.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::lake {

struct StoredObject {
  std::string key;  // relative to the table root, '/'-separated
  int64_t size = 0;
  int64_t modification_time_ms = 0;
};

class TableStorage {
 public:
  virtual ~TableStorage() = default;

  // The table root as the user named it (a directory or a URI), for messages.
  virtual const std::string& root() const = 0;

  // Creates `key` with `data` only if it does not exist yet, atomically: other readers see the
  // whole object or nothing. kAlreadyExists when another writer created it first.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;

  // Creates or atomically replaces `key` (checkpoints, _last_checkpoint: latest writer wins).
  virtual Status Put(std::string_view key, std::string_view data) = 0;

  // The whole object; kNotFound when absent.
  virtual Result<std::string> Get(std::string_view key) = 0;

  virtual Result<StoredObject> Head(std::string_view key) = 0;

  // Objects whose key starts with `prefix`, sorted by key. A missing directory lists as empty.
  virtual Result<std::vector<StoredObject>> List(std::string_view prefix) = 0;

  // Removes `key`; an absent key is not an error (another cleaner got there first). Stores that
  // cannot delete answer kUnsupported (log cleanup then keeps everything).
  virtual Status Delete(std::string_view key);

  // The filesystem path of `key` when the store is local (the Parquet reader and writer work on
  // files); nullopt for remote stores.
  virtual std::optional<std::string> LocalPath(std::string_view key) const = 0;
};

// A table in a local directory. Put-if-absent is a hidden temp file + link(2) (falling back to
// renameat2(RENAME_NOREPLACE) where hard links are unsupported); never a plain rename, which
// silently replaces.
std::unique_ptr<TableStorage> NewLocalTableStorage(std::string root_dir);

}  // namespace pinpipe::lake
