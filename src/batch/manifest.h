// The manifest of a DAG run: which raw objects `load` found in the lake for each topic
// (key, size, etag or mtime), stored as JSON at manifests/pinterest_batch/<date>.json. The
// clean tasks read exactly these objects, so a run works on one consistent listing even while
// the sink keeps landing objects, and its inputs can be audited afterwards.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "objstore/object_store.h"
#include "pinterest/raw_tables.h"

namespace pinpipe::batch {

struct ManifestObject {
  std::string key;  // store key, e.g. topics/pinterest.pin/partition=0/pinterest.pin+0+0000000000.json
  uint64_t size = 0;
  int64_t mtime_ms = 0;
  std::string etag;  // S3 only
  bool operator==(const ManifestObject&) const = default;
};

struct ManifestTopic {
  std::string topic;  // pinterest.pin
  std::vector<ManifestObject> objects;  // by partition, then start offset
  uint64_t bytes() const;
  bool operator==(const ManifestTopic&) const = default;
};

struct Manifest {
  std::string dag_id;
  std::string logical_date;
  std::string lake;        // the lake URI, for the record
  std::string topics_dir;
  int64_t created_ms = 0;
  // dag.data_selection of the run: "all", or "interval" with the data interval [start, end).
  std::string selection = "all";
  int64_t interval_start_ms = 0, interval_end_ms = 0;
  std::array<ManifestTopic, 3> topics;  // indexed by RawKind

  const ManifestTopic& of(pinterest::RawKind k) const { return topics[static_cast<size_t>(k)]; }
  ManifestTopic& of(pinterest::RawKind k) { return topics[static_cast<size_t>(k)]; }
  bool operator==(const Manifest&) const = default;
};

std::string ManifestKey(std::string_view dag_id, std::string_view logical_date);
std::string EncodeManifest(const Manifest& m);
Result<Manifest> DecodeManifest(std::string_view json);

// Sort order of a topic's objects: partition number, then the start offset in the name
// (partition=10 after partition=9), then the key.
void SortObjects(std::vector<ManifestObject>& objects);

// Written with the store's atomic Put (readers see the old or the new manifest).
Status WriteManifest(objstore::ObjectStore& store, const Manifest& m);
// kNotFound with a hint to run `load` first.
Result<Manifest> ReadManifest(objstore::ObjectStore& store, std::string_view dag_id,
                              std::string_view logical_date);

}  // namespace pinpipe::batch
