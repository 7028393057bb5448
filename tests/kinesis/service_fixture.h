// A kinesis::Service over a real log in a temporary data dir, with a manual clock (clock_) and
// Call(op, json) as a client would make it (puts answered through their callback). Shared by
// the service and resharding tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <utility>

#include "kinesis/json_codec.h"
#include "kinesis/service.h"

namespace pinpipe::kinesis::testing {

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("pinpipe_kinesis_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    svc_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  // (Re)opens the log and the service on dir_ (a restart).
  void Open() {
    svc_.reset();
    log_.reset();
    log::LogOptions o;
    o.dir = dir_.string();
    o.retention_check_interval_ms = 0;
    auto l = log::LogManager::Open(o);
    ASSERT_TRUE(l) << l.error().ToString();
    log_ = std::move(*l);
    ServiceOptions so = options_;
    so.clock = &clock_;
    so.before_put_append = [this] {
      if (auto hook = std::exchange(before_put_append_, nullptr)) hook();
    };
    auto s = Service::Open(*log_, so);
    ASSERT_TRUE(s) << s.error().ToString();
    svc_ = std::move(*s);
  }
  Outcome Call(std::string_view op, std::string_view json) {
    auto v = DecodeJson(json);
    EXPECT_TRUE(v);
    if (Service::IsPut(op)) {
      std::promise<Outcome> p;
      svc_->Put(op, *v, [&](Outcome o) { p.set_value(std::move(o)); });
      return p.get_future().get();
    }
    return svc_->Call(op, *v);
  }
  static std::string Json(const Outcome& o) {
    std::string s;
    if (o) EncodeJson(*o, s);
    return s;
  }
  static std::string Type(const Outcome& o) { return o ? "" : o.error().type; }

  std::filesystem::path dir_;
  ManualClock clock_{1'000'000, 1764892800000};  // 2025-12-05, far from the real time
  std::unique_ptr<log::LogManager> log_;
  std::unique_ptr<Service> svc_;
  std::function<void()> before_put_append_;  // runs once, inside the next put
  ServiceOptions options_;  // what Open starts from (tests set e.g. throttle before Open)
};

}  // namespace pinpipe::kinesis::testing
