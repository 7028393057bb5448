// Test helpers over a log's files: whole-file reads, where the batches of a segment end, the
// copy of a running log that stands for what kill -9 leaves behind, and numbered records
// appended one at a time and read back.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/file_system.h"
#include "log/log_manager.h"
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

// An empty directory <parent>/<prefix>_<pid>_<test name> for the running test.
inline std::filesystem::path FreshTestDir(const std::filesystem::path& parent,
                                          const std::string& prefix) {
  const std::filesystem::path dir =
      parent / (prefix + "_" + std::to_string(::getpid()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// Copies <from>/log to <to>/log while the log may be running, without its lock file: every
// acknowledged record, whatever was in flight, and no clean-shutdown marker. A file renamed
// away during the copy (a recovery point's temporary file) is skipped, as a crash at that
// moment may or may not have left it.
inline void CopyLogAsCrashed(const std::filesystem::path& from, const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  const fs::path src = from / "log", dst = to / "log";
  fs::create_directories(dst);
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(src)) {
    const fs::path target = dst / fs::relative(e.path(), src);
    std::error_code ec;
    if (e.is_directory(ec)) {
      fs::create_directories(target);
      continue;
    }
    fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw fs::filesystem_error("crash copy", e.path(), target, ec);
    }
  }
  fs::remove(dst / ".lock");
}

// Record i's value: distinct, and of a length that varies with i % spread.
inline std::string NumberedValue(int i, int spread) {
  return "record-" + std::to_string(i) + std::string(static_cast<size_t>(i % spread), 'v');
}

// Appends records [from, to) to partition 0 of `topic`, one durable append each, and checks
// that record i gets offset i.
inline void AppendNumbered(LogManager& log, std::string_view topic, int from, int to,
                           int spread) {
  for (int i = from; i < to; ++i) {
    Record rec;
    std::string v = NumberedValue(i, spread);
    rec.value = v;
    auto r = log.AppendSync(topic, 0, std::span<const Record>(&rec, 1));
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->base_offset, i);
  }
}

// Reads partition 0 of `topic` from offset `start`, `max_bytes` per read, and checks that it
// holds exactly the numbered records [start, n).
inline void ExpectNumbered(LogManager& log, std::string_view topic, int start, int n,
                           int spread, size_t max_bytes) {
  int64_t from = start;
  int seen = start;
  while (true) {
    std::string buf;
    auto r = log.Read(topic, 0, from, max_bytes, buf);
    ASSERT_TRUE(r) << r.error().ToString();
    if (r->bytes == 0) break;
    RecordReader reader(buf, from, true);
    RecordView rec;
    while (reader.Next(rec)) {
      ASSERT_EQ(rec.offset, seen);
      ASSERT_EQ(rec.value.value_or(""), NumberedValue(seen, spread));
      ++seen;
    }
    from = r->next_offset;
  }
  ASSERT_EQ(seen, n) << "reading from " << start;
}

}  // namespace pinpipe::log::testing
