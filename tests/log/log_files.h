// Test helpers over a log's files: whole-file reads, where the batches of a segment end, and
// the copy of a running log that stands for what kill -9 leaves behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/file_system.h"
#include "log/record_batch.h"

namespace pinpipe::log::testing {

inline std::string ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Walks batch headers from the start; returns the position where the batches end (before
// any zero-filled space a DirectAppender left after them).
inline uint64_t BatchesEnd(const std::string& data) {
  uint64_t pos = 0;
  while (pos + kBatchLengthPos + 4 <= data.size()) {
    int32_t len = ReadBigEndian32(data.data() + pos + kBatchLengthPos);
    if (len <= 0) break;
    pos += static_cast<uint64_t>(len) + kBatchLogOverhead;
  }
  return pos;
}

// Copies <from>/log to <to>/log while the log may be running, without its lock file: every
// acknowledged record, whatever was in flight, and no clean-shutdown marker.
inline void CopyLogAsCrashed(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to / "log");
  fs::copy(from / "log", to / "log", fs::copy_options::recursive);
  fs::remove(to / "log" / ".lock");
}

}  // namespace pinpipe::log::testing
