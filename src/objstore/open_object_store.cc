#include "objstore/open_object_store.h"

#include <cctype>

#include "objstore/local_object_store.h"
#include "objstore/s3_object_store.h"

namespace pinpipe::objstore {

std::optional<std::string_view> UriScheme(std::string_view uri) {
  // Two characters at least, so nothing like a drive letter is taken for a scheme.
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon < 2) return std::nullopt;
  const std::string_view scheme = uri.substr(0, colon);
  if (!std::isalpha(static_cast<unsigned char>(scheme[0]))) return std::nullopt;
  for (char c : scheme) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  return scheme;
}

Status CheckLakeUri(std::string_view uri) {
  if (uri.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty lake URI");
  const auto scheme = UriScheme(uri);
  if (!scheme) return OkStatus();  // a local path
  std::string lower(*scheme);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string_view rest = uri.substr(scheme->size() + 1);
  if (lower == "s3" || lower == "file") {
    // "s3:/bucket" would otherwise be a relative local directory named "s3:".
    if (*scheme != lower || !rest.starts_with("//")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "malformed lake URI '" + std::string(uri) + "': write " + lower +
                           (lower == "s3" ? "://bucket/prefix" : ":///absolute/dir"));
    }
    return OkStatus();
  }
  // "name:/..." or "name://...": a URI of a scheme pinpipe does not speak. (A local directory
  // whose name has a colon and a slash right after it would need a "./" in front.)
  if (rest.starts_with("/")) {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported lake URI scheme '" + std::string(*scheme) + "' in " +
                         std::string(uri) + " (use a path, file:///dir or s3://bucket/prefix)");
  }
  return OkStatus();
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri, OpenOptions opts) {
  PINPIPE_RETURN_IF_ERROR(CheckLakeUri(uri));
  if (uri.starts_with("s3://")) {
    S3Options s3 = std::move(opts.s3);
    PINPIPE_RETURN_IF_ERROR(ParseS3Uri(uri, s3));
    ApplyAwsEnvironment(s3);
    PINPIPE_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(std::move(s3)));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  std::string_view path = uri;
  if (path.starts_with("file://")) {
    path.remove_prefix(7);
    if (!path.starts_with("/")) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "file URI must be absolute (file:///dir): " + std::string(uri));
    }
  } else if (path.find("://") != std::string_view::npos) {
    return MakeError(ErrorCode::kUnsupported,
                     "unsupported lake URI scheme (use a path, file:///dir or s3://bucket/prefix): " +
                         std::string(uri));
  }
  if (path.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty lake URI");
  LocalStoreOptions local;
  local.fs = opts.fs;
  return std::unique_ptr<ObjectStore>(new LocalObjectStore(std::string(path), local));
}

Result<S3Options> S3OptionsFromConfig(const Config& cfg) {
  S3Options s3;
  s3.endpoint = cfg.GetString("s3.endpoint");
  s3.region = cfg.GetString("s3.region");
  PINPIPE_ASSIGN_OR_RETURN(s3.path_style, cfg.GetBool("s3.path_style"));
  s3.credentials.access_key_id = cfg.GetString("s3.access_key_id");
  s3.credentials.secret_access_key = cfg.GetString("s3.secret_access_key");
  s3.credentials.session_token = cfg.GetString("s3.session_token");
  PINPIPE_ASSIGN_OR_RETURN(s3.unsigned_payload, cfg.GetBool("s3.unsigned_payload"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t threshold, cfg.GetInt("s3.multipart_threshold_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t part, cfg.GetInt("s3.part_size_bytes"));
  PINPIPE_ASSIGN_OR_RETURN(int64_t attempts, cfg.GetInt("s3.max_attempts"));
  if (part < (5 << 20)) {
    return MakeError(ErrorCode::kInvalidArgument, "s3.part_size_bytes must be >= 5242880 (5 MiB)");
  }
  if (threshold < part) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "s3.multipart_threshold_bytes must be >= s3.part_size_bytes");
  }
  if (attempts < 1) return MakeError(ErrorCode::kInvalidArgument, "s3.max_attempts must be >= 1");
  s3.multipart_threshold = static_cast<uint64_t>(threshold);
  s3.part_size = static_cast<uint64_t>(part);
  s3.max_attempts = static_cast<int>(attempts);
  return s3;
}

Result<std::unique_ptr<ObjectStore>> OpenLakeStore(const Config& cfg, FileSystem* fs) {
  OpenOptions opts;
  opts.fs = fs;
  std::string uri = cfg.LakeUri();
  if (uri.starts_with("s3://")) {
    PINPIPE_ASSIGN_OR_RETURN(opts.s3, S3OptionsFromConfig(cfg));
  }
  return OpenObjectStore(uri, std::move(opts));
}

}  // namespace pinpipe::objstore
