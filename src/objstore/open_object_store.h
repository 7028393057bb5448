// OpenObjectStore: the lake URI selects the store everywhere in pinpipe.
//   "/abs/dir", "rel/dir", "file:///abs/dir"  → LocalObjectStore
//   "s3://bucket/prefix"                      → S3ObjectStore (settings from s3.* keys and AWS_*)
// Anything else that looks like a URI ("s3:/bucket", "ftp://host/x") is refused with
// kInvalidArgument / kUnsupported: such a mistake must fail at once, not become a local path.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include "common/config.h"
#include "objstore/object_store.h"
#include "objstore/s3_options.h"

namespace pinpipe {
class FileSystem;
}

namespace pinpipe::objstore {

struct OpenOptions {
  FileSystem* fs = nullptr;  // local store only; null = default
  S3Options s3;              // base settings for s3:// URIs (bucket and prefix come from the URI)
};

// The scheme of "scheme:..." (two or more characters: letter, then letters, digits, + - .).
std::optional<std::string_view> UriScheme(std::string_view uri);
// OK for a local path, "file:///dir" and "s3://..."; the error a misspelt URI deserves otherwise.
Status CheckLakeUri(std::string_view uri);

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri, OpenOptions opts = {});

// S3 settings from the config (s3.endpoint, s3.region, s3.path_style, s3.access_key_id,
// s3.secret_access_key, s3.session_token, s3.unsigned_payload, s3.multipart_threshold_bytes,
// s3.part_size_bytes, s3.max_attempts) with AWS_* variables filling what is unset.
Result<S3Options> S3OptionsFromConfig(const Config& cfg);

// The store for cfg.LakeUri().
Result<std::unique_ptr<ObjectStore>> OpenLakeStore(const Config& cfg, FileSystem* fs = nullptr);

}  // namespace pinpipe::objstore
