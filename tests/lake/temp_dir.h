// A directory name under the system's temporary directory, unique in the process and removed
// (with what the test wrote in it) at the end of its scope. Not created: the Delta writer makes
// the table directory itself.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace pinpipe::lake::testing {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};  // one counter for every test file of the binary
    path_ = std::filesystem::temp_directory_path() /
            ("pinpipe-lake-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string str() const { return path_.string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pinpipe::lake::testing
