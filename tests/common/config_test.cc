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
  EXPECT_EQ(cfg->Source("log.flush"), "--set");
}

// Issue 14: values of the wrong type or out of range were accepted at load and failed late (or
// never). Each error names the key, the value, the source and what is accepted.
TEST(ConfigTest, BadValuesAreErrorsNamingKeySourceAndRange) {
  struct Case {
    const char* set;
    const char* expected;  // substring of the error
  };
  const Case cases[] = {
      {"logging.level=loud", "logging.level = 'loud' (from --set): must be one of trace, debug"},
      {"http.max_body_bytes=-1", "http.max_body_bytes = '-1' (from --set): must be an integer in 1.."},
      {"http.threads=-3", "http.threads = '-3' (from --set): must be an integer in 0..1024"},
      {"rest.consumer_max_bytes=-1", "rest.consumer_max_bytes = '-1' (from --set): must be an integer in 1.."},
      {"s3.part_size_bytes=1", "s3.part_size_bytes = '1' (from --set): must be an integer in 5242880..5368709120"},
      {"http.port=abc", "http.port = 'abc' (from --set): must be an integer in 0..65535"},
      {"http.port=70000", "must be an integer in 0..65535"},
      {"log.auto_create_topics=maybe", "log.auto_create_topics = 'maybe' (from --set): must be true or false"},
      {"log.flush=sometimes", "log.flush = 'sometimes' (from --set): must be always, os or interval:<ms>"},
      {"log.flush=interval:0", "must be always, os or interval:<ms>"},
      {"sink.format=xml", "must be one of json, bytes"},
      {"data.dir=", "data.dir = '' (from --set): must be a non-empty text"},
      {"pipeline.id=a b", "pipeline.id = 'a b' (from --set)"},
      {"dag.retries=-1", "dag.retries = '-1' (from --set): must be an integer in 0..100, or empty"},
      {"log.retention_ms=-2", "must be an integer ≥ -1"},
  };
  for (const auto& c : cases) {
    ConfigSources src;
    src.read_environment = false;
    src.sets = {c.set};
    auto cfg = Config::Load(src);
    ASSERT_FALSE(cfg.has_value()) << c.set;
    EXPECT_EQ(cfg.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(cfg.error().message().find(c.expected), std::string::npos)
        << c.set << ": " << cfg.error().message();
  }
  // Empty means "unset" where the key documents it.
  ConfigSources ok;
  ok.read_environment = false;
  ok.sets = {"dag.retries=", "log.flush=interval:5", "log.retention_bytes=-1", "http.port=0",
             "log.auto_create_topics=off"};
  EXPECT_TRUE(Config::Load(ok).has_value());
}

TEST(ConfigTest, BadValueErrorsNameTheFileOrVariable) {
  auto path = std::filesystem::temp_directory_path() / "pinpipe_config_range.toml";
  std::ofstream(path) << "[http]\nthreads = -3\n";
  ConfigSources src;
  src.file = path.string();
  src.read_environment = false;
  auto cfg = Config::Load(src);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("http.threads = '-3' (from file " + path.string() +
                                       "): must be an integer in 0..1024"),
            std::string::npos)
      << cfg.error().message();

  setenv("PINPIPE_LOGGING_LEVEL", "loud", 1);
  auto env = Config::Load(ConfigSources{});
  unsetenv("PINPIPE_LOGGING_LEVEL");
  ASSERT_FALSE(env.has_value());
  EXPECT_NE(env.error().message().find("logging.level = 'loud' (from env PINPIPE_LOGGING_LEVEL)"),
            std::string::npos)
      << env.error().message();

  // Secrets are not echoed even in errors.
  ConfigSources flags;
  flags.read_environment = false;
  flags.flags = {{"http.port", "99999", "--port"}};
  auto alias = Config::Load(flags);
  ASSERT_FALSE(alias.has_value());
  EXPECT_NE(alias.error().message().find("http.port = '99999' (from --port)"), std::string::npos);
}

TEST(ConfigTest, AliasFlagsOverrideSetAndNameThemselves) {
  ConfigSources src;
  src.read_environment = false;
  src.sets = {"http.port=9000"};
  src.flags = {{"http.port", "9100", "--port"}};
  auto cfg = Config::Load(src);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().ToString();
  EXPECT_EQ(*cfg->GetInt("http.port"), 9100);
  EXPECT_EQ(cfg->Source("http.port"), "--port");
}

// Issue 14: a misspelt PINPIPE_* variable was silently ignored.
TEST(ConfigTest, UnknownEnvironmentVariablesAreErrors) {
  setenv("PINPIPE_HTTP_PROT", "9000", 1);
  auto cfg = Config::Load(ConfigSources{});
  unsetenv("PINPIPE_HTTP_PROT");
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("unknown configuration variable PINPIPE_HTTP_PROT (from env)"),
            std::string::npos)
      << cfg.error().message();
  EXPECT_NE(cfg.error().message().find("did you mean PINPIPE_HTTP_PORT?"), std::string::npos);

  // A section pinpipe has makes an unknown name an error even without a near key.
  setenv("PINPIPE_SINK_NOSUCHTHING_AT_ALL", "1", 1);
  auto section = Config::Load(ConfigSources{});
  unsetenv("PINPIPE_SINK_NOSUCHTHING_AT_ALL");
  EXPECT_FALSE(section.has_value());

  // Reserved names are not configuration: the test suites' binary and test hooks; nor are
  // names outside pinpipe's sections (the peer kit's PINPIPE_PEERS, a harness's seed).
  setenv("PINPIPE_BIN", "/bin/true", 1);
  setenv("PINPIPE_TEST_FAIL_TASK", "x:1", 1);
  setenv("PINPIPE_PEERS", "none", 1);
  setenv("PINPIPE_CHAOS_SEED", "7", 1);
  // `eval "$(tests/peers/peer kafka env)"` exports PINPIPE_PEER_KAFKA_BIN, a few letters from
  // PINPIPE_KAFKA_BIND: the peer kit's names are never configuration.
  setenv("PINPIPE_PEER_KAFKA_BIN", "/x/bin", 1);
  auto ok = Config::Load(ConfigSources{});
  unsetenv("PINPIPE_TEST_FAIL_TASK");
  unsetenv("PINPIPE_PEERS");
  unsetenv("PINPIPE_CHAOS_SEED");
  unsetenv("PINPIPE_PEER_KAFKA_BIN");
  EXPECT_TRUE(ok.has_value()) << ok.error().ToString();
}

// The key table is the single place values are checked: every key declares what it accepts
// and its own default is accepted.
TEST(ConfigTest, EveryKeyDeclaresItsValuesAndItsDefaultIsValid) {
  for (const auto& k : KnownConfigKeys()) {
    EXPECT_NE(k.spec.kind, ValueSpec::Kind::kUndeclared)
        << k.key << " declares no type: add Int(min, max), Bool(), OneOf(\"a|b\"), Text() ...";
    EXPECT_EQ(CheckValue(k.spec, k.default_value), "") << k.key << " default " << k.default_value;
  }
  // Test hooks are not settings.
  EXPECT_EQ(Config().Source("dag.fail_task"), "unknown");
}

TEST(ConfigTest, UnknownKeySuggestsTheNearest) {
  ConfigSources src;
  src.read_environment = false;
  src.sets = {"http.prot=9000"};
  auto cfg = Config::Load(src);
  ASSERT_FALSE(cfg.has_value());
  EXPECT_NE(cfg.error().message().find("did you mean http.port?"), std::string::npos)
      << cfg.error().message();
  EXPECT_EQ(ClosestMatch("zzzzzzzz", {"serve", "consume"}), "");
  EXPECT_EQ(ClosestMatch("sevre", {"serve", "consume", "sink"}), "serve");
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
  EXPECT_FALSE(Config::Load(flags).has_value());
  flags.sets = {"nonsense"};
  EXPECT_FALSE(Config::Load(flags).has_value());
}

// The Kafka listener's users carry passwords: hidden like every secret, and an invalid
// mechanism list is refused naming its key.
TEST(ConfigTest, ShowHidesTheListenerSaslUsersAndMechanismListsAreChecked) {
  ConfigSources src;
  src.read_environment = false;
  src.sets = {"kafka.listener_sasl_users=alice:pw-alice-123,bob:pw-bob-456",
              "kafka.listener_sasl_mechanisms=SCRAM-SHA-512,PLAIN"};
  auto cfg = Config::Load(src);
  ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
  std::string shown = cfg->Show();
  EXPECT_EQ(shown.find("pw-alice-123"), std::string::npos);
  EXPECT_EQ(shown.find("pw-bob-456"), std::string::npos);
  EXPECT_NE(shown.find("listener_sasl_users = \"<set, hidden>\""), std::string::npos);
  for (const char* bad : {"kafka.listener_sasl_mechanisms=GSSAPI", "kafka.listener_sasl_mechanisms=PLAIN,PLAIN",
                          "kafka.listener_sasl_mechanisms=", "kafka.listener_security=tls"}) {
    src.sets = {bad};
    auto r = Config::Load(src);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_NE(r.error().message().find(std::string(bad).substr(0, std::string(bad).find('='))), std::string::npos)
        << r.error().message();
  }
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
