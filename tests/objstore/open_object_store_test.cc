#include "objstore/open_object_store.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace pinpipe::objstore {
namespace {

TEST(OpenObjectStoreTest, SchemeIsFoundOnlyWhereThereIsOne) {
  EXPECT_EQ(UriScheme("s3://b/p"), "s3");
  EXPECT_EQ(UriScheme("s3:/b"), "s3");
  EXPECT_EQ(UriScheme("ftp://h/x"), "ftp");
  EXPECT_EQ(UriScheme("/abs/dir"), std::nullopt);
  EXPECT_EQ(UriScheme("rel/dir"), std::nullopt);
  EXPECT_EQ(UriScheme("c:/dir"), std::nullopt);   // one letter: not a scheme
  EXPECT_EQ(UriScheme("./a:b"), std::nullopt);
}

TEST(OpenObjectStoreTest, LocalPathsAndWellFormedUrisPass) {
  for (const char* ok : {"/abs/lake", "rel/lake", "file:///abs/lake", "s3://bucket/prefix",
                         "s3://bucket", "./odd:name/x", "dir/with:colon"}) {
    EXPECT_TRUE(CheckLakeUri(ok)) << ok;
  }
}

TEST(OpenObjectStoreTest, OneSlashS3IsRefusedNotALocalPath) {
  for (const char* bad : {"s3:/bucket", "s3:bucket/x", "S3://bucket", "file:/abs", "file:rel"}) {
    auto st = CheckLakeUri(bad);
    ASSERT_FALSE(st) << bad;
    EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(st.error().message().find("malformed lake URI"), std::string::npos) << bad;
    // And the store is never opened as a relative directory named "s3:".
    auto store = OpenObjectStore(bad);
    ASSERT_FALSE(store) << bad;
    EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(CheckLakeUri("s3:/bucket").error().message().find("s3://bucket/prefix"),
            std::string::npos);
}

TEST(OpenObjectStoreTest, UnsupportedSchemeIsRefused) {
  for (const char* bad : {"ftp://host/lake", "gs://bucket/x", "hdfs:/x"}) {
    auto store = OpenObjectStore(bad);
    ASSERT_FALSE(store) << bad;
    EXPECT_EQ(store.error().code(), ErrorCode::kUnsupported) << bad;
    EXPECT_NE(store.error().message().find("unsupported lake URI scheme"), std::string::npos);
  }
}

TEST(OpenObjectStoreTest, MissingS3CredentialsAreAConfigurationError) {
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}) unsetenv(v);
  OpenOptions opts;
  opts.s3.endpoint = "http://127.0.0.1:9";
  opts.s3.region = "us-east-1";
  auto store = OpenObjectStore("s3://bucket/prefix", opts);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(store.error().message().find("no credentials"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::objstore
