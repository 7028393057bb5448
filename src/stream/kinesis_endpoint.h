// Where a remote Kinesis source lives: `stream.source = kinesis://…` (issue 18 §1: "any Kinesis
// endpoint over the API"), and who signs for it (the usual AWS_* settings, SigV4).
//
//   kinesis://                 AWS's regional endpoint https://kinesis.<region>.amazonaws.com
//   kinesis://HOST:PORT        a plain-http endpoint (a local pinpipe serve, kinesalite, moto)
//   kinesis+https://HOST[:PORT] an https endpoint
//   kinesis+http://HOST[:PORT] the same as kinesis://HOST:PORT
// Region: stream.kinesis_region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
// Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (never logged).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "objstore/sigv4.h"

namespace pinpipe::stream {

struct KinesisEndpoint {
  std::string url;   // "http://127.0.0.1:4567" (no trailing '/')
  std::string host;  // the Host header: "127.0.0.1:4567"
  std::string region = "us-east-1";
  objstore::AwsCredentials credentials;
};

// True when `spec` names a remote Kinesis endpoint (kinesis:// or kinesis+http[s]://).
bool IsKinesisUrl(std::string_view spec);

// The endpoint of `spec`; `region` ("" = from the environment) is used for the signature's
// scope and for kinesis:// alone. Credentials are not filled here (ApplyAwsCredentials).
Result<KinesisEndpoint> ParseKinesisUrl(std::string_view spec, std::string_view region);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN where `creds` leaves them empty.
void ApplyAwsCredentials(objstore::AwsCredentials& creds);

}  // namespace pinpipe::stream
