#include "stream/kinesis_client.h"

#include <chrono>

#include "kinesis/json_codec.h"
#include "objstore/sha256.h"
#include "objstore/sigv4.h"

namespace pinpipe::stream {

std::expected<kinesis::Value, KinesisError> KinesisClient::Call(std::string_view op,
                                                                const kinesis::Value& request) {
  std::string body;
  kinesis::EncodeJson(request, body);
  const std::string payload_hash = objstore::Sha256Hex(body);
  const std::string amz_date = objstore::AmzDate(std::chrono::system_clock::now());
  objstore::SigningRequest sr;
  sr.method = "POST";
  sr.canonical_uri = "/";
  sr.payload_hash = payload_hash;
  sr.headers = {{"content-type", "application/x-amz-json-1.1"},
                {"host", endpoint_.host},
                {"x-amz-date", amz_date},
                {"x-amz-target", "Kinesis_20131202." + std::string(op)}};
  if (!endpoint_.credentials.session_token.empty()) {
    sr.headers.emplace_back("x-amz-security-token", endpoint_.credentials.session_token);
  }
  objstore::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_.url + "/";
  req.headers = sr.headers;
  // Without credentials the request goes unsigned (a local endpoint that does not check);
  // an empty Credential would be a malformed signature to every endpoint that parses it.
  if (!endpoint_.credentials.access_key_id.empty()) {
    const objstore::SignedRequest signed_req =
        objstore::SignV4(sr, endpoint_.credentials, amz_date, endpoint_.region, "kinesis");
    req.headers.emplace_back("Authorization", signed_req.authorization);
  }
  req.body = body;
  req.timeout_ms = 30000;
  auto resp = http_.Send(req);
  if (!resp) return std::unexpected(KinesisError{0, "", resp.error().message()});
  auto decoded = kinesis::DecodeJson(resp->body.empty() ? std::string_view("{}") : resp->body);
  if (resp->status == 200) {
    if (!decoded) {
      return std::unexpected(KinesisError{resp->status, "SerializationException",
                                          std::string(op) + ": " + decoded.error().message()});
    }
    return std::move(*decoded);
  }
  KinesisError e{resp->status, "", resp->body.substr(0, 300)};
  if (decoded) {
    // "__type": "com.amazonaws.kinesis.v20131202#ProvisionedThroughputExceededException" (or
    // just the name); the message as "message" or "Message".
    if (const auto* t = decoded->Find("__type"); t && t->kind == kinesis::Value::Kind::kString) {
      const size_t hash = t->s.rfind('#');
      e.type = hash == std::string::npos ? t->s : t->s.substr(hash + 1);
    }
    for (const char* key : {"message", "Message"}) {
      if (const auto* m = decoded->Find(key); m && m->kind == kinesis::Value::Kind::kString) e.message = m->s;
    }
  }
  if (e.type.empty()) {
    if (auto it = resp->headers.find("x-amzn-errortype"); it != resp->headers.end()) {
      e.type = it->second.substr(0, it->second.find(':'));
    }
  }
  return std::unexpected(std::move(e));
}

}  // namespace pinpipe::stream
