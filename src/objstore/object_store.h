// ObjectStore: where the lake's objects live — a local directory or an S3 bucket prefix.
// Keys are '/'-separated relative names ("topics/t/partition=0/t+0+0000000000.json"); a store
// never lets a key escape its root (ValidateObjectKey).
//
// Visibility contract (what the sink's exactly-once protocol and Delta commits rely on):
//  - Put/PutIfAbsent/ObjectWriter::Commit make an object visible all at once: a reader sees
//    the whole new object or the previous state, never a prefix.
//  - With PutOptions::defer_sync the object is visible when Put returns but may not survive a
//    machine crash until Sync() returns (the local store batches its fsyncs there; S3 objects
//    are durable on completion, so Sync is a no-op). Callers must not record anything that
//    depends on such an object's durability before Sync() succeeds.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::objstore {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t mtime_ms = 0;
  std::string etag;  // S3 ETag (quotes removed); empty for the local store
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // sorted by key
  // Pass back as `token` for the next page; empty when this was the last page.
  std::string next_token;
  // Entries under the prefix that are not objects and were left out, "key (kind)": the local
  // store's symlinks, FIFOs, sockets and devices (first page only). S3 has none.
  std::vector<std::string> skipped;
};

struct PutOptions {
  // See the visibility contract above.
  bool defer_sync = false;
};

// A streaming upload for large objects: the local store writes a temporary file; the S3 store
// uses multipart upload once the data passes its threshold. Nothing is visible before Commit;
// destroying an uncommitted writer aborts it.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Write(std::string_view data) = 0;
  virtual Status Commit() = 0;
  virtual void Abort() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // "file:///abs/dir" or "s3://bucket/prefix", for messages (never carries credentials).
  virtual std::string Describe() const = 0;

  // Creates or atomically replaces `key`.
  virtual Status Put(std::string_view key, std::string_view data, PutOptions opts = {}) = 0;
  // Creates `key` only if absent; kAlreadyExists when it exists (also across processes).
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;
  // kNotFound when absent.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Get into a caller's buffer, reusing its capacity where the store can (local files), with
  // room for `spare` more bytes as a hint (parsers that need padding).
  virtual Status GetInto(std::string_view key, std::string& out, size_t spare = 0);
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // One page of keys starting with `prefix` (at most max_keys, >= 1), sorted by key.
  virtual Result<ListPage> List(std::string_view prefix, std::string_view token,
                                int max_keys = 1000) = 0;
  // Ok when absent.
  virtual Status Delete(std::string_view key) = 0;
  virtual Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) = 0;
  // Makes every object written with defer_sync durable.
  virtual Status Sync() = 0;

  // Every page of List.
  Result<std::vector<ObjectInfo>> ListAll(std::string_view prefix);
};

// Rejects keys that could escape the store's root or confuse it: empty, absolute ("/x"),
// a "." or ".." segment, empty segments ("a//b"), a trailing '/', NUL bytes.
Status ValidateObjectKey(std::string_view key);

}  // namespace pinpipe::objstore
