#include "kafka/oauth_client_credentials.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <string>

#include "common/base64.h"
#include "common/percent_encode.h"
#include "http/request.h"
#include "objstore/http_transport.h"

namespace pinpipe::kafka {
namespace {

// base64url without padding (RFC 7515 §2) → bytes.
std::optional<std::string> DecodeBase64Url(std::string_view in) {
  std::string std(in);
  for (char& c : std) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (std.size() % 4 != 0) std += '=';
  std::string out;
  if (!Base64Decode(std, out)) return std::nullopt;
  return out;
}

// The `sub` and `exp` claims of a JWT (RFC 7519), if `token` is one.
void ReadJwtClaims(std::string_view token, OauthToken& t) {
  const size_t a = token.find('.');
  const size_t b = a == std::string_view::npos ? a : token.find('.', a + 1);
  if (b == std::string_view::npos) return;
  auto payload = DecodeBase64Url(token.substr(a + 1, b - a - 1));
  if (!payload) return;
  simdjson::dom::parser parser;
  simdjson::dom::element claims;
  if (parser.parse(*payload).get(claims)) return;
  std::string_view sub;
  if (!claims["sub"].get(sub)) t.principal = std::string(sub);
  int64_t exp = 0;
  double exp_d = 0;
  if (!claims["exp"].get(exp)) {
    t.expires_ms = exp * 1000;
  } else if (!claims["exp"].get(exp_d)) {
    t.expires_ms = static_cast<int64_t>(exp_d * 1000);
  }
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<OauthToken> FetchToken(const OauthClientCredentials& c) {
  static objstore::HttpTransport http;  // pooled connections, thread-safe
  std::string auth;
  Base64Encode(PercentEncode(c.client_id) + ":" + PercentEncode(c.client_secret), auth);  // RFC 6749 §2.3.1
  std::string body = "grant_type=client_credentials";
  if (!c.scope.empty()) body += "&scope=" + PercentEncode(c.scope);
  objstore::HttpRequest req;
  req.method = "POST";
  req.url = c.token_endpoint_url;
  req.headers = {{"Authorization", "Basic " + auth},
                 {"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = body;
  req.timeout_ms = 10000;
  PINPIPE_ASSIGN_OR_RETURN(objstore::HttpResponse resp, http.Send(req));
  if (resp.status != 200) {
    std::string said = resp.body.substr(0, 200);
    return MakeError(ErrorCode::kInvalidArgument, "OAuth token endpoint " + c.token_endpoint_url + " answered " +
                                                       std::to_string(resp.status) + ": " + said);
  }
  return ParseTokenAnswer(resp.body, c.client_id, NowMs());
}

void OnRefresh(rd_kafka_t* rk, const char* config, void*) {
  auto creds = DecodeOauthConfig(config ? config : "");
  Result<OauthToken> token = creds ? FetchToken(*creds) : std::unexpected(creds.error());
  if (!token) {
    spdlog::error("kafka OAUTHBEARER: {}", token.error().message());
    rd_kafka_oauthbearer_set_token_failure(rk, token.error().message().c_str());
    return;
  }
  char errstr[512];
  if (rd_kafka_oauthbearer_set_token(rk, token->value.c_str(), token->expires_ms, token->principal.c_str(), nullptr,
                                     0, errstr, sizeof errstr) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::error("kafka OAUTHBEARER: the token endpoint's token was refused: {}", errstr);
    rd_kafka_oauthbearer_set_token_failure(rk, errstr);
  }
}

}  // namespace

Result<OauthToken> ParseTokenAnswer(std::string_view body, std::string_view client_id, int64_t now_ms) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(body)).get(doc)) {
    return MakeError(ErrorCode::kInvalidArgument, "OAuth token endpoint: the answer is not JSON");
  }
  std::string_view error, token;
  if (!doc["error"].get(error)) {
    std::string_view description;
    std::string msg = "OAuth token endpoint refused: " + std::string(error);
    if (!doc["error_description"].get(description)) msg += " (" + std::string(description) + ")";
    return MakeError(ErrorCode::kInvalidArgument, msg);
  }
  if (doc["access_token"].get(token) || token.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "OAuth token endpoint: the answer has no access_token");
  }
  OauthToken t;
  t.value = std::string(token);
  int64_t expires_in = 3600;  // RFC 6749 §5.1: RECOMMENDED; an hour if absent
  if (doc["expires_in"].get(expires_in)) expires_in = 3600;
  t.expires_ms = now_ms + expires_in * 1000;
  t.principal = std::string(client_id);
  ReadJwtClaims(token, t);
  return t;
}

std::string EncodeOauthConfig(const OauthClientCredentials& c) {
  return "token_endpoint_url=" + PercentEncode(c.token_endpoint_url) + " client_id=" + PercentEncode(c.client_id) +
         " client_secret=" + PercentEncode(c.client_secret) + " scope=" + PercentEncode(c.scope);
}

Result<OauthClientCredentials> DecodeOauthConfig(std::string_view config) {
  OauthClientCredentials c;
  while (!config.empty()) {
    const size_t space = config.find(' ');
    std::string_view pair = config.substr(0, space);
    config = space == std::string_view::npos ? std::string_view() : config.substr(space + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    auto value = http::PercentDecode(pair.substr(eq + 1));
    if (!value) return MakeError(ErrorCode::kInvalidArgument, "OAUTHBEARER settings: bad encoding");
    std::string_view name = pair.substr(0, eq);
    if (name == "token_endpoint_url") c.token_endpoint_url = *value;
    if (name == "client_id") c.client_id = *value;
    if (name == "client_secret") c.client_secret = *value;
    if (name == "scope") c.scope = *value;
  }
  if (!c.enabled()) return MakeError(ErrorCode::kInvalidArgument, "OAUTHBEARER settings: no token endpoint");
  return c;
}

Status InstallOauthRefresh(rd_kafka_conf_t* conf, const OauthClientCredentials& c) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, "sasl.oauthbearer.config", EncodeOauthConfig(c).c_str(), errstr, sizeof errstr) !=
      RD_KAFKA_CONF_OK) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("kafka client setting sasl.oauthbearer.config: ") + errstr);
  }
  rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, &OnRefresh);
  rd_kafka_conf_enable_sasl_queue(conf, 1);
  return OkStatus();
}

Status StartOauthRefresh(rd_kafka_t* rk) {
  if (rd_kafka_error_t* e = rd_kafka_sasl_background_callbacks_enable(rk)) {
    std::string msg = rd_kafka_error_string(e);
    rd_kafka_error_destroy(e);
    return MakeError(ErrorCode::kInternal, "kafka OAUTHBEARER refresh: " + msg);
  }
  return OkStatus();
}

}  // namespace pinpipe::kafka
