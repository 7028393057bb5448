#include "objstore/s3_xml.h"

#include <gtest/gtest.h>

#include "objstore/s3_options.h"

namespace pinpipe::objstore {
namespace {

TEST(S3Xml, ParsesListObjectsV2) {
  std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Name>b</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>)"
      R"(<Contents><Key>p/a&amp;b.json</Key><LastModified>2024-01-15T13:00:00.000Z</LastModified>)"
      R"(<ETag>&quot;abc&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>)"
      R"(<Contents><Key>p/c</Key><Size>0</Size></Contents>)"
      R"(<NextContinuationToken>tok/+=</NextContinuationToken></ListBucketResult>)";
  ListResult r = ParseListObjectsV2(xml);
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].key, "p/a&b.json");
  EXPECT_EQ(r.objects[0].size, 12u);
  EXPECT_EQ(r.objects[0].etag, "abc");
  EXPECT_EQ(r.objects[0].mtime_ms, 1705323600000);
  EXPECT_EQ(r.objects[1].key, "p/c");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.next_token, "tok/+=");
}

TEST(S3Xml, EmptyAndErrors) {
  ListResult r = ParseListObjectsV2("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(r.objects.empty());
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(XmlFirst("<Error><Code>NoSuchKey</Code><Message>a &lt;b&gt; &#65;&#x42;</Message></Error>", "Message"),
            "a <b> AB");
  EXPECT_EQ(XmlFirst("<Error><Code/></Error>", "Code"), "");
  EXPECT_EQ(XmlEscape("\"a&b\""), "&quot;a&amp;b&quot;");
}

TEST(S3Options, ParsesUris) {
  S3Options o;
  ASSERT_TRUE(ParseS3Uri("s3://my-bucket/lake/raw/", o));
  EXPECT_EQ(o.bucket, "my-bucket");
  EXPECT_EQ(o.prefix, "lake/raw");
  ASSERT_TRUE(ParseS3Uri("s3://b", o));
  EXPECT_EQ(o.prefix, "");
  EXPECT_FALSE(ParseS3Uri("s3://Bad_Bucket/x", o));
  EXPECT_FALSE(ParseS3Uri("http://b/x", o));
}

}  // namespace
}  // namespace pinpipe::objstore
