// S3ObjectStore: the ObjectStore on S3 or any S3-compatible service (MinIO, s3rver, ...), over
// libcurl with requests signed by SigV4 (sigv4.h).
//  - Put below multipart_threshold: one PUT; above it: multipart upload (parts of part_size,
//    the object appears at CompleteMultipartUpload, so readers never see a prefix).
//  - PutIfAbsent: PUT with "If-None-Match: *" (S3 conditional writes); 412 → kAlreadyExists,
//    unless this call's own earlier attempt created it (a retry after a lost response: the
//    stored bytes are compared).
//  - Retries: transport errors, 5xx, 429 and throttling answers, with exponential backoff
//    and full jitter, up to max_attempts; each attempt is signed afresh.
//  - Credentials never appear in messages or logs.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "objstore/http_transport.h"
#include "objstore/object_store.h"
#include "objstore/s3_options.h"

namespace pinpipe::objstore {

class S3ObjectStore final : public ObjectStore {
 public:
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Options opts);

  std::string Describe() const override;
  const S3Options& options() const { return opts_; }

  Status Put(std::string_view key, std::string_view data, PutOptions opts = {}) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<ListPage> List(std::string_view prefix, std::string_view token,
                        int max_keys = 1000) override;
  Status Delete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key) override;
  Status Sync() override { return OkStatus(); }  // S3 objects are durable once complete

  // Requests retried so far (for tests and metrics).
  uint64_t retries() const { return retries_.load(); }

 private:
  class MultipartWriter;
  explicit S3ObjectStore(S3Options opts);

  struct Call {
    std::string method;
    std::string full_key;  // with the store prefix; empty = the bucket
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> extra_headers;
    std::string_view body;
  };
  // Signs and sends with retries; returns the last response (any status) or a transport error.
  Result<HttpResponse> Execute(const Call& call, int* attempts_used = nullptr);
  std::string FullKey(std::string_view key) const;
  Error ResponseError(const Call& call, const HttpResponse& resp) const;

  Result<std::string> InitiateMultipart(const std::string& full_key);
  Result<std::string> UploadPart(const std::string& full_key, const std::string& upload_id,
                                 int part_number, std::string_view data);
  Status CompleteMultipart(const std::string& full_key, const std::string& upload_id,
                           const std::vector<std::string>& etags, uint64_t total_size);
  void AbortMultipart(const std::string& full_key, const std::string& upload_id);

  S3Options opts_;
  std::string scheme_;  // "http" | "https"
  std::string host_;    // "host[:port]" as signed and sent
  std::string base_path_;  // "/bucket" (path-style) or ""
  HttpTransport http_;
  std::atomic<uint64_t> retries_{0};
};

}  // namespace pinpipe::objstore
