#include "sink/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace pinpipe::sink {

namespace {

Error Bad(std::string_view id, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument,
               "timezone \"" + std::string(id) + "\": " + std::string(why));
}

uint32_t Be32(std::string_view b, size_t at) {
  return (uint32_t{static_cast<uint8_t>(b[at])} << 24) | (uint32_t{static_cast<uint8_t>(b[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(b[at + 3])};
}
int64_t Be64(std::string_view b, size_t at) {
  return static_cast<int64_t>((uint64_t{Be32(b, at)} << 32) | Be32(b, at + 4));
}

// "+05:30", "-08:00", "+0530", "+05" → seconds; false if not an offset.
bool ParseOffset(std::string_view v, int32_t* out) {
  if (v.size() < 3 || (v[0] != '+' && v[0] != '-')) return false;
  std::string digits;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] == ':' && i == 3) continue;
    if (v[i] < '0' || v[i] > '9') return false;
    digits += v[i];
  }
  if (digits.size() != 2 && digits.size() != 4) return false;
  int h = std::stoi(digits.substr(0, 2)), m = digits.size() == 4 ? std::stoi(digits.substr(2)) : 0;
  if (h > 23 || m > 59) return false;
  *out = (v[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return true;
}

}  // namespace

TimeZone TimeZone::Utc() {
  TimeZone z;
  z.id_ = "UTC";
  return z;
}

Result<TimeZone> TimeZone::Load(std::string_view id) {
  if (id.empty()) return std::unexpected(Bad(id, "empty"));
  if (id == "UTC" || id == "Etc/UTC" || id == "GMT" || id == "Z") {
    TimeZone z = Utc();
    z.id_ = std::string(id);
    return z;
  }
  int32_t fixed = 0;
  if (ParseOffset(id, &fixed)) {
    TimeZone z;
    z.id_ = std::string(id);
    z.initial_offset_s_ = fixed;
    return z;
  }
  // An IANA name: letters, digits, '_', '-', '+' and '/' between parts; never "..".
  bool ok = std::isalpha(static_cast<unsigned char>(id[0])) && id.find("..") == std::string_view::npos &&
            id.size() <= 64;
  for (char c : id) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' || c == '/');
  }
  if (!ok) return std::unexpected(Bad(id, "not UTC, an offset like +05:30 or a zone name like Europe/Paris"));
  std::ifstream in("/usr/share/zoneinfo/" + std::string(id), std::ios::binary);
  if (!in) return std::unexpected(Bad(id, "unknown zone (no /usr/share/zoneinfo/" + std::string(id) + ")"));
  std::stringstream ss;
  ss << in.rdbuf();
  return FromTzif(id, ss.str());
}

Result<TimeZone> TimeZone::FromTzif(std::string_view id, std::string_view b) {
  auto header = [&](size_t at, uint32_t c[6]) -> bool {
    if (b.size() < at + 44 || b.substr(at, 4) != "TZif") return false;
    for (int i = 0; i < 6; ++i) c[i] = Be32(b, at + 20 + 4 * static_cast<size_t>(i));
    return true;
  };
  // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  uint32_t c[6];
  if (!header(0, c)) return std::unexpected(Bad(id, "not a TZif file"));
  size_t at = 44;
  size_t time_size = 4;
  if (b[4] >= '2') {  // skip the 32-bit block; use the 64-bit one
    at += size_t{c[3]} * 5 + size_t{c[4]} * 6 + c[5] + size_t{c[2]} * 8 + c[1] + c[0];
    if (!header(at, c)) return std::unexpected(Bad(id, "truncated TZif file"));
    at += 44;
    time_size = 8;
  }
  const size_t timecnt = c[3], typecnt = c[4];
  if (typecnt == 0 || b.size() < at + timecnt * (time_size + 1) + typecnt * 6) {
    return std::unexpected(Bad(id, "truncated TZif file"));
  }
  TimeZone z;
  z.id_ = std::string(id);
  const size_t idx_at = at + timecnt * time_size, types_at = idx_at + timecnt;
  auto utoff = [&](size_t type) { return static_cast<int32_t>(Be32(b, types_at + type * 6)); };
  z.initial_offset_s_ = utoff(0);
  for (size_t i = 0; i < timecnt; ++i) {
    const size_t type = static_cast<uint8_t>(b[idx_at + i]);
    if (type >= typecnt) return std::unexpected(Bad(id, "corrupt TZif file"));
    z.transitions_s_.push_back(time_size == 8 ? Be64(b, at + i * 8)
                                              : static_cast<int32_t>(Be32(b, at + i * 4)));
    z.offsets_s_.push_back(utoff(type));
  }
  return z;
}

int64_t TimeZone::OffsetMs(int64_t utc_ms) const {
  const int64_t s = utc_ms >= 0 ? utc_ms / 1000 : -((-utc_ms + 999) / 1000);
  auto it = std::upper_bound(transitions_s_.begin(), transitions_s_.end(), s);
  if (it == transitions_s_.begin()) return int64_t{initial_offset_s_} * 1000;
  return int64_t{offsets_s_[static_cast<size_t>(it - transitions_s_.begin() - 1)]} * 1000;
}

int64_t TimeZone::LocalToUtc(int64_t local_ms) const {
  // As Joda: guess with the offset at local-as-UTC, then correct once.
  const int64_t guess = OffsetMs(local_ms);
  const int64_t offset = OffsetMs(local_ms - guess);
  if (offset == guess) return local_ms - offset;
  const int64_t other = OffsetMs(local_ms - offset);
  return local_ms - (other == offset ? offset : std::max(guess, offset));
}

}  // namespace pinpipe::sink
