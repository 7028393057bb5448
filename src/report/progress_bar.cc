#include "report/progress_bar.h"

#include <unistd.h>

#include <algorithm>

namespace pinpipe::report {

std::string WithThousands(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return (v < 0 ? "-" : "") + out;
}

bool ProgressBar::IsTerminal(std::FILE* f) { return isatty(fileno(f)) == 1; }

ProgressBar::ProgressBar(std::string label, int64_t total, std::FILE* out)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), out_(out),
      tty_(IsTerminal(out)), start_(std::chrono::steady_clock::now()), last_draw_(start_) {
  check_every_ = std::max<int64_t>(1, total_ / 1000);
}

void ProgressBar::MaybeDraw(bool force) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? done_ / elapsed : 0;
  const double frac = std::min(1.0, static_cast<double>(done_) / total_);
  if (!tty_) {
    const int decile = static_cast<int>(frac * 10);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    std::fprintf(out_, "%s: %d%% %s/%s\n", label_.c_str(), static_cast<int>(frac * 100),
                 WithThousands(done_).c_str(), WithThousands(total_).c_str());
    std::fflush(out_);
    return;
  }
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  const double eta = rate > 0 ? (total_ - done_) / rate : 0;
  std::fprintf(out_, "\r%s [%s] %3d%% %s/%s %s/s ETA %d:%02d \x1b[K", label_.c_str(), bar.c_str(),
               static_cast<int>(frac * 100), WithThousands(done_).c_str(),
               WithThousands(total_).c_str(), WithThousands(static_cast<int64_t>(rate)).c_str(),
               static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  MaybeDraw(true);
  if (tty_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace pinpipe::report
