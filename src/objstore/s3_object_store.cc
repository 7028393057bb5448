#include "objstore/s3_object_store.h"

#include <algorithm>
#include <chrono>
#include <charconv>
#include <random>
#include <thread>

#include "objstore/s3_xml.h"
#include "objstore/sha256.h"

namespace pinpipe::objstore {

namespace {

bool Retryable(long status, std::string_view body) {
  if (status >= 500 || status == 429) return true;
  // S3 answers a few transient conditions with 400/403/409.
  return body.find("<Code>RequestTimeout</Code>") != std::string_view::npos ||
         body.find("<Code>SlowDown</Code>") != std::string_view::npos ||
         body.find("<Code>RequestTimeTooSkewed</Code>") != std::string_view::npos ||
         body.find("<Code>ConditionalRequestConflict</Code>") != std::string_view::npos;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

S3ObjectStore::S3ObjectStore(S3Options opts) : opts_(std::move(opts)) {}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Options opts) {
  if (opts.bucket.empty()) return MakeError(ErrorCode::kInvalidArgument, "S3 store: no bucket");
  if (opts.region.empty()) opts.region = "us-east-1";
  if (opts.part_size < (5ull << 20)) opts.part_size = 5ull << 20;
  if (opts.multipart_threshold < opts.part_size) opts.multipart_threshold = opts.part_size;
  if (opts.max_attempts < 1) opts.max_attempts = 1;
  if (opts.credentials.access_key_id.empty() || opts.credentials.secret_access_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "S3 store: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                     "or s3.access_key_id and s3.secret_access_key)");
  }
  std::unique_ptr<S3ObjectStore> s(new S3ObjectStore(std::move(opts)));
  std::string endpoint = s->opts_.endpoint;
  if (endpoint.empty()) endpoint = "https://s3." + s->opts_.region + ".amazonaws.com";
  size_t scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "S3 endpoint must start with http:// or https://: " + endpoint);
  }
  s->scheme_ = endpoint.substr(0, scheme_end);
  if (s->scheme_ != "http" && s->scheme_ != "https") {
    return MakeError(ErrorCode::kInvalidArgument, "S3 endpoint scheme must be http or https");
  }
  std::string host = endpoint.substr(scheme_end + 3);
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.empty() || host.find('/') != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "S3 endpoint must be scheme://host[:port]");
  }
  if (s->opts_.path_style) {
    s->host_ = host;
    s->base_path_ = "/" + s->opts_.bucket;
  } else {
    s->host_ = s->opts_.bucket + "." + host;
  }
  return s;
}

std::string S3ObjectStore::Describe() const {
  return "s3://" + opts_.bucket + (opts_.prefix.empty() ? "" : "/" + opts_.prefix);
}

std::string S3ObjectStore::FullKey(std::string_view key) const {
  if (opts_.prefix.empty()) return std::string(key);
  return opts_.prefix + "/" + std::string(key);
}

Result<HttpResponse> S3ObjectStore::Execute(const Call& call, int* attempts_used) {
  std::string path = base_path_ + "/" + UriEncode(call.full_key, /*keep_slash=*/true);
  if (call.full_key.empty() && !base_path_.empty()) path = base_path_;
  std::string query = CanonicalQuery(call.query);
  std::string url = scheme_ + "://" + host_ + path + (query.empty() ? "" : "?" + query);
  std::string payload_hash =
      opts_.unsigned_payload ? std::string(kUnsignedPayload) : Sha256Hex(call.body);
  thread_local std::mt19937_64 rng{std::random_device{}()};

  Result<HttpResponse> last = MakeError(ErrorCode::kInternal, "no attempt");
  for (int attempt = 0; attempt < opts_.max_attempts; ++attempt) {
    if (attempt > 0) {
      retries_.fetch_add(1);
      int64_t cap = std::min<int64_t>(opts_.retry_max_ms,
                                      int64_t{opts_.retry_base_ms} << std::min(attempt, 20));
      std::uniform_int_distribution<int64_t> jitter(0, std::max<int64_t>(cap, 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
    if (attempts_used) *attempts_used = attempt + 1;
    SigningRequest sr;
    sr.method = call.method;
    sr.canonical_uri = path;
    sr.query = call.query;
    sr.payload_hash = payload_hash;
    std::string amz_date = AmzDate(std::chrono::system_clock::now());
    sr.headers = {{"host", host_},
                  {"x-amz-content-sha256", payload_hash},
                  {"x-amz-date", amz_date}};
    if (!opts_.credentials.session_token.empty()) {
      sr.headers.emplace_back("x-amz-security-token", opts_.credentials.session_token);
    }
    for (const auto& h : call.extra_headers) sr.headers.push_back(h);
    SignedRequest signed_req = SignV4(sr, opts_.credentials, amz_date, opts_.region, "s3");

    HttpRequest req;
    req.method = call.method;
    req.url = url;
    req.headers = sr.headers;
    req.headers.emplace_back("Authorization", signed_req.authorization);
    req.body = call.body;
    req.connect_timeout_ms = opts_.connect_timeout_ms;
    req.timeout_ms = opts_.request_timeout_ms;
    last = http_.Send(req);
    if (!last) continue;  // transport error: retry
    if (!Retryable(last->status, last->body)) return last;
  }
  return last;
}

Error S3ObjectStore::ResponseError(const Call& call, const HttpResponse& resp) const {
  std::string code = XmlFirst(resp.body, "Code").value_or("");
  std::string message = XmlFirst(resp.body, "Message").value_or("");
  std::string text = "S3 " + call.method + " s3://" + opts_.bucket + "/" + call.full_key +
                     ": HTTP " + std::to_string(resp.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  ErrorCode ec = resp.status == 404                       ? ErrorCode::kNotFound
                 : resp.status == 412                     ? ErrorCode::kAlreadyExists
                 : resp.status == 400 || resp.status == 403 ? ErrorCode::kInvalidArgument
                 : resp.status >= 500 || resp.status == 429 ? ErrorCode::kUnavailable
                                                            : ErrorCode::kIoError;
  return Error(ec, std::move(text));
}

Status S3ObjectStore::Put(std::string_view key, std::string_view data, PutOptions) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  if (data.size() > opts_.multipart_threshold) {
    PINPIPE_ASSIGN_OR_RETURN(auto writer, NewWriter(key));
    PINPIPE_RETURN_IF_ERROR(writer->Write(data));
    return writer->Commit();
  }
  Call call{"PUT", FullKey(key), {}, {}, data};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status / 100 != 2) return std::unexpected(ResponseError(call, resp));
  return OkStatus();
}

Status S3ObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  Call call{"PUT", FullKey(key), {}, {{"if-none-match", "*"}}, data};
  int attempts = 0;
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call, &attempts));
  if (resp.status / 100 == 2) return OkStatus();
  if (resp.status == 412 && attempts > 1) {
    // An earlier attempt of this call may have succeeded with its answer lost.
    auto stored = Get(key);
    if (stored && *stored == data) return OkStatus();
  }
  return std::unexpected(ResponseError(call, resp));
}

Result<std::string> S3ObjectStore::Get(std::string_view key) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  Call call{"GET", FullKey(key), {}, {}, {}};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status != 200) return std::unexpected(ResponseError(call, resp));
  return std::move(resp.body);
}

Result<ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  Call call{"HEAD", FullKey(key), {}, {}, {}};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status != 200) return std::unexpected(ResponseError(call, resp));
  ObjectInfo info;
  info.key = std::string(key);
  auto it = resp.headers.find("content-length");
  if (it != resp.headers.end()) {
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), info.size);
  }
  if (auto e = resp.headers.find("etag"); e != resp.headers.end()) info.etag = Unquote(e->second);
  return info;
}

Result<ListPage> S3ObjectStore::List(std::string_view prefix, std::string_view token,
                                     int max_keys) {
  Call call{"GET", "", {{"list-type", "2"}, {"prefix", FullKey(prefix)},
                        {"max-keys", std::to_string(std::max(1, max_keys))}}, {}, {}};
  if (opts_.prefix.empty()) call.query[1].second = std::string(prefix);
  if (!token.empty()) call.query.emplace_back("continuation-token", std::string(token));
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status != 200) return std::unexpected(ResponseError(call, resp));
  ListResult parsed = ParseListObjectsV2(resp.body);
  ListPage page;
  size_t strip = opts_.prefix.empty() ? 0 : opts_.prefix.size() + 1;
  for (auto& o : parsed.objects) {
    if (o.key.size() < strip) continue;
    o.key = o.key.substr(strip);
    page.objects.push_back(std::move(o));
  }
  std::sort(page.objects.begin(), page.objects.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  if (parsed.truncated) page.next_token = parsed.next_token;
  return page;
}

Status S3ObjectStore::Delete(std::string_view key) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  Call call{"DELETE", FullKey(key), {}, {}, {}};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status / 100 == 2 || resp.status == 404) return OkStatus();
  return std::unexpected(ResponseError(call, resp));
}

// ---------------------------------------------------------------- multipart

Result<std::string> S3ObjectStore::InitiateMultipart(const std::string& full_key) {
  Call call{"POST", full_key, {{"uploads", ""}}, {}, {}};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status != 200) return std::unexpected(ResponseError(call, resp));
  auto id = XmlFirst(resp.body, "UploadId");
  if (!id || id->empty()) {
    return MakeError(ErrorCode::kIoError, "S3 CreateMultipartUpload: no UploadId in the answer");
  }
  return *id;
}

Result<std::string> S3ObjectStore::UploadPart(const std::string& full_key,
                                              const std::string& upload_id, int part_number,
                                              std::string_view data) {
  Call call{"PUT", full_key, {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
            {}, data};
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call));
  if (resp.status != 200) return std::unexpected(ResponseError(call, resp));
  auto it = resp.headers.find("etag");
  // Without an ETag header, the part's ETag is its MD5 (true for unencrypted uploads).
  return it != resp.headers.end() ? it->second : "\"" + Md5Hex(data) + "\"";
}

Status S3ObjectStore::CompleteMultipart(const std::string& full_key, const std::string& upload_id,
                                        const std::vector<std::string>& etags,
                                        uint64_t total_size) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            XmlEscape(etags[i]) + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  Call call{"POST", full_key, {{"uploadId", upload_id}}, {}, body};
  int attempts = 0;
  PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, Execute(call, &attempts));
  // S3 may answer 200 with an <Error> body when completion fails late.
  if (resp.status == 200 && resp.body.find("<Error>") == std::string::npos) return OkStatus();
  if (resp.status == 404 && attempts > 1) {
    // A retry after a lost answer: the first completion consumed the upload id.
    Call head{"HEAD", full_key, {}, {}, {}};
    auto h = Execute(head);
    if (h && h->status == 200) {
      auto it = h->headers.find("content-length");
      if (it != h->headers.end() && it->second == std::to_string(total_size)) return OkStatus();
    }
  }
  return std::unexpected(ResponseError(call, resp));
}

void S3ObjectStore::AbortMultipart(const std::string& full_key, const std::string& upload_id) {
  Call call{"DELETE", full_key, {{"uploadId", upload_id}}, {}, {}};
  (void)Execute(call);
}

class S3ObjectStore::MultipartWriter final : public ObjectWriter {
 public:
  MultipartWriter(S3ObjectStore* store, std::string full_key)
      : store_(store), full_key_(std::move(full_key)) {}
  ~MultipartWriter() override { Abort(); }

  Status Write(std::string_view data) override {
    if (done_) return MakeError(ErrorCode::kInvalidArgument, "writer is closed");
    buffer_.append(data);
    total_ += data.size();
    // Every part but the last is exactly part_size (>= 5 MiB, S3's minimum).
    while (buffer_.size() > store_->opts_.part_size) {
      PINPIPE_RETURN_IF_ERROR(SendPart(store_->opts_.part_size));
    }
    return OkStatus();
  }

  Status Commit() override {
    if (done_) return MakeError(ErrorCode::kInvalidArgument, "writer is closed");
    if (upload_id_.empty()) {
      // Small object: a single PUT.
      Call call{"PUT", full_key_, {}, {}, buffer_};
      PINPIPE_ASSIGN_OR_RETURN(HttpResponse resp, store_->Execute(call));
      if (resp.status / 100 != 2) return std::unexpected(store_->ResponseError(call, resp));
      done_ = true;
      return OkStatus();
    }
    while (!buffer_.empty()) {
      PINPIPE_RETURN_IF_ERROR(SendPart(std::min<uint64_t>(buffer_.size(),
                                                          store_->opts_.part_size)));
    }
    PINPIPE_RETURN_IF_ERROR(store_->CompleteMultipart(full_key_, upload_id_, etags_, total_));
    done_ = true;
    return OkStatus();
  }

  void Abort() override {
    if (done_) return;
    done_ = true;
    if (!upload_id_.empty()) store_->AbortMultipart(full_key_, upload_id_);
  }

 private:
  Status SendPart(uint64_t n) {
    if (upload_id_.empty()) {
      PINPIPE_ASSIGN_OR_RETURN(upload_id_, store_->InitiateMultipart(full_key_));
    }
    std::string_view part(buffer_.data(), n);
    PINPIPE_ASSIGN_OR_RETURN(std::string etag,
                             store_->UploadPart(full_key_, upload_id_,
                                                static_cast<int>(etags_.size() + 1), part));
    etags_.push_back(std::move(etag));
    buffer_.erase(0, n);
    return OkStatus();
  }

  S3ObjectStore* store_;
  std::string full_key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  uint64_t total_ = 0;
  bool done_ = false;
};

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::NewWriter(std::string_view key) {
  PINPIPE_RETURN_IF_ERROR(ValidateObjectKey(key));
  return std::unique_ptr<ObjectWriter>(new MultipartWriter(this, FullKey(key)));
}

}  // namespace pinpipe::objstore
