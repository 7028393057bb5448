#include "stream/kinesis_endpoint.h"

#include <cstdlib>

namespace pinpipe::stream {
namespace {

void FromEnv(std::string& field, const char* name) {
  if (!field.empty()) return;
  if (const char* v = std::getenv(name); v && *v) field = v;
}

}  // namespace

bool IsKinesisUrl(std::string_view spec) {
  return spec.starts_with("kinesis://") || spec.starts_with("kinesis+http://") ||
         spec.starts_with("kinesis+https://");
}

Result<KinesisEndpoint> ParseKinesisUrl(std::string_view spec, std::string_view region) {
  KinesisEndpoint e;
  e.region = std::string(region);
  FromEnv(e.region, "AWS_REGION");
  FromEnv(e.region, "AWS_DEFAULT_REGION");
  if (e.region.empty()) e.region = "us-east-1";
  std::string_view scheme;
  std::string_view rest;
  for (std::string_view s : {"kinesis+https", "kinesis+http", "kinesis"}) {
    if (spec.starts_with(s) && spec.substr(s.size()).starts_with("://")) {
      scheme = s;
      rest = spec.substr(s.size() + 3);
      break;
    }
  }
  if (scheme.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "stream.source: not a kinesis:// URL: " + std::string(spec));
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "stream.source: want kinesis://HOST:PORT (no path, query or user): " +
                         std::string(spec));
  }
  if (rest.empty()) {
    if (scheme == "kinesis+http") {
      return MakeError(ErrorCode::kInvalidArgument, "stream.source: kinesis+http:// needs HOST:PORT");
    }
    // AWS's regional endpoint (https only).
    e.host = "kinesis." + e.region + ".amazonaws.com";
    e.url = "https://" + e.host;
    return e;
  }
  const bool https = scheme == "kinesis+https";
  const size_t colon = rest.rfind(':');
  const bool bracketed = rest.front() == '[';
  const bool has_port = colon != std::string_view::npos && (!bracketed || colon > rest.find(']'));
  std::string_view host = has_port ? rest.substr(0, colon) : rest;
  if (host.empty() || (bracketed && host.back() != ']')) {
    return MakeError(ErrorCode::kInvalidArgument, "stream.source: no host in " + std::string(spec));
  }
  if (has_port) {
    std::string_view port = rest.substr(colon + 1);
    int n = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || n > 65535) { n = -1; break; }
      n = n * 10 + (c - '0');
    }
    if (port.empty() || n <= 0 || n > 65535) {
      return MakeError(ErrorCode::kInvalidArgument, "stream.source: bad port in " + std::string(spec));
    }
  } else if (!https) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "stream.source: kinesis://HOST needs a port (plain http); use "
                     "kinesis+https://HOST for https: " + std::string(spec));
  }
  e.host = std::string(rest);
  e.url = std::string(https ? "https://" : "http://") + e.host;
  return e;
}

void ApplyAwsCredentials(objstore::AwsCredentials& creds) {
  FromEnv(creds.access_key_id, "AWS_ACCESS_KEY_ID");
  FromEnv(creds.secret_access_key, "AWS_SECRET_ACCESS_KEY");
  FromEnv(creds.session_token, "AWS_SESSION_TOKEN");
}

}  // namespace pinpipe::stream
