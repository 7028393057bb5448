#include "kafka/oauth_client_credentials.h"

#include <gtest/gtest.h>

#include <string>

#include "common/base64.h"

namespace pinpipe::kafka {
namespace {

std::string Base64Url(std::string_view s) {
  std::string out;
  Base64Encode(s, out);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

TEST(OauthTokenAnswerTest, JwtClaimsGiveThePrincipalAndExpiry) {
  const std::string jwt = Base64Url(R"({"alg":"RS256","kid":"k"})") + "." +
                          Base64Url(R"({"sub":"svc-pipeline","exp":1900000000,"aud":"kafka"})") + ".c2ln";
  auto t = ParseTokenAnswer(R"({"access_token":")" + jwt + R"(","token_type":"bearer","expires_in":60})", "client-a",
                            1'000'000);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->value, jwt);
  EXPECT_EQ(t->principal, "svc-pipeline");
  EXPECT_EQ(t->expires_ms, 1'900'000'000'000);
}

TEST(OauthTokenAnswerTest, OpaqueTokensUseTheClientIdAndExpiresIn) {
  auto t = ParseTokenAnswer(R"({"access_token":"opaque-123","expires_in":120})", "client-a", 5'000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->principal, "client-a");
  EXPECT_EQ(t->expires_ms, 125'000);
  auto hour = ParseTokenAnswer(R"({"access_token":"x"})", "c", 0);
  ASSERT_TRUE(hour);
  EXPECT_EQ(hour->expires_ms, 3'600'000);
}

TEST(OauthTokenAnswerTest, RefusalsAndBadAnswersSayWhat) {
  auto refused = ParseTokenAnswer(R"({"error":"invalid_client","error_description":"bad secret"})", "c", 0);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("invalid_client (bad secret)"), std::string::npos);
  EXPECT_FALSE(ParseTokenAnswer(R"({"token_type":"bearer"})", "c", 0));
  EXPECT_FALSE(ParseTokenAnswer(R"({"access_token":""})", "c", 0));
  EXPECT_FALSE(ParseTokenAnswer("<html>", "c", 0));
}

TEST(OauthConfigTest, CredentialsRoundTripWhateverTheyHold) {
  OauthClientCredentials c{"https://idp.example/oauth2/token?x=1&y=2", "id with space", "s=e c%r+e t", "kafka read"};
  auto back = DecodeOauthConfig(EncodeOauthConfig(c));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->token_endpoint_url, c.token_endpoint_url);
  EXPECT_EQ(back->client_id, c.client_id);
  EXPECT_EQ(back->client_secret, c.client_secret);
  EXPECT_EQ(back->scope, c.scope);
  EXPECT_FALSE(DecodeOauthConfig("client_id=a"));
}

}  // namespace
}  // namespace pinpipe::kafka
