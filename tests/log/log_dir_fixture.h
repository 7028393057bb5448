// A test fixture that owns a LogManager over a fresh directory of its own: the set-up, open,
// single-record append and read-back that the log's tests share.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "log/log_manager.h"
#include "log/record_batch.h"
#include "log_files.h"

namespace pinpipe::log::testing {

class LogDirTest : public ::testing::Test {
 protected:
  // `prefix` names the test's directory under the system's temporary directory.
  explicit LogDirTest(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    dir_ = FreshTestDir(std::filesystem::temp_directory_path(), prefix_);
    options_.dir = dir_.string();
    options_.retention_check_interval_ms = 0;  // the tests call EnforceRetention themselves
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  // (Re)opens the log with options_, closing the open one first.
  void OpenLog() {
    log_.reset();
    auto r = LogManager::Open(options_);
    ASSERT_TRUE(r) << r.error().ToString();
    log_ = std::move(*r);
  }
  Result<AppendResult> Append(std::string_view topic, int32_t p, std::string_view value) {
    Record rec;
    rec.value = value;
    return log_->AppendSync(topic, p, std::span<const Record>(&rec, 1));
  }
  // Values of partition p from offset 0, in order.
  std::vector<std::string> Values(std::string_view topic, int32_t p) {
    std::vector<std::string> out;
    int64_t from = 0;
    while (true) {
      std::string buf;
      auto r = log_->Read(topic, p, from, 64 << 10, buf);
      EXPECT_TRUE(r) << r.error().ToString();
      if (!r || r->bytes == 0) break;
      RecordReader reader(buf, from, true);
      RecordView rec;
      while (reader.Next(rec)) out.emplace_back(rec.value.value_or(""));
      from = r->next_offset;
    }
    return out;
  }

  std::filesystem::path dir_;
  ManualClock clock_{1'000'000, 1'000'000};  // tests that move time set options_.clock = &clock_
  LogOptions options_;
  std::unique_ptr<LogManager> log_;

 private:
  std::string prefix_;
};

}  // namespace pinpipe::log::testing
