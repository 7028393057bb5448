#include "log/recovery_point.h"

#include <charconv>
#include <cstdio>

#include "common/crc32c.h"

namespace pinpipe::log {

namespace {

constexpr std::string_view kMagic = "pinpipe-recovery-point v1 ";

template <typename T>
bool ParseField(std::string_view& rest, T& out) {
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out);
  if (ec != std::errc() || end == rest.data()) return false;
  rest.remove_prefix(static_cast<size_t>(end - rest.data()));
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return true;
}

}  // namespace

std::string EncodeRecoveryPoint(const RecoveryPoint& rp) {
  char body[128];
  int n = std::snprintf(
      body, sizeof body, "%lld %llu %lld %lld", static_cast<long long>(rp.segment_base),
      static_cast<unsigned long long>(rp.position), static_cast<long long>(rp.next_offset),
      static_cast<long long>(rp.max_timestamp));
  std::string line(kMagic);
  line.append(body, static_cast<size_t>(n));
  line += ' ';
  line += std::to_string(Crc32c(line));
  line += '\n';
  return line;
}

std::optional<RecoveryPoint> ParseRecoveryPoint(std::string_view text) {
  if (!text.starts_with(kMagic) || !text.ends_with('\n')) return std::nullopt;
  text.remove_suffix(1);
  size_t crc_at = text.rfind(' ');
  if (crc_at == std::string_view::npos) return std::nullopt;
  uint32_t crc = 0;
  std::string_view crc_text = text.substr(crc_at + 1);
  if (!ParseField(crc_text, crc) || !crc_text.empty()) return std::nullopt;
  if (Crc32c(text.substr(0, crc_at + 1)) != crc) return std::nullopt;
  std::string_view rest = text.substr(kMagic.size(), crc_at - kMagic.size());
  RecoveryPoint rp;
  if (!ParseField(rest, rp.segment_base) || !ParseField(rest, rp.position) ||
      !ParseField(rest, rp.next_offset) || !ParseField(rest, rp.max_timestamp) || !rest.empty()) {
    return std::nullopt;
  }
  if (rp.segment_base < 0 || rp.next_offset < rp.segment_base) return std::nullopt;
  return rp;
}

Status WriteRecoveryPoint(FileSystem* fs, const std::string& dir, const RecoveryPoint& rp) {
  const std::string path = JoinPath(dir, kRecoveryPointFile);
  const std::string tmp = path + ".tmp";  // partition open removes stray *.tmp files
  {
    PINPIPE_ASSIGN_OR_RETURN(auto file, fs->Open(tmp, kOpenWrite | kOpenCreate | kOpenTruncate));
    PINPIPE_RETURN_IF_ERROR(file->PWrite(0, EncodeRecoveryPoint(rp)));
    // Before the rename, so that the name never points at blocks that were not written (on a
    // file system without a journal those could hold anything after a power loss).
    PINPIPE_RETURN_IF_ERROR(file->Sync());
  }
  return fs->Rename(tmp, path);
}

std::optional<RecoveryPoint> ReadRecoveryPoint(FileSystem* fs, const std::string& dir) {
  auto text = fs->ReadFileToString(JoinPath(dir, kRecoveryPointFile));  // missing: an error
  if (!text) return std::nullopt;
  return ParseRecoveryPoint(*text);
}

}  // namespace pinpipe::log
