#include "stream/stream_state.h"

#include <charconv>
#include <cstdio>

#include "common/crc32c.h"

namespace pinpipe::stream {
namespace {

constexpr std::string_view kStateMagic = "pinpipe-stream-state 1\n";
constexpr std::string_view kPlanMagic = "pinpipe-stream-plan 1\n";
constexpr size_t kCrcLine = 13;  // "crc xxxxxxxx\n"

Error Corrupt(std::string_view what, std::string_view why) {
  return Error(ErrorCode::kCorruption, std::string(what) + ": " + std::string(why) +
                                           " (delete the stream's state directory to start over)");
}

void Seal(std::string& out) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "crc %08x\n", Crc32c(out.data(), out.size()));
  out += buf;
}

// The body between the magic line and the CRC line, or an error.
Result<std::string_view> Unseal(std::string_view bytes, std::string_view magic,
                                std::string_view what) {
  if (bytes.size() < magic.size() + kCrcLine || !bytes.starts_with(magic)) {
    return std::unexpected(Corrupt(what, "bad header"));
  }
  const size_t crc_at = bytes.size() - kCrcLine;
  std::string_view line = bytes.substr(crc_at);
  uint32_t want = 0;
  auto r = std::from_chars(line.data() + 4, line.data() + 12, want, 16);
  if (!line.starts_with("crc ") || r.ec != std::errc() || r.ptr != line.data() + 12 ||
      line.back() != '\n') {
    return std::unexpected(Corrupt(what, "bad crc line"));
  }
  if (Crc32c(bytes.data(), crc_at) != want) return std::unexpected(Corrupt(what, "crc mismatch"));
  return bytes.substr(magic.size(), crc_at - magic.size());
}

// Splits the next whitespace-separated token off `line`.
std::string_view Token(std::string_view& line) {
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  const size_t end = line.find(' ');
  std::string_view tok = line.substr(0, end);
  line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  return tok;
}

bool Int(std::string_view& line, int64_t* out) {
  std::string_view t = Token(line);
  auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
  return !t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool NextLine(std::string_view& body, std::string_view* line) {
  if (body.empty()) return false;
  const size_t nl = body.find('\n');
  if (nl == std::string_view::npos) return false;
  *line = body.substr(0, nl);
  body.remove_prefix(nl + 1);
  return true;
}

bool ParseTp(std::string_view& line, TopicPartition* tp) {
  tp->topic = std::string(Token(line));
  int64_t p = 0;
  if (tp->topic.empty() || !Int(line, &p) || p < 0 || p > INT32_MAX) return false;
  tp->partition = static_cast<int32_t>(p);
  return true;
}

// A position token: a sequence number (digits), "-" for the shard's start.
std::string PositionToken(const std::string& pos) { return pos.empty() ? "-" : pos; }

// An optional trailing position token; absent = "". Sequence numbers are decimal digits.
bool OptionalPosition(std::string_view& line, std::string* out) {
  std::string_view t = Token(line);
  out->clear();
  if (t.empty() || t == "-") return true;
  if (t.find_first_not_of("0123456789") != std::string_view::npos || t.size() > 129) return false;  // the API: 0|([1-9]\d{0,128})
  *out = std::string(t);
  return true;
}

}  // namespace

std::string BatchPlan::Encode() const {
  std::string out(kPlanMagic);
  out += "batch " + std::to_string(batch_id) + "\n";
  for (const auto& r : ranges) {
    out += "r " + r.tp.topic + " " + std::to_string(r.tp.partition) + " " +
           std::to_string(r.start) + " " + std::to_string(r.end);
    // Positions only where there are any, so embedded-log plans keep their form.
    if (!r.start_position.empty() || !r.end_position.empty()) {
      out += " " + PositionToken(r.start_position) + " " + PositionToken(r.end_position);
    }
    out += "\n";
  }
  Seal(out);
  return out;
}

Result<BatchPlan> BatchPlan::Decode(std::string_view bytes) {
  PINPIPE_ASSIGN_OR_RETURN(std::string_view body, Unseal(bytes, kPlanMagic, "stream.plan"));
  BatchPlan p;
  std::string_view line;
  bool have_batch = false;
  while (NextLine(body, &line)) {
    std::string_view tag = Token(line);
    if (tag == "batch") {
      if (!Int(line, &p.batch_id)) return std::unexpected(Corrupt("stream.plan", "bad batch"));
      have_batch = true;
    } else if (tag == "r") {
      PlannedRange r;
      if (!ParseTp(line, &r.tp) || !Int(line, &r.start) || !Int(line, &r.end) || r.end < r.start ||
          !OptionalPosition(line, &r.start_position) || !OptionalPosition(line, &r.end_position) ||
          !Token(line).empty()) {
        return std::unexpected(Corrupt("stream.plan", "bad range"));
      }
      p.ranges.push_back(std::move(r));
    } else {
      return std::unexpected(Corrupt("stream.plan", "unknown line"));
    }
  }
  if (!have_batch || !body.empty()) return std::unexpected(Corrupt("stream.plan", "truncated"));
  return p;
}

std::string CommittedState::Encode() const {
  std::string out(kStateMagic);
  out += "app " + app_id + "\n";
  out += "batch " + std::to_string(batch_id) + "\n";
  for (const auto& [tp, p] : partitions) {
    out += "p " + tp.topic + " " + std::to_string(tp.partition) + " " +
           std::to_string(p.committed) + " " + std::to_string(p.last_record_ms);
    if (!p.position.empty()) out += " " + PositionToken(p.position);
    out += "\n";
  }
  for (size_t i = 0; i < windows.size(); ++i) {
    out += "window " + std::to_string(i) + " " + std::to_string(windows[i].size()) + "\n";
    out += windows[i];
    out += '\n';
  }
  Seal(out);
  return out;
}

Result<CommittedState> CommittedState::Decode(std::string_view bytes) {
  PINPIPE_ASSIGN_OR_RETURN(std::string_view body, Unseal(bytes, kStateMagic, "stream.state"));
  CommittedState s;
  std::string_view line;
  while (NextLine(body, &line)) {
    std::string_view tag = Token(line);
    if (tag == "app") {
      s.app_id = std::string(Token(line));
    } else if (tag == "batch") {
      if (!Int(line, &s.batch_id)) return std::unexpected(Corrupt("stream.state", "bad batch"));
    } else if (tag == "p") {
      TopicPartition tp;
      PartitionProgress p;
      if (!ParseTp(line, &tp) || !Int(line, &p.committed) || !Int(line, &p.last_record_ms) ||
          !OptionalPosition(line, &p.position) || !Token(line).empty()) {
        return std::unexpected(Corrupt("stream.state", "bad partition"));
      }
      s.partitions[std::move(tp)] = p;
    } else if (tag == "window") {
      int64_t i = 0, n = 0;
      if (!Int(line, &i) || !Int(line, &n) || i < 0 || i >= 3 || n < 0 ||
          static_cast<size_t>(n) + 1 > body.size() || body[static_cast<size_t>(n)] != '\n') {
        return std::unexpected(Corrupt("stream.state", "bad window"));
      }
      s.windows[static_cast<size_t>(i)] = std::string(body.substr(0, static_cast<size_t>(n)));
      body.remove_prefix(static_cast<size_t>(n) + 1);
    } else {
      return std::unexpected(Corrupt("stream.state", "unknown line"));
    }
  }
  if (!body.empty() || s.app_id.empty()) return std::unexpected(Corrupt("stream.state", "truncated"));
  return s;
}

Status StateFiles::EnsureDir() {
  if (!dir_made_) {
    PINPIPE_RETURN_IF_ERROR(fs_->MkdirAll(dir_));
    dir_made_ = true;
  }
  return OkStatus();
}

Result<CommittedState> StateFiles::LoadState() {
  const std::string path = JoinPath(dir_, "stream.state");
  if (!fs_->Exists(path)) return CommittedState{};
  PINPIPE_ASSIGN_OR_RETURN(std::string bytes, fs_->ReadFileToString(path));
  return CommittedState::Decode(bytes);
}

Result<std::optional<BatchPlan>> StateFiles::LoadPlan() {
  const std::string path = JoinPath(dir_, "stream.plan");
  if (!fs_->Exists(path)) return std::optional<BatchPlan>();
  PINPIPE_ASSIGN_OR_RETURN(std::string bytes, fs_->ReadFileToString(path));
  PINPIPE_ASSIGN_OR_RETURN(BatchPlan p, BatchPlan::Decode(bytes));
  return std::optional<BatchPlan>(std::move(p));
}

Status StateFiles::SaveState(const CommittedState& s) {
  PINPIPE_RETURN_IF_ERROR(EnsureDir());
  return fs_->WriteFileAtomically(JoinPath(dir_, "stream.state"), s.Encode());
}

Status StateFiles::SavePlan(const BatchPlan& p) {
  PINPIPE_RETURN_IF_ERROR(EnsureDir());
  return fs_->WriteFileAtomically(JoinPath(dir_, "stream.plan"), p.Encode());
}

Status StateFiles::SaveStatus(std::string_view json) {
  PINPIPE_RETURN_IF_ERROR(EnsureDir());
  const std::string path = JoinPath(dir_, "stream.status.json");
  const std::string tmp = path + ".tmp";
  {
    PINPIPE_ASSIGN_OR_RETURN(auto f, fs_->Open(tmp, kOpenWrite | kOpenCreate | kOpenTruncate));
    PINPIPE_RETURN_IF_ERROR(f->PWrite(0, json));
  }
  return fs_->Rename(tmp, path);
}

Result<std::string> StateFiles::LoadStatus() {
  return fs_->ReadFileToString(JoinPath(dir_, "stream.status.json"));
}

}  // namespace pinpipe::stream
