#include "sink/sink_state.h"

#include <charconv>
#include <cstdio>

#include "common/crc32c.h"

namespace pinpipe::sink {

namespace {

constexpr std::string_view kMagic = "pinpipe-sink-state 1\n";

std::string Escape(std::string_view s) {
  if (s.empty()) return "-";
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '%' || c >= 0x7f || (out.empty() && c == '-')) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Unescape(std::string_view s) {
  if (s == "-") return "";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      unsigned v = 0;
      std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      out += static_cast<char>(v);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t sp = line.find(' ', pos);
    if (sp == std::string_view::npos) sp = line.size();
    out.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  return out;
}

template <typename T>
bool Num(std::string_view s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Error Corrupt(std::string_view why) {
  return Error(ErrorCode::kCorruption, "sink state: " + std::string(why));
}

}  // namespace

std::string SinkState::Encode() const {
  std::string out(kMagic);
  char buf[64];
  for (const auto& [tp, s] : partitions) {
    out += "p " + tp.topic + " " + std::to_string(tp.partition) + " " +
           std::to_string(s.committed) + " " + std::to_string(s.log_end) + " " +
           std::to_string(s.objects) + " " + std::to_string(s.bytes) + " " +
           std::to_string(s.records) + " " + std::to_string(s.skipped) + " " +
           std::to_string(s.dlq) + " " + (s.failed ? "1" : "0") + " " +
           std::to_string(s.error_offset) + " " + Escape(s.last_error) + "\n";
    for (const auto& p : s.plan) {
      std::snprintf(buf, sizeof(buf), " %d %lld %lld\n", tp.partition,
                    static_cast<long long>(p.start), static_cast<long long>(p.end));
      out += "plan " + tp.topic + buf;
    }
  }
  std::snprintf(buf, sizeof(buf), "crc %08x\n", Crc32c(out.data(), out.size()));
  out += buf;
  return out;
}

Result<SinkState> SinkState::Decode(std::string_view text) {
  SinkState st;
  if (!text.starts_with(kMagic)) return std::unexpected(Corrupt("bad header"));
  size_t crc_at = text.rfind("crc ");
  if (crc_at == std::string_view::npos) return std::unexpected(Corrupt("no crc line"));
  uint32_t want = 0;
  std::string_view crc_hex = text.substr(crc_at + 4, 8);
  auto r = std::from_chars(crc_hex.data(), crc_hex.data() + crc_hex.size(), want, 16);
  if (r.ec != std::errc() || crc_hex.size() != 8) return std::unexpected(Corrupt("bad crc line"));
  if (Crc32c(text.data(), crc_at) != want) return std::unexpected(Corrupt("crc mismatch"));
  std::string_view body = text.substr(kMagic.size(), crc_at - kMagic.size());
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string_view::npos) nl = body.size();
    auto f = Fields(body.substr(pos, nl - pos));
    pos = nl + 1;
    if (f.empty()) continue;
    if (f[0] == "p" && f.size() == 13) {
      TopicPartition tp{std::string(f[1]), 0};
      PartitionState s;
      int failed = 0;
      if (!Num(f[2], tp.partition) || !Num(f[3], s.committed) || !Num(f[4], s.log_end) ||
          !Num(f[5], s.objects) || !Num(f[6], s.bytes) || !Num(f[7], s.records) ||
          !Num(f[8], s.skipped) || !Num(f[9], s.dlq) || !Num(f[10], failed) ||
          !Num(f[11], s.error_offset)) {
        return std::unexpected(Corrupt("bad partition line"));
      }
      s.failed = failed != 0;
      s.last_error = Unescape(f[12]);
      st.partitions[tp] = std::move(s);
    } else if (f[0] == "plan" && f.size() == 5) {
      TopicPartition tp{std::string(f[1]), 0};
      PlannedObject p;
      if (!Num(f[2], tp.partition) || !Num(f[3], p.start) || !Num(f[4], p.end)) {
        return std::unexpected(Corrupt("bad plan line"));
      }
      auto it = st.partitions.find(tp);
      if (it == st.partitions.end()) return std::unexpected(Corrupt("plan before partition"));
      it->second.plan.push_back(p);
    } else {
      return std::unexpected(Corrupt("unknown line"));
    }
  }
  return st;
}

Result<SinkState> StateStore::LoadFile(const std::string& path) {
  if (!fs_->Exists(path)) return SinkState{};
  PINPIPE_ASSIGN_OR_RETURN(std::string text, fs_->ReadFileToString(path));
  auto st = SinkState::Decode(text);
  if (!st) return MakeError(st.error().code(), path + ": " + st.error().message());
  return st;
}

Result<SinkState> StateStore::Load() { return LoadFile(JoinPath(dir_, "sink.state")); }

Status StateStore::Save(const SinkState& state) {
  if (!dir_made_) {
    PINPIPE_RETURN_IF_ERROR(fs_->MkdirAll(dir_));
    dir_made_ = true;
  }
  return fs_->WriteFileAtomically(JoinPath(dir_, "sink.state"), state.Encode());
}

Status StateStore::SaveStatus(const SinkState& state) {
  if (!dir_made_) {
    PINPIPE_RETURN_IF_ERROR(fs_->MkdirAll(dir_));
    dir_made_ = true;
  }
  std::string path = JoinPath(dir_, "sink.status");
  std::string tmp = path + ".tmp";
  {
    PINPIPE_ASSIGN_OR_RETURN(auto f, fs_->Open(tmp, kOpenWrite | kOpenCreate | kOpenTruncate));
    PINPIPE_RETURN_IF_ERROR(f->PWrite(0, state.Encode()));
  }
  return fs_->Rename(tmp, path);
}

Result<SinkState> StateStore::LoadForStatus() {
  std::string status = JoinPath(dir_, "sink.status");
  if (fs_->Exists(status)) {
    auto st = LoadFile(status);
    if (st) return st;
  }
  return Load();
}

}  // namespace pinpipe::sink
