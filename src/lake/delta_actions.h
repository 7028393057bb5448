// Delta log actions (PROTOCOL.md "Actions"): the rows of a commit file, one JSON object per line,
// and of a checkpoint, one struct column per action type. Fields a reader must keep are typed;
// commitInfo is free-form, so it keeps its raw JSON beside the fields `lake history` shows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace pinpipe::lake {

// Map[String,String] whose values may be null (partitionValues: null = the null partition).
using StringMap = std::map<std::string, std::optional<std::string>, std::less<>>;

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  // Present only with reader version 3 / writer version 7 (PROTOCOL.md "Protocol Evolution").
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
  bool operator==(const Protocol&) const = default;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  StringMap format_options;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  StringMap configuration;
  std::optional<int64_t> created_time;
  bool operator==(const Metadata&) const = default;
};

struct AddFile {
  std::string path;  // relative URI (RFC 2396) or absolute
  StringMap partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON document serialized into a string
  StringMap tags;
  // Deletion vectors need reader feature deletionVectors; we keep the raw JSON only to refuse it.
  std::optional<std::string> deletion_vector_json;
  bool operator==(const AddFile&) const = default;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  StringMap partition_values;
  std::optional<int64_t> size;
  bool operator==(const RemoveFile&) const = default;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
  bool operator==(const Txn&) const = default;
};

struct CommitInfo {
  std::optional<int64_t> timestamp;
  std::string operation;
  // Spark writes every parameter as a string; other JSON values are kept as their JSON text.
  StringMap operation_parameters;
  std::optional<int64_t> read_version;
  std::optional<bool> is_blind_append;
  // What DESCRIBE HISTORY shows as operationMetrics (Spark: numFiles, numOutputRows, ...).
  StringMap operation_metrics;
  std::string engine_info;
  // Spark's userMetadata (DESCRIBE HISTORY's column): who wrote the commit and why.
  std::optional<std::string> user_metadata;
  std::string raw_json;  // the whole commitInfo object as written (for --format json)
  bool operator==(const CommitInfo&) const = default;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, Txn, CommitInfo>;

// One action as a single JSON line without the trailing newline, keys in Spark's order.
std::string SerializeAction(const Action& action);

// A whole commit: each action plus '\n'.
std::string SerializeCommit(const std::vector<Action>& actions);

// Parses a commit file (NDJSON). Unknown action types and fields are skipped as the protocol
// requires; a line that is not JSON is corruption. `what` names the file in error messages.
Result<std::vector<Action>> ParseCommit(std::string_view ndjson, std::string_view what);

}  // namespace pinpipe::lake
