// Product code locks only through common/mutex.h, whose types carry clang's thread-safety
// annotations: a std::mutex member cannot be GUARDED_BY-checked, so one slipping back in would
// silently take its state out of the analysis (-Werror=thread-safety-analysis in clang builds).
// This scan keeps that true in every build, GCC included.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace pinpipe {
namespace {

TEST(AnnotatedLocksTest, ProductCodeUsesOnlyTheAnnotatedMutexTypes) {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(PINPIPE_SOURCE_DIR) / "src";
  ASSERT_TRUE(fs::is_directory(src)) << src;
  // The wrappers themselves, and the one wait on a std::stop_token that needs its own mutex.
  const std::vector<std::string> allowed = {"common/mutex.h", "common/clock.cc"};
  const std::regex unannotated(
      R"(std::(mutex|shared_mutex|recursive_mutex|timed_mutex|condition_variable(_any)?|lock_guard|unique_lock|shared_lock|scoped_lock)\b)");
  std::vector<std::string> found;
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(src)) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".h" && ext != ".cc")) continue;
    const std::string rel = fs::relative(e.path(), src).generic_string();
    bool skip = false;
    for (const auto& a : allowed) skip |= rel == a;
    if (skip) continue;
    ++files;
    std::ifstream in(e.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (std::regex_search(line, unannotated)) found.push_back(rel + ":" + std::to_string(n) + ": " + line);
    }
  }
  EXPECT_GT(files, 100u);
  std::ostringstream all;
  for (const auto& f : found) all << f << "\n";
  EXPECT_TRUE(found.empty()) << "use Mutex/MutexLock/CondVar (common/mutex.h) instead:\n" << all.str();
}

}  // namespace
}  // namespace pinpipe
