// A log in a temporary directory, a local lake and helpers to run a connector over them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "log/log_manager.h"
#include "objstore/local_object_store.h"
#include "log/embedded_log.h"
#include "sink/sink_connector.h"

namespace pinpipe::sink {

class SinkFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pinpipe_sink_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    log::LogOptions lo;
    lo.dir = (dir_ / "data").string();
    lo.flush.mode = log::FlushPolicy::Mode::kOs;
    lo.retention_check_interval_ms = 0;
    lo.default_partitions = 1;
    auto log = log::LogManager::Open(lo);
    ASSERT_TRUE(log) << log.error().ToString();
    log_ = std::move(*log);
    source_ = std::make_unique<log::EmbeddedLog>(*log_);
  }
  void TearDown() override {
    source_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Appends values (nullopt = null) as one batch each; timestamps ts (or "now" when -1).
  void Append(const std::string& topic, int32_t partition,
              const std::vector<std::optional<std::string>>& values, int64_t ts = -1) {
    std::vector<log::Record> recs;
    for (const auto& v : values) {
      log::Record r;
      if (v) r.value = std::string_view(*v);
      r.timestamp_ms = ts;
      recs.push_back(r);
    }
    auto res = log_->Append(topic, partition, recs);
    ASSERT_TRUE(res) << res.error().ToString();
  }

  SinkConfig Config(const std::string& topics, int64_t flush_size) {
    SinkConfig c;
    EXPECT_TRUE(c.Set("topics", topics));
    c.flush_size = flush_size;
    return c;
  }

  std::string Lake(const std::string& name = "lake") { return (dir_ / name).string(); }
  std::string StateDir(const std::string& name = "state") { return (dir_ / name).string(); }

  SinkRuntime Rt(const std::string& state_name) {
    SinkRuntime rt;
    rt.state_dir = StateDir(state_name);
    return rt;
  }

  std::unique_ptr<SinkConnector> Make(const SinkConfig& cfg, objstore::ObjectStore* store,
                                      SinkRuntime rt = {}) {
    if (rt.state_dir.empty()) rt.state_dir = StateDir();
    auto c = SinkConnector::Create(cfg, source_.get(), store, std::move(rt));
    EXPECT_TRUE(c) << c.error().ToString();
    return c ? std::move(*c) : nullptr;
  }

  // Every object under `root`: key → bytes.
  static std::map<std::string, std::string> Objects(const std::string& root) {
    objstore::LocalObjectStore store(root);
    std::map<std::string, std::string> out;
    auto all = store.ListAll("");
    if (!all) return out;
    for (const auto& o : *all) out[o.key] = *store.Get(o.key);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<log::EmbeddedLog> source_;
};

}  // namespace pinpipe::sink
