#include "gateway/embedded_format.h"

#include <gtest/gtest.h>

#include "gateway/rest_errors.h"
#include "gateway/topic_names.h"

namespace pinpipe::gateway {
namespace {

TEST(EmbeddedFormatTest, ProduceContentTypes) {
  EXPECT_EQ(ProduceFormat("application/vnd.kafka.json.v2+json"), ProduceFormatResult::kJson);
  EXPECT_EQ(ProduceFormat("application/vnd.kafka.json.v2+json; charset=utf-8"), ProduceFormatResult::kJson);
  EXPECT_EQ(ProduceFormat("Application/JSON"), ProduceFormatResult::kJson);
  EXPECT_EQ(ProduceFormat("application/vnd.kafka.binary.v2+json"), ProduceFormatResult::kBinary);
  EXPECT_EQ(ProduceFormat("application/vnd.kafka.avro.v2+json"), ProduceFormatResult::kUnsupportedSchemaFormat);
  EXPECT_EQ(ProduceFormat("text/plain"), ProduceFormatResult::kUnsupported);
  EXPECT_EQ(ProduceFormat(""), ProduceFormatResult::kUnsupported);
}

TEST(EmbeddedFormatTest, AcceptHeader) {
  bool unsupported = false;
  EXPECT_EQ(AcceptedFormat("application/vnd.kafka.json.v2+json", &unsupported), EmbeddedFormat::kJson);
  EXPECT_EQ(AcceptedFormat("text/html, application/vnd.kafka.binary.v2+json;q=0.9", &unsupported),
            EmbeddedFormat::kBinary);
  EXPECT_FALSE(AcceptedFormat("*/*", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
  EXPECT_FALSE(AcceptedFormat("application/vnd.kafka.v2+json", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
  EXPECT_FALSE(AcceptedFormat("application/vnd.kafka.avro.v2+json", &unsupported).has_value());
  EXPECT_TRUE(unsupported);
  EXPECT_FALSE(AcceptedFormat("", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
}

TEST(EmbeddedFormatTest, AcceptNamingNothingServedIsNotAcceptable) {
  // Jersey answers 406 when no @Produces type of GET records matches (issue 14: pinpipe
  // answered 200 to text/html).
  bool unsupported = false;
  EXPECT_FALSE(AcceptedFormat("text/html", &unsupported).has_value());
  EXPECT_TRUE(unsupported);
  EXPECT_FALSE(AcceptedFormat("text/html, application/xhtml+xml", &unsupported).has_value());
  EXPECT_TRUE(unsupported);
  EXPECT_FALSE(AcceptedFormat("text/html, */*;q=0", &unsupported).has_value());
  EXPECT_TRUE(unsupported);
  EXPECT_FALSE(AcceptedFormat("text/html, */*;q=0.1", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
  EXPECT_FALSE(AcceptedFormat("application/*", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
  EXPECT_FALSE(AcceptedFormat("application/json; charset=utf-8", &unsupported).has_value());
  EXPECT_FALSE(unsupported);
  EXPECT_EQ(AcceptedFormat("application/vnd.kafka.json.v2+json;q=0, application/vnd.kafka.binary.v2+json",
                           &unsupported),
            EmbeddedFormat::kBinary);
}

TEST(RestErrorsTest, StatusFromApplicationCode) {
  EXPECT_EQ(HttpStatusForCode(40401), 404);
  EXPECT_EQ(HttpStatusForCode(42204), 422);
  EXPECT_EQ(HttpStatusForCode(50002), 500);
  EXPECT_EQ(HttpStatusForCode(422), 422);
  auto r = RestError(40403, "Consumer instance not found.");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error_code":40403,"message":"Consumer instance not found."})");
  EXPECT_EQ(r.content_type, "application/vnd.kafka.v2+json");
}

TEST(TopicNamesTest, RejectsPathTricks) {
  EXPECT_FALSE(CheckTopicName("pinterest.pin").has_value());
  EXPECT_FALSE(CheckTopicName("129a67850695.geo").has_value());
  for (const char* bad : {"", ".", "..", "../x", "a/b", "a b", "a%2Fb", "x\\y"}) {
    EXPECT_TRUE(CheckTopicName(bad).has_value()) << bad;
  }
  EXPECT_TRUE(CheckTopicName(std::string(250, 'a')).has_value());
  EXPECT_FALSE(CheckTopicName(std::string(249, 'a')).has_value());
}

}  // namespace
}  // namespace pinpipe::gateway
