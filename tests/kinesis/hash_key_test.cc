#include "kinesis/hash_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kinesis/md5.h"
#include "kinesis/sequence_number.h"
#include "kinesis/shard_iterator.h"
#include "kinesis/stream_meta.h"

namespace pinpipe::kinesis {
namespace {

// Vectors from protocols.md §2.3 (MD5 → big-endian integer; kinesalite's putRecords tests).
TEST(HashKeyTest, PartitionKeysHashAsMd5BigEndian) {
  EXPECT_EQ(HashKeyToString(PartitionKeyHash("a")), "16955237001963240173058271559858726497");
  EXPECT_EQ(HashKeyToString(PartitionKeyHash("b")), "195289424170611159128911017612795795343");
  EXPECT_EQ(HashKeyToString(PartitionKeyHash("e")), "299611584147932843547128611849858313266");
  EXPECT_EQ(HashKeyToString(PartitionKeyHash("f")), "190917122200326810055233066464581373159");
}

// RFC 1321 §A.5's test suite, then every length across the padding's one- and two-block cases
// against OpenSSL's MD5.
TEST(Md5Test, MatchesTheRfcSuiteAndOpenSsl) {
  const auto hex = [](const std::array<uint8_t, 16>& d) {
    std::string s;
    for (uint8_t b : d) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", b);
      s += buf;
    }
    return s;
  };
  EXPECT_EQ(hex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(hex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hex(Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(hex(Md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
  std::mt19937 rng(1321);
  for (size_t len = 0; len <= 200; ++len) {
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    std::array<uint8_t, 16> want{};
    unsigned int n = 0;
    ASSERT_EQ(EVP_Digest(s.data(), s.size(), want.data(), &n, EVP_md5(), nullptr), 1);
    ASSERT_EQ(Md5(s), want) << "length " << len;
  }
}

TEST(HashKeyTest, EvenRangesMatchAws) {
  auto r0 = EvenRange(0, 3), r1 = EvenRange(1, 3), r2 = EvenRange(2, 3);
  EXPECT_EQ(HashKeyToString(r0.first), "0");
  EXPECT_EQ(HashKeyToString(r0.second), "113427455640312821154458202477256070484");
  EXPECT_EQ(HashKeyToString(r1.first), "113427455640312821154458202477256070485");
  EXPECT_EQ(HashKeyToString(r1.second), "226854911280625642308916404954512140969");
  EXPECT_EQ(HashKeyToString(r2.first), "226854911280625642308916404954512140970");
  EXPECT_EQ(HashKeyToString(r2.second), "340282366920938463463374607431768211455");
  // Real AWS output for 5 shards (API Gateway tutorial).
  EXPECT_EQ(HashKeyToString(EvenRange(0, 5).second), "68056473384187692692674921486353642290");
  EXPECT_EQ(HashKeyToString(EvenRange(4, 5).first), "272225893536750770770699685945414569164");
  // One shard covers everything; a power of two splits exactly.
  EXPECT_EQ(EvenRange(0, 1).first, 0u);
  EXPECT_EQ(EvenRange(0, 1).second, kMaxHashKey);
  EXPECT_EQ(HashKeyToString(EvenRange(1, 2).first), "170141183460469231731687303715884105728");
  // The shard each test key lands in (a→0, b→1, e→2, f→1 of 3).
  auto shard_of = [](std::string_view key) {
    HashKey h = PartitionKeyHash(key);
    for (int i = 0; i < 3; ++i) {
      auto [s, e] = EvenRange(i, 3);
      if (s <= h && h <= e) return i;
    }
    return -1;
  };
  EXPECT_EQ(shard_of("a"), 0);
  EXPECT_EQ(shard_of("b"), 1);
  EXPECT_EQ(shard_of("e"), 2);
  EXPECT_EQ(shard_of("f"), 1);
}

TEST(HashKeyTest, ParsesOnlyTheAllowedDecimals) {
  EXPECT_EQ(ParseHashKey("0"), HashKey{0});
  EXPECT_EQ(ParseHashKey("340282366920938463463374607431768211455"), kMaxHashKey);
  EXPECT_FALSE(ParseHashKey("340282366920938463463374607431768211456"));
  EXPECT_FALSE(ParseHashKey("01"));
  EXPECT_FALSE(ParseHashKey(""));
  EXPECT_FALSE(ParseHashKey("-1"));
  EXPECT_FALSE(ParseHashKey("1a"));
  EXPECT_FALSE(ParseHashKey("1000000000000000000000000000000000000000"));
}

TEST(SequenceNumberTest, HasAwsShapeAndRoundTrips) {
  SequenceParts p{1764892800, 4, 123456789, 1764892900};
  std::string s = EncodeSequenceNumber(p);
  EXPECT_EQ(s.size(), 56u) << s;
  auto back = DecodeSequenceNumber(s);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->shard_created_s, p.shard_created_s);
  EXPECT_EQ(back->shard_index, 4);
  EXPECT_EQ(back->offset, 123456789);
  EXPECT_EQ(back->record_s, p.record_s);
  // AWS's sample decodes with this layout (shard 0, seqIx 0).
  auto aws = DecodeSequenceNumber("49559266461454070523309915164834022007924120923395850242");
  ASSERT_TRUE(aws);
  EXPECT_EQ(aws->shard_index, 0);
  EXPECT_EQ(aws->shard_created_s, 0x56c422a3);
  EXPECT_EQ(EncodeSequenceNumber(*aws), "49559266461454070523309915164834022007924120923395850242");
  EXPECT_FALSE(DecodeSequenceNumber("0"));
  EXPECT_FALSE(DecodeSequenceNumber("12345"));
  EXPECT_FALSE(DecodeSequenceNumber("4955926646145407052330991516483402200792412092339585024x"));
}

// Numbers of one shard compare (as big integers: same length, so as strings) in offset order,
// whatever the arrival times, including across a restart that keeps the offsets.
TEST(SequenceNumberTest, IncreasePerShardWithTheOffset) {
  std::string prev;
  for (int64_t off : {0LL, 1LL, 2LL, 15LL, 16LL, 255LL, 4096LL, 1LL << 40}) {
    std::string s = EncodeSequenceNumber({1764892800, 7, off, 1764892800 + 100 - off % 50});
    if (!prev.empty()) {
      EXPECT_TRUE(s.size() > prev.size() || (s.size() == prev.size() && s > prev)) << prev << " " << s;
    }
    prev = s;
  }
}

// The encoder builds the number with shifts; this reference writes the 47 hex digits of the
// layout (protocols.md §2.4) and converts them to decimal digit by digit.
std::string ReferenceSequenceNumber(const SequenceParts& p) {
  char hex[48];
  std::snprintf(hex, sizeof hex, "2%09llx%01x%016llx00%09llx%08x2",
                static_cast<unsigned long long>(p.shard_created_s & 0xfffffffffLL),
                static_cast<unsigned>(p.shard_index & 0xf), static_cast<unsigned long long>(p.offset),
                static_cast<unsigned long long>(p.record_s & 0xfffffffffLL), static_cast<unsigned>(p.shard_index));
  std::vector<int> dec{0};  // least significant first
  for (const char* c = hex; *c; ++c) {
    int carry = *c <= '9' ? *c - '0' : *c - 'a' + 10;
    for (int& d : dec) {
      const int v = d * 16 + carry;
      d = v % 10;
      carry = v / 10;
    }
    for (; carry; carry /= 10) dec.push_back(carry % 10);
  }
  std::string out;
  for (auto it = dec.rbegin(); it != dec.rend(); ++it) out += static_cast<char>('0' + *it);
  return out;
}

TEST(SequenceNumberTest, EqualsTheDigitByDigitReferenceOverTheWholeRange) {
  std::mt19937_64 rng(7);
  std::vector<SequenceParts> cases = {{0, 0, 0, 0},
                                      {0xfffffffffLL, 0x7fffffff, INT64_MAX, 0xfffffffffLL},
                                      {1764892800, 15, 1LL << 48, 1764892800},
                                      {1764892800, 16, (1LL << 48) - 1, 1764892801}};
  for (int i = 0; i < 2000; ++i) {
    cases.push_back({static_cast<int64_t>(rng() & 0xfffffffffULL), static_cast<int32_t>(rng() & 0x7fffffff),
                     static_cast<int64_t>(rng() >> (1 + rng() % 63)), static_cast<int64_t>(rng() & 0xfffffffffULL)});
  }
  for (const auto& p : cases) {
    const std::string s = EncodeSequenceNumber(p);
    ASSERT_EQ(s, ReferenceSequenceNumber(p)) << p.shard_created_s << " " << p.shard_index << " " << p.offset;
    auto back = DecodeSequenceNumber(s);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->offset, p.offset);
    EXPECT_EQ(back->shard_index, p.shard_index);
  }
}

TEST(ShardIteratorTest, RoundTripsAndRejectsTampering) {
  IteratorState st{"streaming-x-pin", 1764892800123, 3, 42, 0, 1764892900000};
  std::string secret(32, 'k');
  std::string tok = EncodeShardIterator(st, secret);
  EXPECT_LE(tok.size(), 512u);
  auto back = DecodeShardIterator(tok, secret);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->stream, st.stream);
  EXPECT_EQ(back->stream_created_ms, st.stream_created_ms);
  EXPECT_EQ(back->shard_index, 3);
  EXPECT_EQ(back->offset, 42);
  EXPECT_EQ(back->issued_ms, st.issued_ms);
  EXPECT_FALSE(DecodeShardIterator(tok, std::string(32, 'j')));  // another server's key
  for (size_t i = 0; i < tok.size(); ++i) {
    std::string t = tok;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto d = DecodeShardIterator(t, secret);
    EXPECT_FALSE(d && (d->offset != 42 || d->stream != st.stream || d->issued_ms != st.issued_ms)) << i;
  }
  EXPECT_FALSE(DecodeShardIterator("AAAA", secret));
  EXPECT_FALSE(DecodeShardIterator("", secret));
  EXPECT_FALSE(DecodeShardIterator(std::string(600, 'A'), secret));
}

TEST(ShardIdTest, TwelveDigitsAsSnprintfWritesThemAndParseBack) {
  for (int32_t i : {0, 7, 10, 99, 12345, 999999999, 2147483647}) {
    char want[32];
    std::snprintf(want, sizeof want, "shardId-%012d", i);
    EXPECT_EQ(ShardIdOf(i), want);
    if (i < 1000000) {
      EXPECT_EQ(ShardIndexOf(ShardIdOf(i), 1000000), i);
    }
  }
}

}  // namespace
}  // namespace pinpipe::kinesis
