#include "common/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace pinpipe {
namespace {

TEST(ConfigTest, DefaultsMatchArchitecture) {
  Config cfg;
  EXPECT_EQ(cfg.GetString("http.bind"), "127.0.0.1");
  EXPECT_EQ(*cfg.GetInt("http.port"), 8082);
  EXPECT_EQ(*cfg.GetInt("kafka.port"), 9092);
  EXPECT_EQ(cfg.GetString("pipeline.id"), "pinterest");
  EXPECT_EQ(cfg.LakeUri(), "./pinpipe-data/lake");
}

TEST(ConfigTest, FileThenEnvThenFlag) {
  auto path = std::filesystem::temp_directory_path() / "pinpipe_config_test.toml";
  std::ofstream(path) << "[http]\nport = 9000\nbind = \"0.0.0.0\"\n[log]\nflush = \"os\"\n";
  setenv("PINPIPE_HTTP_PORT", "9001", 1);
  ConfigSources src;
  src.file = path.string();
  src.sets = {"log.flush=interval:5"};
  auto cfg = Config::Load(src);
  unsetenv("PINPIPE_HTTP_PORT");
  ASSERT_TRUE(cfg.has_value()) << cfg.error().ToString();
  EXPECT_EQ(cfg->GetString("http.bind"), "0.0.0.0");
  EXPECT_EQ(*cfg->GetInt("http.port"), 9001);
  EXPECT_EQ(cfg->Source("http.port"), "env PINPIPE_HTTP_PORT");
  EXPECT_EQ(cfg->GetString("log.flush"), "interval:5");
  EXPECT_EQ(cfg->Source("log.flush"), "flag");
}

TEST(ConfigTest, UnknownKeysAndBadValuesAreErrors) {
  auto path = std::filesystem::temp_directory_path() / "pinpipe_config_bad.toml";
  std::ofstream(path) << "[http]\nprot = 9000\n";
  ConfigSources src;
  src.file = path.string();
  auto cfg = Config::Load(src);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("http.prot"), std::string::npos);

  ConfigSources flags;
  flags.sets = {"http.port=abc"};
  auto c2 = Config::Load(flags);
  ASSERT_TRUE(c2.has_value());
  EXPECT_FALSE(c2->GetInt("http.port").has_value());
  flags.sets = {"nonsense"};
  EXPECT_FALSE(Config::Load(flags).has_value());
}

TEST(ConfigTest, ShowHidesSecrets) {
  ConfigSources src;
  src.sets = {"http.api_key=topsecret-key-123"};
  auto cfg = Config::Load(src);
  ASSERT_TRUE(cfg.has_value());
  std::string shown = cfg->Show();
  EXPECT_EQ(shown.find("topsecret-key-123"), std::string::npos);
  EXPECT_NE(shown.find("api_key = \"<set, hidden>\""), std::string::npos);
  EXPECT_TRUE(IsSecretKey("s3.secret_access_key"));
  EXPECT_TRUE(IsSecretKey("s3.session_token"));
  EXPECT_FALSE(IsSecretKey("s3.region"));
}

TEST(ConfigTest, EnvNames) {
  EXPECT_EQ(ConfigEnvName("data.dir"), "PINPIPE_DATA_DIR");
  EXPECT_EQ(ConfigEnvName("analytics.median"), "PINPIPE_ANALYTICS_MEDIAN");
}

}  // namespace
}  // namespace pinpipe
