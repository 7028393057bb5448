// Kinesis Data Streams over HTTP (protocols.md §2.1, §3): `POST /` dispatched on
// `X-Amz-Target: Kinesis_20131202.<Op>` in AWS JSON 1.1 or CBOR, and the API-Gateway facade
// (`/streams/...`) with the original's mapping templates. Both call kinesis::Service.
//
// Threads: PutRecord(s) decode and append on the reactor and answer from the log's durability
// callback; every other operation is copied off the request and run on this object's WorkPool
// (metadata fsyncs, log reads), answered from there. A full pool answers 503.
#pragma once

#include <memory>
#include <string>

#include "gateway/work_pool.h"
#include "http/request.h"
#include "http/responder.h"
#include "kinesis/service.h"
#include "kinesis/subscriptions.h"

namespace pinpipe::gateway {

struct KinesisHttpOptions {
  // The facade creates a stream on its first PUT .../record(s) (kinesis.auto_create).
  bool auto_create = true;
  int32_t auto_create_shards = 1;  // kinesis.auto_create_shards
  // SigV4 verification when both are set (kinesis.access_key_id / kinesis.secret_access_key);
  // otherwise signatures are parsed only.
  std::string access_key_id;
  std::string secret_access_key;
  // SubscribeToShard's timing (tests shorten them; production keeps AWS's).
  kinesis::Subscriptions::Options subscriptions;
};

class KinesisApi {
 public:
  KinesisApi(kinesis::Service& service, KinesisHttpOptions options);
  ~KinesisApi();
  void Stop();

  // POST / with X-Amz-Target.
  void Handle(const http::Request& req, http::Responder r);

  // The facade.
  void FacadeListStreams(const http::Request& req, http::Responder r);
  void FacadeCreateStream(const http::Request& req, http::Responder r);
  void FacadeDescribeStream(const http::Request& req, http::Responder r);
  void FacadeDeleteStream(const http::Request& req, http::Responder r);
  void FacadePutRecord(const http::Request& req, http::Responder r);
  void FacadePutRecords(const http::Request& req, http::Responder r);
  void FacadeShardIterator(const http::Request& req, http::Responder r);
  void FacadeGetRecords(const http::Request& req, http::Responder r);

 private:
  // Runs a non-put operation on the pool and answers with `encode`.
  enum class Wire { kJson, kCbor, kFacade, kFacadeDelete };
  void RunOnPool(std::string op, kinesis::Value req, Wire wire, std::string content_type, http::Responder r);
  // SubscribeToShard: checked on the pool; then an AWS event stream (initial-response, then
  // SubscribeToShardEvents) in a streamed response — HTTP/2 DATA frames, or HTTP/1.1 chunks.
  void Subscribe(kinesis::Value req, bool cbor, std::string content_type, http::Responder r);
  void RunPut(std::string op, kinesis::Value req, Wire wire, std::string content_type, http::Responder r,
              bool auto_create);

  kinesis::Service& service_;
  KinesisHttpOptions options_;
  std::unique_ptr<WorkPool> pool_;
  // Subscription reads run on their own pool, so a busy control plane does not delay pushes.
  std::shared_ptr<WorkPool> sub_pool_;
  std::shared_ptr<kinesis::Subscriptions> subs_;
};

// Encodes an answer (exposed for tests): success → 200 with the body (empty for a null
// Value); error → 400/500 `{"__type","message"}` + x-amzn-ErrorType, or for the facade 200 with
// the same body (API Gateway's default response; DELETE maps 4xx/5xx through).
http::Response KinesisResponse(const kinesis::Outcome& outcome, bool cbor, bool facade,
                               bool facade_maps_errors, std::string content_type);

}  // namespace pinpipe::gateway
