// The dataset's country names → ISO codes: every distinct country of the shared dataset (the
// geolocation table and the recorded fixtures) is in the table, so none falls off the map.
#include "pinterest/country_codes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "pinterest/generator_vocabulary.h"

namespace pinpipe::pinterest {
namespace {

const std::filesystem::path kData = PINPIPE_SHARED_DATA_DIR;

TEST(CountryCodesTest, SortedUniqueAndValidCodes) {
  const auto codes = CountryCodes();
  ASSERT_EQ(codes.size(), 243u);
  for (size_t i = 1; i < codes.size(); ++i) EXPECT_LT(codes[i - 1].name, codes[i].name) << codes[i].name;
  std::set<int> isos;
  for (const auto& c : codes) {
    EXPECT_GE(c.iso, 0) << c.name;
    EXPECT_LT(c.iso, 1000) << c.name;
    if (c.iso == 0) {
      EXPECT_FALSE(c.shaped) << c.name << ": no ISO code, so no shape";
    } else {
      EXPECT_TRUE(isos.insert(c.iso).second) << c.name << " shares ISO code " << c.iso;
    }
    EXPECT_EQ(FindCountryCode(c.name), &c);
  }
  EXPECT_EQ(FindCountryCode("Atlantis"), nullptr);
  EXPECT_EQ(FindCountryCode("Libyan Arab Jamahiriya")->iso, 434);
  EXPECT_EQ(FindCountryCode("Korea")->iso, 410);
  EXPECT_FALSE(FindCountryCode("Bouvet Island (Bouvetoya)")->shaped);
}

TEST(CountryCodesTest, EveryGeneratorCountryIsMapped) {
  for (const auto& c : Countries()) EXPECT_NE(FindCountryCode(c.name), nullptr) << c.name;
}

TEST(CountryCodesTest, EveryCountryOfTheSharedDatasetIsMapped) {
  const auto csv = kData / "pinterest-db" / "geolocation_data.csv";
  if (!std::filesystem::exists(csv)) GTEST_SKIP() << csv << " is absent";
  std::set<std::string> names;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  ASSERT_EQ(line.substr(line.rfind(',') + 1), "country");
  while (std::getline(in, line)) names.insert(line.substr(line.rfind(',') + 1));  // no quoted fields
  // The recorded REST fixtures carry geo rows too.
  const std::regex country("\"country\": *\"([^\"]*)\"");
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(kData / "fixtures", ec)) {
    std::ifstream j(f.path());
    const std::string text((std::istreambuf_iterator<char>(j)), {});
    for (std::sregex_iterator it(text.begin(), text.end(), country), end; it != end; ++it) {
      // "null": how a notebook displayed a missing value (jho278's joined pin rows), no country.
      if ((*it)[1] != "null") names.insert((*it)[1]);
    }
  }
  ASSERT_GT(names.size(), 200u);
  size_t shapeless = 0;
  for (const auto& n : names) {
    const CountryCode* c = FindCountryCode(n);
    EXPECT_NE(c, nullptr) << "'" << n << "' is neither mapped nor listed as shapeless";
    if (c && !c->shaped) ++shapeless;
  }
  EXPECT_LT(shapeless, 20u);
}

}  // namespace
}  // namespace pinpipe::pinterest
