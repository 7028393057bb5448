// OAUTHBEARER tokens for the external-cluster clients, fetched by pinpipe from an OAuth 2.0
// token endpoint with the client credentials grant (RFC 6749 §4.4; what librdkafka calls
// sasl.oauthbearer.method=oidc). Debian's librdkafka is built without its own OIDC support
// (it needs libcurl at build time), so pinpipe answers librdkafka's token refresh callback
// itself, on librdkafka's background thread (the SASL queue), for producers and consumers alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <librdkafka/rdkafka.h>

#include "common/status.h"

namespace pinpipe::kafka {

struct OauthClientCredentials {
  std::string token_endpoint_url;  // kafka.sasl_oauthbearer_token_endpoint_url
  std::string client_id;
  std::string client_secret;
  std::string scope;  // optional
  bool enabled() const { return !token_endpoint_url.empty(); }
};

struct OauthToken {
  std::string value;
  int64_t expires_ms = 0;  // epoch ms
  std::string principal;
};

// A token endpoint's JSON answer → the token. The principal and expiry come from the JWT's
// `sub` and `exp` claims when the token is a JWT (as Kafka's validator reads them), else from
// the client id and `expires_in`. An `error` answer or one without access_token is an error
// naming what the endpoint said.
Result<OauthToken> ParseTokenAnswer(std::string_view body, std::string_view client_id, int64_t now_ms);

// The credentials travel to the refresh callback in sasl.oauthbearer.config (a property
// librdkafka treats as sensitive), percent-encoded name=value pairs.
std::string EncodeOauthConfig(const OauthClientCredentials& c);
Result<OauthClientCredentials> DecodeOauthConfig(std::string_view config);

// Before rd_kafka_new: the refresh callback, the credentials and the SASL queue.
Status InstallOauthRefresh(rd_kafka_conf_t* conf, const OauthClientCredentials& c);
// After rd_kafka_new: refreshes are served by librdkafka's background thread.
Status StartOauthRefresh(rd_kafka_t* rk);

}  // namespace pinpipe::kafka
