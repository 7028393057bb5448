#include "http/router.h"

#include <gtest/gtest.h>

#include <cctype>

namespace pinpipe::http {
namespace {

Handler Noop() {
  return [](const Request&, Responder r) { r.Send(Response::Text(200, "")); };
}

TEST(RouterTest, MatchesParamsAndLiterals) {
  Router router;
  router.Add("POST", "/topics/{topic}/partitions/{partition}", Noop());
  router.Add("POST", "/topics/{topic}", Noop());
  router.Add("GET", "/topics", Noop());
  std::vector<NameValue> params;
  std::string text;
  auto m = router.Find("POST", "/topics/t1/partitions/7", &params, &text);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.route->pattern, "/topics/{topic}/partitions/{partition}");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "topic");
  EXPECT_EQ(params[0].value, "t1");
  EXPECT_EQ(params[1].name, "partition");
  EXPECT_EQ(params[1].value, "7");

  params.clear();
  m = router.Find("POST", "/topics/abc", &params, &text);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.route_id, 1);
  EXPECT_EQ(params[0].value, "abc");
}

TEST(RouterTest, NotFoundAndMethodNotAllowed) {
  Router router;
  router.Add("POST", "/topics/{topic}", Noop());
  router.Add("GET", "/topics/{topic}", Noop());
  router.Add("GET", "/topics", Noop());
  std::vector<NameValue> params;
  std::string text;
  EXPECT_EQ(router.Find("GET", "/nope", &params, &text).status, 404);
  EXPECT_EQ(router.Find("GET", "/topics/", &params, &text).status, 404);  // empty segment
  EXPECT_EQ(router.Find("GET", "/topics/a/b", &params, &text).status, 404);
  auto m = router.Find("DELETE", "/topics/x", &params, &text);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST, GET");
  EXPECT_TRUE(params.empty());
}

TEST(RouterTest, LiteralBeatsParameter) {
  Router router;
  router.Add("GET", "/consumers/{group}", Noop());
  router.Add("GET", "/consumers/special", Noop());
  std::vector<NameValue> params;
  std::string text;
  auto m = router.Find("GET", "/consumers/special", &params, &text);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.route->pattern, "/consumers/special");
  EXPECT_TRUE(params.empty());
}

TEST(RouterTest, RootAndReplace) {
  Router router;
  int which = 0;
  router.Add("POST", "/", [&](const Request&, Responder) { which = 1; });
  router.Add("POST", "/", [&](const Request&, Responder) { which = 2; });
  ASSERT_EQ(router.routes().size(), 1u);
  std::vector<NameValue> params;
  std::string text;
  auto m = router.Find("POST", "/", &params, &text);
  ASSERT_EQ(m.status, 200);
  m.route->handler(Request{}, Responder{});
  EXPECT_EQ(which, 2);
}

TEST(RouterTest, ComparesOnlyRoutesOfThePathsLength) {
  Router router;
  router.Add("GET", "/a/{x}/c", Noop());
  router.Add("GET", "/a/b", Noop());
  router.Add("POST", "/a/{x}", Noop());
  std::vector<NameValue> params;
  std::string text;
  EXPECT_EQ(router.Find("GET", "/a/b", &params, &text).route_id, 1);
  EXPECT_EQ(router.Find("GET", "/a/z/c", &params, &text).route_id, 0);
  EXPECT_EQ(router.Find("GET", "/a/z/c/", &params, &text).status, 404);  // one segment more
  auto m = router.Find("GET", "/a/q", &params, &text);  // only POST has the path's length and shape
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_EQ(router.Find("GET", "/x/y/z/w", &params, &text).status, 404);  // longer than every route
}

TEST(RouterTest, VeryLongPathsAreNotFoundAndLongPatternsRefused) {
  Router router;
  std::string pattern, path;
  for (int i = 0; i < 16; ++i) pattern += "/{p" + std::to_string(i) + "}";
  router.Add("GET", pattern, Noop());
  for (int i = 0; i < 16; ++i) path += "/s";
  std::vector<NameValue> params;
  std::string text;
  auto m = router.Find("GET", path, &params, &text);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(params.size(), 16u);
  params.clear();
  EXPECT_EQ(router.Find("GET", path + "/s", &params, &text).status, 404);
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "/s";
  EXPECT_EQ(router.Find("GET", deep, &params, &text).status, 404);
  EXPECT_TRUE(params.empty());
  EXPECT_THROW(router.Add("GET", pattern + "/x", Noop()), std::invalid_argument);
}

// Parameters arrive percent-decoded once, as JAX-RS hands them to the REST Proxy's resources:
// a space, a '/' inside one segment, a '%' and UTF-8 bytes; a literal "%2520" stays "%20".
TEST(RouterTest, DecodesPathParametersOnce) {
  Router router;
  router.Add("POST", "/consumers/{group}/instances/{instance}/records", Noop());
  std::vector<NameValue> params;
  std::string text;
  auto m = router.Find("POST", "/consumers/my%20group%2Fa/instances/caf%C3%A9%2520/records", &params, &text);
  ASSERT_EQ(m.status, 200);
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].value, "my group/a");
  EXPECT_EQ(params[1].value, "caf\xC3\xA9%20");
  // Without '%' the value is a view into the path itself.
  params.clear();
  const std::string plain = "/consumers/g1/instances/i1/records";
  m = router.Find("POST", plain, &params, &text);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(params[0].value, "g1");
  EXPECT_EQ(params[0].value.data(), plain.data() + 11);
}

TEST(RouterTest, MalformedEscapeInAParameterIsABadRequest) {
  Router router;
  router.Add("GET", "/consumers/{group}", Noop());
  std::vector<NameValue> params;
  std::string text;
  for (const char* path : {"/consumers/a%", "/consumers/a%2", "/consumers/%zz", "/consumers/%2g"}) {
    auto m = router.Find("GET", path, &params, &text);
    EXPECT_EQ(m.status, 400) << path;
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(params.empty()) << path;
  }
  // An unknown path stays 404 whatever its escapes.
  EXPECT_EQ(router.Find("GET", "/nope/%zz", &params, &text).status, 404);
}

// PercentEncodeSegment (the CLI's PathSegment) and the router's decoding are inverses for
// every byte, and the encoding leaves only unreserved characters and escapes.
TEST(RouterTest, EncodedSegmentsRoundTripEveryByte) {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string enc = PercentEncodeSegment(all);
  for (char c : enc) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%') << c;
  }
  EXPECT_EQ(PercentEncodeSegment("my group/a%"), "my%20group%2Fa%25");
  Router router;
  router.Add("GET", "/g/{name}", Noop());
  std::vector<NameValue> params;
  std::string text;
  ASSERT_EQ(router.Find("GET", "/g/" + enc, &params, &text).status, 200);
  EXPECT_EQ(params[0].value, all);
}

}  // namespace
}  // namespace pinpipe::http
