// ProgressBar: one self-overwriting line on a terminal ("[#####.....] 52% 5,800/11,154
// 12,345/s ETA 0:01"); when the stream is not a terminal, a plain line every 10%.
// Thread-compatible: call Update from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace pinpipe::report {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, std::FILE* out = stderr);
  ~ProgressBar() { Finish(); }

  // Cheap when called per row: redraws at most ~10 times a second.
  void Update(int64_t done) {
    done_ = done;
    if (done < next_check_) return;
    next_check_ = done + check_every_;
    MaybeDraw(false);
  }
  // Draws the final state and ends the line (idempotent).
  void Finish();

  static bool IsTerminal(std::FILE* f);

 private:
  void MaybeDraw(bool force);
  std::string label_;
  int64_t total_;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  int64_t done_ = 0;
  int64_t next_check_ = 0;
  int64_t check_every_ = 1;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "12,345,678"
std::string WithThousands(int64_t v);

}  // namespace pinpipe::report
