// SCRAM's server side against the RFCs' example exchanges: RFC 7677 §3 (SCRAM-SHA-256) and
// RFC 5802 §5 (SCRAM-SHA-1, the same algorithm with SHA-1): the server-first message and
// ServerSignature must be exactly the RFCs', and the RFCs' client proofs must be accepted.
#include "kafka/sasl_scram.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

namespace pinpipe::kafka {
namespace {

std::string B64(std::string_view text) {
  std::string raw;
  EXPECT_TRUE(Base64Decode(text, &raw)) << text;
  return raw;
}

struct Vector {
  const EVP_MD* md;
  const char* salt_b64;
  const char* client_nonce;
  const char* server_nonce;
  const char* proof;
  const char* server_signature;
};

const Vector kRfc7677 = {EVP_sha256(), "W22ZaJ0SNY7soEsUEjb6gQ==", "rOprNGfwEbeRWgbNEkqO",
                         "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
                         "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};
const Vector kRfc5802 = {EVP_sha1(), "QSXCR+Q6sek8bf92", "fyko+d2lbbFgONRv9qkxdawL", "3rfcNHYJY1ZVvWVs7j",
                         "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ="};

class ScramVectorTest : public ::testing::TestWithParam<Vector> {
 protected:
  void SetUp() override {
    cred_ = MakeScramCredential(GetParam().md, "pencil", B64(GetParam().salt_b64), 4096);
  }
  ScramServer Server() {
    return ScramServer(GetParam().md, [this](std::string_view u) { return u == "user" ? &cred_ : nullptr; },
                       GetParam().server_nonce);
  }
  std::string Nonce() const { return std::string(GetParam().client_nonce) + GetParam().server_nonce; }
  ScramCredential cred_;
};

TEST_P(ScramVectorTest, TheRfcExchangeSucceedsWithTheRfcSignature) {
  const Vector& v = GetParam();
  ScramServer s = Server();
  std::string out;
  ASSERT_EQ(s.Next(std::string("n,,n=user,r=") + v.client_nonce, &out), ScramServer::Step::kContinue) << out;
  EXPECT_EQ(out, "r=" + Nonce() + ",s=" + v.salt_b64 + ",i=4096");
  ASSERT_EQ(s.Next("c=biws,r=" + Nonce() + ",p=" + v.proof, &out), ScramServer::Step::kDone) << out;
  EXPECT_EQ(out, std::string("v=") + v.server_signature);
  EXPECT_EQ(s.user(), "user");
  // The exchange is over.
  EXPECT_EQ(s.Next("c=biws", &out), ScramServer::Step::kFailed);
}

TEST_P(ScramVectorTest, AnotherPasswordsProofIsRefused) {
  const Vector& v = GetParam();
  cred_ = MakeScramCredential(v.md, "pencil2", B64(v.salt_b64), 4096);
  ScramServer s = Server();
  std::string out;
  ASSERT_EQ(s.Next(std::string("n,,n=user,r=") + v.client_nonce, &out), ScramServer::Step::kContinue);
  EXPECT_EQ(s.Next("c=biws,r=" + Nonce() + ",p=" + v.proof, &out), ScramServer::Step::kFailed);
  EXPECT_EQ(out, "invalid credentials");
}

TEST_P(ScramVectorTest, AFlippedProofBitANonceOrBindingMismatchAndAnUnknownUserAreRefused) {
  const Vector& v = GetParam();
  std::string out;
  std::string proof = B64(v.proof);
  proof[3] = static_cast<char>(proof[3] ^ 1);
  {
    ScramServer s = Server();
    ASSERT_EQ(s.Next(std::string("n,,n=user,r=") + v.client_nonce, &out), ScramServer::Step::kContinue);
    EXPECT_EQ(s.Next("c=biws,r=" + Nonce() + ",p=" + Base64Encode(proof), &out), ScramServer::Step::kFailed);
  }
  {
    ScramServer s = Server();
    ASSERT_EQ(s.Next(std::string("n,,n=user,r=") + v.client_nonce, &out), ScramServer::Step::kContinue);
    EXPECT_EQ(s.Next("c=biws,r=" + Nonce() + "x,p=" + v.proof, &out), ScramServer::Step::kFailed);
  }
  {
    ScramServer s = Server();
    ASSERT_EQ(s.Next(std::string("n,,n=user,r=") + v.client_nonce, &out), ScramServer::Step::kContinue);
    // "eSws" = "y,," while the client-first said "n,,".
    EXPECT_EQ(s.Next("c=eSws,r=" + Nonce() + ",p=" + v.proof, &out), ScramServer::Step::kFailed);
  }
  {
    ScramServer s = Server();
    EXPECT_EQ(s.Next(std::string("n,,n=other,r=") + v.client_nonce, &out), ScramServer::Step::kFailed);
    EXPECT_EQ(out, "unknown user");
  }
}

INSTANTIATE_TEST_SUITE_P(Rfc, ScramVectorTest, ::testing::Values(kRfc7677, kRfc5802),
                         [](const auto& info) { return info.index == 0 ? std::string("Rfc7677Sha256") : std::string("Rfc5802Sha1"); });

TEST(ScramTest, MalformedClientFirstMessagesAreRefused) {
  ScramCredential cred = MakeScramCredential(EVP_sha256(), "pw", "salt", 4096);
  for (std::string_view bad : {"", "n,,", "p=tls-unique,,n=user,r=abc", "n,,r=abc,n=user", "n,,n=user",
                               "n,,n=us=er,r=abc", "n,,n=user,r=abc,m=ext", "n,a=other,n=user,r=abc",
                               "n,,n=user,r=abc,tokenauth=true"}) {
    ScramServer s(EVP_sha256(), [&](std::string_view) { return &cred; }, "srv");
    std::string out;
    EXPECT_EQ(s.Next(bad, &out), ScramServer::Step::kFailed) << bad;
  }
}

TEST(ScramTest, SaslNamesDecodeCommaAndEqualsAndTheAuthzidMayRepeatTheUser) {
  ScramCredential cred = MakeScramCredential(EVP_sha256(), "pw", "salt", 4096);
  std::string seen;
  ScramServer s(EVP_sha256(), [&](std::string_view u) { seen = u; return &cred; }, "srv");
  std::string out;
  ASSERT_EQ(s.Next("n,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=abc", &out), ScramServer::Step::kContinue) << out;
  EXPECT_EQ(seen, "a,b=c");
  EXPECT_EQ(out, "r=abcsrv,s=" + Base64Encode("salt") + ",i=4096");
}

TEST(ScramTest, Base64RoundTripsAndRejectsNonCanonicalText) {
  for (std::string raw : {std::string(), std::string("a"), std::string("ab"), std::string("abc"),
                          std::string("\0\xff\x10\x20", 4)}) {
    std::string back;
    ASSERT_TRUE(Base64Decode(Base64Encode(raw), &back));
    EXPECT_EQ(back, raw);
  }
  std::string out;
  EXPECT_FALSE(Base64Decode("abc", &out));
  EXPECT_FALSE(Base64Decode("ab c", &out));
  EXPECT_FALSE(Base64Decode("a,bc", &out));
}

}  // namespace
}  // namespace pinpipe::kafka
