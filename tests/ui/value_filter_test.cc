#include "ui/value_filter.h"

#include <gtest/gtest.h>

namespace pinpipe::ui {
namespace {

ValueFilter Make(std::string_view contains, std::string_view field, bool cs = false) {
  auto f = ValueFilter::Parse(contains, field, cs);
  EXPECT_TRUE(f.has_value());
  return std::move(*f);
}

TEST(ValueFilter, NoFilterMatchesEverythingButNothingIsRequired) {
  auto f = Make("", "");
  EXPECT_FALSE(f.active());
  EXPECT_TRUE(f.Matches(std::string_view("x")));
  EXPECT_TRUE(f.Matches(std::nullopt));
}

TEST(ValueFilter, SubstringCaseSensitiveOrFolded) {
  auto folded = Make("Travel", "");
  EXPECT_TRUE(folded.Matches(std::string_view(R"({"category":"travel"})")));
  EXPECT_TRUE(folded.Matches(std::string_view("TRAVELLING")));
  EXPECT_FALSE(folded.Matches(std::string_view("trave")));
  EXPECT_FALSE(folded.Matches(std::nullopt));
  auto exact = Make("Travel", "", true);
  EXPECT_FALSE(exact.Matches(std::string_view(R"({"category":"travel"})")));
  EXPECT_TRUE(exact.Matches(std::string_view("a Travel b")));
}

TEST(ValueFilter, FieldMatchesTopLevelMembersOnly) {
  auto f = Make("", "category=travel");
  EXPECT_TRUE(f.Matches(std::string_view(R"({"a":1,"category":"travel"})")));
  EXPECT_FALSE(f.Matches(std::string_view(R"({"category":"travels"})")));
  EXPECT_FALSE(f.Matches(std::string_view(R"({"x":{"category":"travel"}})")));  // nested: no
  EXPECT_FALSE(f.Matches(std::string_view(R"(["category","travel"])")));
  EXPECT_FALSE(f.Matches(std::string_view("category=travel")));  // not JSON
  EXPECT_FALSE(f.Matches(std::string_view(R"({"category":"tra)")));  // truncated
  // An escaped string compares unescaped.
  auto q = Make("", "title=a \"b\"");
  EXPECT_TRUE(q.Matches(std::string_view(R"({"title":"a \"b\""})")));
  // Numbers, booleans and null by their JSON text.
  auto n = Make("", "follower_count=42");
  EXPECT_TRUE(n.Matches(std::string_view(R"({"follower_count": 42 , "z":0})")));
  EXPECT_TRUE(n.Matches(std::string_view(R"({"follower_count":"42"})")));
  EXPECT_FALSE(n.Matches(std::string_view(R"({"follower_count":420})")));
  EXPECT_TRUE(Make("", "ok=true").Matches(std::string_view(R"({"ok":true})")));
  // An empty wanted value matches the empty string.
  EXPECT_TRUE(Make("", "c=").Matches(std::string_view(R"({"c":""})")));
  // The buffer is reused across values of different sizes.
  EXPECT_TRUE(n.Matches(std::string_view(R"({"follower_count":42})")));
}

TEST(ValueFilter, BadFiltersAreRejectedWithAMessage) {
  EXPECT_FALSE(ValueFilter::Parse("a", "b=c", false).has_value());
  auto no_eq = ValueFilter::Parse("", "category", false);
  ASSERT_FALSE(no_eq.has_value());
  EXPECT_NE(no_eq.error().message().find("name=value"), std::string::npos);
  EXPECT_FALSE(ValueFilter::Parse("", "=x", false).has_value());
  EXPECT_FALSE(ValueFilter::Parse(std::string(ValueFilter::kMaxText + 1, 'a'), "", false).has_value());
}

}  // namespace
}  // namespace pinpipe::ui
