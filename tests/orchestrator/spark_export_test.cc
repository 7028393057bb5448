#include "orchestrator/spark_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SparkExportTest, TheJobIsTheSourceFileByteForByte) {
  const std::string src = ReadFile(std::string(PINPIPE_SOURCE_DIR) + "/src/orchestrator/spark_job.py");
  ASSERT_FALSE(src.empty());
  EXPECT_EQ(SparkJobSource(), src);
}

TEST(SparkExportTest, SettingsAreTheEffectiveOnesWithTheLakeAbsoluteAndNoCredentials) {
  Config cfg;
  ASSERT_TRUE(cfg.Set("data.dir", "rel/data", "flag"));
  ASSERT_TRUE(cfg.Set("pipeline.id", "shop", "env PINPIPE_PIPELINE_ID"));
  ASSERT_TRUE(cfg.Set("analytics.median", "interpolated", "flag"));
  ASSERT_TRUE(cfg.Set("sink.topics_dir", "raw", "flag"));
  ASSERT_TRUE(cfg.Set("s3.secret_access_key", "hunter2-very-secret", "env"));
  const std::string json = RenderSparkConfig(cfg, "/work/pipe");
  EXPECT_NE(json.find(R"("lake":"/work/pipe/rel/data/lake")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("pipeline_id":"shop")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("median":"interpolated")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("topics_dir":"raw")"), std::string::npos) << json;
  EXPECT_EQ(json.find("hunter2"), std::string::npos) << json;

  ASSERT_TRUE(cfg.Set("lake.uri", "s3://bucket/pre", "flag"));
  EXPECT_NE(RenderSparkConfig(cfg, "/work/pipe").find(R"("lake":"s3://bucket/pre")"),
            std::string::npos);
}

TEST(SparkExportTest, WritesBothFilesAndRefusesThePerDateSelection) {
  testing::TempDir dir;
  Config cfg;
  ASSERT_TRUE(cfg.Set("data.dir", "/d", "flag"));
  const std::string out = dir.File("job");
  ASSERT_TRUE(WriteSparkExport(cfg, out, "/"));
  EXPECT_EQ(ReadFile(out + "/pinterest_batch_spark.py"), SparkJobSource());
  EXPECT_NE(ReadFile(out + "/pinterest_batch_spark.json").find(R"("lake":"/d/lake")"),
            std::string::npos);

  ASSERT_TRUE(cfg.Set("dag.data_selection", "interval", "flag"));
  auto st = WriteSparkExport(cfg, dir.File("job2"), "/");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.File("job2")));
}

}  // namespace
}  // namespace pinpipe::orchestrator
