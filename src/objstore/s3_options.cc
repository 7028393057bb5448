#include "objstore/s3_options.h"

#include <cstdlib>

namespace pinpipe::objstore {

namespace {
void FromEnv(std::string& field, const char* name) {
  if (!field.empty()) return;
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0') field = v;
}
}  // namespace

void ApplyAwsEnvironment(S3Options& opts) {
  FromEnv(opts.credentials.access_key_id, "AWS_ACCESS_KEY_ID");
  FromEnv(opts.credentials.secret_access_key, "AWS_SECRET_ACCESS_KEY");
  FromEnv(opts.credentials.session_token, "AWS_SESSION_TOKEN");
  FromEnv(opts.endpoint, "AWS_ENDPOINT_URL_S3");
  FromEnv(opts.endpoint, "AWS_ENDPOINT_URL");
  if (opts.region.empty()) {
    FromEnv(opts.region, "AWS_REGION");
    FromEnv(opts.region, "AWS_DEFAULT_REGION");
  }
}

Status ParseS3Uri(std::string_view uri, S3Options& opts) {
  if (!uri.starts_with("s3://")) {
    return MakeError(ErrorCode::kInvalidArgument, "not an s3:// URI: " + std::string(uri));
  }
  std::string_view rest = uri.substr(5);
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (bucket.empty() || bucket.size() > 63 ||
      bucket.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid bucket name in " + std::string(uri) +
                         " (3-63 lower-case letters, digits, '.' and '-')");
  }
  opts.bucket = std::string(bucket);
  opts.prefix = std::string(prefix);
  return OkStatus();
}

}  // namespace pinpipe::objstore
