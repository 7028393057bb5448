// SigV4 against AWS's published Signature Version 4 test suite
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html, the
// aws-sig-v4-test-suite cases: credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
// date 20150830T123600Z, region us-east-1, service "service"). The canonical requests, strings
// to sign and signatures below are the suite's .creq, .sts and .authz values.
#include "objstore/sigv4.h"

#include <gtest/gtest.h>

#include "objstore/sha256.h"

namespace pinpipe::objstore {
namespace {

const AwsCredentials kCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::string_view kDate = "20150830T123600Z";
constexpr std::string_view kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Vector {
  const char* name;
  SigningRequest req;
  std::string creq;
  std::string sts_hash;  // the last line of the .sts
  std::string signature;
};

SigningRequest Req(std::string method, std::string uri,
                   std::vector<std::pair<std::string, std::string>> query,
                   std::vector<std::pair<std::string, std::string>> extra,
                   std::string payload = std::string(kEmpty)) {
  SigningRequest r;
  r.method = std::move(method);
  r.canonical_uri = std::move(uri);
  r.query = std::move(query);
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", std::string(kDate)}};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  r.payload_hash = std::move(payload);
  return r;
}

std::vector<Vector> Vectors() {
  const std::string e(kEmpty);
  return {
      {"get-vanilla", Req("GET", "/", {}, {}),
       "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       Req("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}, {}),
       "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
       "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-header-value-trim",
       Req("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + e,
       "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-header-key-duplicate",
       Req("GET", "/", {}, {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
       "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
       "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + e,
       "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-utf8", Req("GET", UriEncode("/\xe1\x88\xb4", true), {}, {}),
       "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-vanilla-utf8-query", Req("GET", "/", {{"\xe1\x88\xb4", "bar"}}, {}),
       "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"post-vanilla", Req("POST", "/", {}, {}),
       "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query", Req("POST", "/", {{"Param1", "value1"}}, {}),
       "POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + e,
       "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-x-www-form-urlencoded",
       Req("POST", "/", {},
           {{"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"},
            {"X-Amz-Content-Sha256", "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"}},
           Sha256Hex("Param1=value1")),
       "POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n"
       "host:example.amazonaws.com\n"
       "x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n"
       "x-amz-date:20150830T123600Z\n\n"
       "content-length;content-type;host;x-amz-content-sha256;x-amz-date\n"
       "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
       "b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb",
       "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"},
  };
}

TEST(SigV4, PublishedTestSuite) {
  for (const auto& v : Vectors()) {
    SCOPED_TRACE(v.name);
    SignedRequest s = SignV4(v.req, kCreds, kDate, "us-east-1", "service");
    EXPECT_EQ(s.canonical_request, v.creq);
    EXPECT_EQ(s.string_to_sign, "AWS4-HMAC-SHA256\n20150830T123600Z\n"
                                "20150830/us-east-1/service/aws4_request\n" + v.sts_hash);
    EXPECT_EQ(s.signature, v.signature);
    EXPECT_TRUE(s.authorization.starts_with(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders="));
    EXPECT_TRUE(s.authorization.ends_with(", Signature=" + v.signature));
  }
}

TEST(SigV4, UriEncodeKeepsSlashOnlyInPaths) {
  EXPECT_EQ(UriEncode("topics/t/partition=0/t+0+01.json", true),
            "topics/t/partition%3D0/t%2B0%2B01.json");
  EXPECT_EQ(UriEncode("a/b c~", false), "a%2Fb%20c~");
}

TEST(SigV4, AmzDateIsUtc) {
  auto t = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30 12:36:00 UTC
  EXPECT_EQ(AmzDate(t), "20150830T123600Z");
}

TEST(Sha256, KnownValues) {
  EXPECT_EQ(Sha256Hex(""), kEmpty);
  EXPECT_EQ(Sha256Hex("Param1=value1"),
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
}

}  // namespace
}  // namespace pinpipe::objstore
