// KinesisClient: one Kinesis API call (JSON 1.1 over HTTP POST, `X-Amz-Target:
// Kinesis_20131202.<Op>`) to a remote endpoint, signed with SigV4 by objstore's signer and sent
// by objstore's libcurl transport — the same two pieces the S3 store uses. No retries here: the
// caller (remote_kinesis_log.h) decides what a throttle or an expired iterator means.
// Without an access key id the requests go unsigned (AWS refuses them; a local endpoint may not).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "kinesis/value.h"
#include "objstore/http_transport.h"
#include "stream/kinesis_endpoint.h"

namespace pinpipe::stream {

// An error answer: the exception name ("ProvisionedThroughputExceededException") and message.
struct KinesisError {
  long http_status = 0;  // 0 = no answer (transport failure)
  std::string type;
  std::string message;
};

class KinesisClient {
 public:
  explicit KinesisClient(KinesisEndpoint endpoint) : endpoint_(std::move(endpoint)) {}
  // The decoded answer, or the error (type "" for transport failures).
  std::expected<kinesis::Value, KinesisError> Call(std::string_view op, const kinesis::Value& request);
  const KinesisEndpoint& endpoint() const { return endpoint_; }

 private:
  KinesisEndpoint endpoint_;
  objstore::HttpTransport http_;
};

}  // namespace pinpipe::stream
