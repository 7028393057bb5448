#include "emulator/python_random.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace pinpipe::emulator {
namespace {

TEST(PythonRandomTest, ReproducesTheOriginalEmulatorSequence) {
  // domain.md §4: random.seed(100); loop: sleep(randrange(0, 2)); randint(0, 11000).
  const std::vector<int64_t> rows = {
      7528, 2863, 5730, 8304, 8731, 1313, 4315, 10794, 5494, 5069, 2923, 3089, 6063, 3454,
      7554, 6145, 10625, 2959, 9875, 2418, 3156, 428, 7343, 2074, 9979, 10138, 9672, 8653,
      8887, 7922, 1014, 4913, 4137, 7166, 9546, 2411, 9590, 2698, 4508, 831};
  const std::vector<int64_t> sleeps = {0, 1, 1, 1, 0, 0, 1, 0, 0, 0};
  PythonRandom rng(100);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t s = rng.RandRange(0, 2);
    if (i < sleeps.size()) {
      EXPECT_EQ(s, sleeps[i]) << "sleep " << i;
    }
    EXPECT_EQ(rng.RandInt(0, 11000), rows[i]) << "row " << i;
  }
}

TEST(PythonRandomTest, GetRandBitsZeroAndWordsAgree) {
  PythonRandom a(7), b(7);
  EXPECT_EQ(a.GetRandBits(0), 0u);
  const auto words = b.GetRandBitsWords(64);
  const uint64_t v = a.GetRandBits(64);
  ASSERT_EQ(words.size(), 2u);
  EXPECT_EQ(v, uint64_t{words[0]} | (uint64_t{words[1]} << 32));
}

// Runs a Python script with Debian's interpreter; empty when it is absent.
std::string RunPython(const std::string& script) {
  const char* py = "/usr/bin/python3";
  if (!std::filesystem::exists(py)) return "";
  const std::string path = ::testing::TempDir() + "/pinpipe_rng_check.py";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs(script.c_str(), f);
  std::fclose(f);
  FILE* p = popen((std::string(py) + " " + path).c_str(), "r");
  if (!p) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string Hex(const std::vector<uint32_t>& words) {
  // Python's '%x' of the integer (no leading zeros).
  std::string s;
  char b[16];
  for (size_t i = words.size(); i-- > 0;) {
    std::snprintf(b, sizeof b, "%08x", words[i]);
    s += b;
  }
  const size_t nz = s.find_first_not_of('0');
  return nz == std::string::npos ? "0" : s.substr(nz);
}

TEST(PythonRandomTest, MatchesCPythonOnEdgeCases) {
  // Seeds: 0, 1, 2^32+5, a negative one, and an integer wider than 64 bits.
  const std::string script = R"PY(
import random
seeds = [0, 1, 2**32 + 5, -12345, 2**64 + 2**40 + 99]
for s in seeds:
    r = random.Random(s)
    out = []
    for k in (1, 31, 32, 33, 64, 100):
        out.append('%x' % r.getrandbits(k))
    out.append(str(r.randrange(0, 2**40 + 17)))
    out.append(str(r.randrange(-5, 2**62 + 3)))
    out.append(str(r.randrange(0, 2**63 - 1)))
    out.append(str(r.randint(0, 11000)))
    out.append(repr(r.random()))
    print(' '.join(out))
)PY";
  const std::string expected = RunPython(script);
  if (expected.empty()) GTEST_SKIP() << "/usr/bin/python3 is not available";

  std::ostringstream got;
  auto run = [&](PythonRandom& r) {
    std::vector<std::string> out;
    for (int k : {1, 31, 32, 33, 64, 100}) out.push_back(Hex(r.GetRandBitsWords(k)));
    out.push_back(std::to_string(r.RandRange(0, (int64_t{1} << 40) + 17)));
    out.push_back(std::to_string(r.RandRange(-5, (int64_t{1} << 62) + 3)));
    out.push_back(std::to_string(r.RandRange(0, INT64_MAX)));
    out.push_back(std::to_string(r.RandInt(0, 11000)));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", r.Random());
    out.push_back(buf);
    for (size_t i = 0; i < out.size(); ++i) got << (i ? " " : "") << out[i];
    got << "\n";
  };
  for (int64_t s : {int64_t{0}, int64_t{1}, (int64_t{1} << 32) + 5, int64_t{-12345}}) {
    PythonRandom r(s);
    run(r);
  }
  // 2**64 + 2**40 + 99 as 32-bit words, least significant first.
  const uint32_t big[] = {99, 1u << 8, 1};
  PythonRandom r;
  r.SeedWords(big);
  run(r);

  // Python prints random() with repr (shortest); compare numerically for that column.
  std::istringstream want_lines(expected), got_lines(got.str());
  std::string w, g;
  int line = 0;
  while (std::getline(want_lines, w)) {
    ASSERT_TRUE(std::getline(got_lines, g)) << "missing line " << line;
    std::istringstream ws(w), gs(g);
    std::vector<std::string> wt, gt;
    for (std::string t; ws >> t;) wt.push_back(t);
    for (std::string t; gs >> t;) gt.push_back(t);
    ASSERT_EQ(wt.size(), gt.size());
    for (size_t i = 0; i + 1 < wt.size(); ++i) EXPECT_EQ(gt[i], wt[i]) << "line " << line << " col " << i;
    EXPECT_EQ(std::stod(gt.back()), std::stod(wt.back())) << "random() line " << line;
    ++line;
  }
  EXPECT_EQ(line, 5);
}

}  // namespace
}  // namespace pinpipe::emulator
