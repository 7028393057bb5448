#include "http/router.h"

#include <gtest/gtest.h>

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
  auto m = router.Find("POST", "/topics/t1/partitions/7", &params);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.route->pattern, "/topics/{topic}/partitions/{partition}");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].name, "topic");
  EXPECT_EQ(params[0].value, "t1");
  EXPECT_EQ(params[1].name, "partition");
  EXPECT_EQ(params[1].value, "7");

  params.clear();
  m = router.Find("POST", "/topics/abc", &params);
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
  EXPECT_EQ(router.Find("GET", "/nope", &params).status, 404);
  EXPECT_EQ(router.Find("GET", "/topics/", &params).status, 404);  // empty segment
  EXPECT_EQ(router.Find("GET", "/topics/a/b", &params).status, 404);
  auto m = router.Find("DELETE", "/topics/x", &params);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST, GET");
  EXPECT_TRUE(params.empty());
}

TEST(RouterTest, LiteralBeatsParameter) {
  Router router;
  router.Add("GET", "/consumers/{group}", Noop());
  router.Add("GET", "/consumers/special", Noop());
  std::vector<NameValue> params;
  auto m = router.Find("GET", "/consumers/special", &params);
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
  auto m = router.Find("POST", "/", &params);
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
  EXPECT_EQ(router.Find("GET", "/a/b", &params).route_id, 1);
  EXPECT_EQ(router.Find("GET", "/a/z/c", &params).route_id, 0);
  EXPECT_EQ(router.Find("GET", "/a/z/c/", &params).status, 404);  // one segment more
  auto m = router.Find("GET", "/a/q", &params);  // only POST has the path's length and shape
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST");
  EXPECT_EQ(router.Find("GET", "/x/y/z/w", &params).status, 404);  // longer than every route
}

TEST(RouterTest, VeryLongPathsAreNotFoundAndLongPatternsRefused) {
  Router router;
  std::string pattern, path;
  for (int i = 0; i < 16; ++i) pattern += "/{p" + std::to_string(i) + "}";
  router.Add("GET", pattern, Noop());
  for (int i = 0; i < 16; ++i) path += "/s";
  std::vector<NameValue> params;
  auto m = router.Find("GET", path, &params);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(params.size(), 16u);
  params.clear();
  EXPECT_EQ(router.Find("GET", path + "/s", &params).status, 404);
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "/s";
  EXPECT_EQ(router.Find("GET", deep, &params).status, 404);
  EXPECT_TRUE(params.empty());
  EXPECT_THROW(router.Add("GET", pattern + "/x", Noop()), std::invalid_argument);
}

}  // namespace
}  // namespace pinpipe::http
