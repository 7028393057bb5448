// Settings of the S3 store: where (endpoint, region, bucket, prefix, addressing), who
// (credentials; never logged), and how (multipart threshold, retries).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "objstore/sigv4.h"

namespace pinpipe::objstore {

struct S3Options {
  std::string bucket;
  std::string prefix;    // without leading or trailing '/'; may be empty
  std::string endpoint;  // "http://127.0.0.1:4569"; empty = https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  // Path-style ("endpoint/bucket/key") or virtual-host ("bucket.endpoint/key") addressing.
  bool path_style = true;
  AwsCredentials credentials;
  // Send x-amz-content-sha256: UNSIGNED-PAYLOAD instead of hashing the body.
  bool unsigned_payload = false;
  uint64_t multipart_threshold = 8ull << 20;  // Put above this size uses multipart upload
  uint64_t part_size = 8ull << 20;            // >= 5 MiB (S3's minimum for all but the last)
  int max_attempts = 8;                       // per request, first try included
  int retry_base_ms = 50;                     // exponential backoff with full jitter
  int retry_max_ms = 2000;
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 60000;
};

// Fills credentials, region and endpoint from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION) and AWS_ENDPOINT_URL where the
// options leave them empty.
void ApplyAwsEnvironment(S3Options& opts);

// "s3://bucket/prefix" → bucket and prefix.
Status ParseS3Uri(std::string_view uri, S3Options& opts);

}  // namespace pinpipe::objstore
