#include "batch/sink_sensor.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/file_system.h"
#include "common/logging.h"
#include "log/recovery_point.h"
#include "sink/sink_state.h"

namespace pinpipe::batch {
namespace {

int64_t BigEndian(const unsigned char* p, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// The offset after the last whole RecordBatch v2 of one segment file (kafka.md §3.2: base
// offset int64, batch length int32, leader epoch int32, magic int8, crc int32, attributes
// int16, last offset delta int32). Stops at a torn tail or at the zero-filled space ahead of
// direct writes. Starts at the recovery point when it describes this segment.
int64_t SegmentEnd(const std::string& dir, const std::string& file, int64_t base) {
  int64_t end = base;
  uint64_t pos = 0;
  if (auto rp = log::ReadRecoveryPoint(FileSystem::Default(), dir); rp && rp->segment_base == base) {
    pos = rp->position;
    end = rp->next_offset;
  }
  const int fd = ::open(JoinPath(dir, file).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return end;
  constexpr size_t kHeader = 27;  // through the last offset delta
  unsigned char h[kHeader];
  const off_t size = ::lseek(fd, 0, SEEK_END);
  while (static_cast<off_t>(pos + kHeader) <= size &&
         ::pread(fd, h, kHeader, static_cast<off_t>(pos)) == static_cast<ssize_t>(kHeader)) {
    const int64_t batch_base = BigEndian(h, 8);
    const int64_t length = BigEndian(h + 8, 4);
    if (length < 49 || h[16] != 2 || static_cast<off_t>(pos + 12 + length) > size) break;
    end = batch_base + BigEndian(h + 23, 4) + 1;
    pos += 12 + static_cast<uint64_t>(length);
  }
  ::close(fd);
  return end;
}

}  // namespace

Result<std::map<sink::TopicPartition, int64_t>> ReadLogEndOffsets(
    const std::string& data_dir, const std::vector<std::string>& topics) {
  std::map<sink::TopicPartition, int64_t> out;
  const std::string log_dir = JoinPath(data_dir, "log");
  std::error_code ec;
  for (const auto& topic : topics) {
    for (int32_t p = 0;; ++p) {
      const std::string dir = JoinPath(log_dir, topic + "-" + std::to_string(p));
      if (!std::filesystem::is_directory(dir, ec)) break;
      // The active segment is the one with the largest base offset.
      int64_t base = -1;
      std::string active;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.size() != 24 || !name.ends_with(".log")) continue;
        const int64_t b = std::strtoll(name.c_str(), nullptr, 10);
        if (b > base) {
          base = b;
          active = name;
        }
      }
      out[{topic, p}] = base < 0 ? 0 : SegmentEnd(dir, active, base);
    }
  }
  return out;
}

Result<std::vector<std::string>> SinkBehind(const std::string& data_dir,
                                            const std::map<sink::TopicPartition, int64_t>& ends) {
  sink::StateStore store(FileSystem::Default(), JoinPath(JoinPath(data_dir, "state"), "sink"));
  PINPIPE_ASSIGN_OR_RETURN(auto state, store.Load());  // an absent file: nothing committed
  std::vector<std::string> behind;
  for (const auto& [tp, end] : ends) {
    auto it = state.partitions.find(tp);
    const int64_t committed = it == state.partitions.end() ? 0 : it->second.committed;
    if (committed >= end) continue;
    std::string line = tp.ToString() + " committed " + std::to_string(committed) + " of " +
                       std::to_string(end);
    if (it != state.partitions.end() && it->second.failed) {
      line += " (sink FAILED: " + it->second.last_error + ")";
    }
    behind.push_back(std::move(line));
  }
  return behind;
}

Status WaitForSink(const BatchSettings& s, const orchestrator::TaskContext& ctx) {
  if (s.sink_wait_ms <= 0 || s.data_dir.empty()) return OkStatus();
  std::vector<std::string> topics;
  for (auto kind : {pinterest::RawKind::kPin, pinterest::RawKind::kGeo, pinterest::RawKind::kUser}) {
    topics.push_back(s.Topic(kind));
  }
  // The ends now: records produced after the run started belong to the next run.
  PINPIPE_ASSIGN_OR_RETURN(auto ends, ReadLogEndOffsets(s.data_dir, topics));
  std::erase_if(ends, [](const auto& e) { return e.second == 0; });
  if (ends.empty()) return OkStatus();
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::milliseconds(s.sink_wait_ms);
  bool told = false;
  while (true) {
    PINPIPE_ASSIGN_OR_RETURN(auto behind, SinkBehind(s.data_dir, ends));
    if (behind.empty()) {
      if (told) spdlog::info("load: the sink has landed everything; listing the lake");
      return OkStatus();
    }
    if (ctx.cancelled()) return MakeError(ErrorCode::kUnavailable, "load cancelled");
    // An operator's pause (Kafka Connect's PUT .../pause) explains the wait: say so.
    const bool paused = std::filesystem::exists(std::filesystem::path(s.data_dir) / "state" / "sink" / "paused");
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string list;
      for (const auto& b : behind) list += (list.empty() ? "" : ", ") + b;
      return MakeError(
          ErrorCode::kTimeout,
          "the sink has not landed the records produced before this run within " +
              std::to_string(s.sink_wait_ms / 1000) + " s (" + list + "); " +
              (paused ? std::string("the sink is paused (`pinpipe sink resume` resumes it)")
                      : std::string("is the sink running (pinpipe serve with sink.enabled, or pinpipe sink run)?")) +
              " dag.sink_wait_s sets the wait, 0 disables it");
    }
    if (!told) {
      spdlog::info("load: waiting up to {} s for the sink to land {} partition(s): {}{}",
                   s.sink_wait_ms / 1000, behind.size(), behind.front(),
                   paused ? " (the sink is paused: `pinpipe sink resume`)" : "");
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace pinpipe::batch
