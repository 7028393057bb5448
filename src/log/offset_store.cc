#include "log/offset_store.h"

#include <cstring>

#include "common/crc32c.h"
#include "common/file_system.h"
#include "common/logging.h"
#include "common/mutex.h"
#include "log/record_batch.h"

namespace pinpipe::log {
namespace {

constexpr size_t kFrameHeader = 8;  // u32 length, u32 crc

void PutU16(std::string& out, uint16_t v) {
  char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}
void PutU32(std::string& out, uint32_t v) {
  char b[4];
  WriteBigEndian32(b, static_cast<int32_t>(v));
  out.append(b, 4);
}
void PutU64(std::string& out, int64_t v) {
  char b[8];
  WriteBigEndian64(b, v);
  out.append(b, 8);
}

// payload = group, topic, partition, offset, metadata. offset -1 = deleted.
void AppendFrame(std::string& out, std::string_view group, std::string_view topic,
                 int32_t partition, int64_t offset, std::string_view metadata) {
  size_t start = out.size();
  out.append(kFrameHeader, '\0');
  PutU16(out, static_cast<uint16_t>(group.size()));
  out.append(group);
  PutU16(out, static_cast<uint16_t>(topic.size()));
  out.append(topic);
  PutU32(out, static_cast<uint32_t>(partition));
  PutU64(out, offset);
  PutU32(out, static_cast<uint32_t>(metadata.size()));
  out.append(metadata);
  size_t len = out.size() - start - kFrameHeader;
  uint32_t crc = Crc32c(out.data() + start + kFrameHeader, len);
  WriteBigEndian32(out.data() + start, static_cast<int32_t>(len));
  WriteBigEndian32(out.data() + start + 4, static_cast<int32_t>(crc));
}

bool ParsePayload(std::string_view p, std::string_view* group, std::string_view* topic,
                  int32_t* partition, int64_t* offset, std::string_view* metadata) {
  auto take = [&](size_t n, std::string_view* out) {
    if (p.size() < n) return false;
    *out = p.substr(0, n);
    p.remove_prefix(n);
    return true;
  };
  std::string_view f;
  if (!take(2, &f)) return false;
  if (!take(static_cast<uint16_t>(ReadBigEndian16(f.data())), group)) return false;
  if (!take(2, &f)) return false;
  if (!take(static_cast<uint16_t>(ReadBigEndian16(f.data())), topic)) return false;
  if (!take(4, &f)) return false;
  *partition = ReadBigEndian32(f.data());
  if (!take(8, &f)) return false;
  *offset = ReadBigEndian64(f.data());
  if (!take(4, &f)) return false;
  if (!take(static_cast<uint32_t>(ReadBigEndian32(f.data())), metadata)) return false;
  return p.empty();
}

constexpr size_t kMinPayload = 2 + 2 + 4 + 8 + 4;
// The largest entry this version writes; resynchronisation after damage looks only for
// entries up to this size (older files may hold larger ones, read in sequence).
constexpr size_t kMaxPayload = kMinPayload + kMaxGroupBytes + kMaxTopicNameBytes +
                               kMaxOffsetMetadataBytes;

// The entry framed at `pos`, if its length fits in `data` (and in `max_len`), its payload
// parses and its CRC matches. The CRC is checked last: it is the expensive part.
bool TryEntry(std::string_view data, size_t pos, size_t max_len, OffsetEntry* e, size_t* len) {
  if (data.size() - pos < kFrameHeader) return false;
  const auto n = static_cast<uint32_t>(ReadBigEndian32(data.data() + pos));
  if (n < kMinPayload || n > max_len || n > data.size() - pos - kFrameHeader) return false;
  std::string_view payload = data.substr(pos + kFrameHeader, n);
  if (!ParsePayload(payload, &e->group, &e->topic, &e->partition, &e->offset, &e->metadata)) {
    return false;
  }
  if (Crc32c(payload) != static_cast<uint32_t>(ReadBigEndian32(data.data() + pos + 4))) {
    return false;
  }
  *len = n;
  return true;
}

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

// What a damaged entry at `pos` seems to name, ignoring its CRC (best effort).
void GuessLost(std::string_view data, size_t pos, size_t end, OffsetDamage* d) {
  if (end - pos < kFrameHeader) return;
  const auto n = static_cast<uint32_t>(ReadBigEndian32(data.data() + pos));
  if (n < kMinPayload || n > end - pos - kFrameHeader) return;
  OffsetEntry e;
  if (!ParsePayload(data.substr(pos + kFrameHeader, n), &e.group, &e.topic, &e.partition,
                    &e.offset, &e.metadata)) {
    return;
  }
  d->probably_lost.push_back(Printable(e.group) + "/" + Printable(e.topic) + "/" +
                             std::to_string(e.partition));
}

}  // namespace

OffsetReplay ReplayOffsetEntries(std::string_view data,
                                 const std::function<void(const OffsetEntry&)>& on_entry) {
  OffsetReplay r;
  size_t pos = 0;
  OffsetEntry e;
  size_t len = 0;
  while (pos < data.size()) {
    if (TryEntry(data, pos, UINT32_MAX, &e, &len)) {
      on_entry(e);
      ++r.entries;
      pos += kFrameHeader + len;
      r.good_end = pos;
      continue;
    }
    // Damage: resynchronise on the next position where an entry checks.
    size_t next = pos + 1;
    while (next < data.size() && !TryEntry(data, next, kMaxPayload, &e, &len)) ++next;
    OffsetDamage d;
    d.position = pos;
    d.bytes = next - pos;
    d.tail = next >= data.size();
    GuessLost(data, pos, next, &d);
    r.damage.push_back(std::move(d));
    pos = next;
  }
  return r;
}

Status ValidateOffsetCommit(std::string_view group, const OffsetCommit& c) {
  if (group.empty() || group.size() > kMaxGroupBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "INVALID_GROUP_ID: group names are 1.." + std::to_string(kMaxGroupBytes) +
                         " bytes");
  }
  if (c.topic.empty() || c.topic.size() > kMaxTopicNameBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "INVALID_TOPIC_EXCEPTION: topic names are 1..249 bytes");
  }
  if (c.partition < 0) {
    return MakeError(ErrorCode::kNotFound, "UNKNOWN_TOPIC_OR_PARTITION: partition " +
                                               std::to_string(c.partition));
  }
  if (c.offset < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "invalid offset " + std::to_string(c.offset));
  }
  if (c.metadata.size() > kMaxOffsetMetadataBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "OFFSET_METADATA_TOO_LARGE: metadata of " + std::to_string(c.metadata.size()) +
                         " bytes exceeds offset.metadata.max.bytes (" +
                         std::to_string(kMaxOffsetMetadataBytes) + ")");
  }
  return OkStatus();
}

OffsetStore::OffsetStore(FileSystem* fs, std::string state_dir)
    : fs_(fs), dir_(std::move(state_dir)), path_(JoinPath(dir_, "consumer_offsets.log")) {}

OffsetStore::~OffsetStore() = default;

Result<std::unique_ptr<OffsetStore>> OffsetStore::Open(FileSystem* fs, std::string state_dir) {
  PINPIPE_RETURN_IF_ERROR(fs->MkdirAll(state_dir));
  std::unique_ptr<OffsetStore> s(new OffsetStore(fs, std::move(state_dir)));
  PINPIPE_RETURN_IF_ERROR(s->Load());
  return s;
}

Status OffsetStore::Load() {
  MutexLock lock(mu_);
  bool existed = fs_->Exists(path_);
  PINPIPE_ASSIGN_OR_RETURN(file_, fs_->Open(path_, kOpenWrite | kOpenCreate));
  if (!existed) PINPIPE_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  PINPIPE_ASSIGN_OR_RETURN(uint64_t size, file_->Size());
  std::string data(size, '\0');
  PINPIPE_ASSIGN_OR_RETURN(size_t n, file_->PRead(0, data.data(), size));
  data.resize(n);
  load_report_ = ReplayOffsetEntries(data, [&](const OffsetEntry& e) {
    mu_.AssertHeld();  // called back before ReplayOffsetEntries returns
    Key key{std::string(e.group), std::string(e.topic), e.partition};
    if (e.offset < 0) {
      offsets_.erase(key);
    } else {
      offsets_[std::move(key)] = CommittedOffset{e.offset, std::string(e.metadata)};
    }
  });
  bool damaged_inside = false;
  for (const OffsetDamage& d : load_report_.damage) {
    std::string lost;
    for (const auto& l : d.probably_lost) lost += (lost.empty() ? "" : ", ") + l;
    if (lost.empty()) lost = "unidentifiable entries";
    if (d.tail) {
      // A torn tail from a crash during a commit that never returned.
      spdlog::warn("offsets: {}: cut a torn tail of {} bytes at position {} (lost: {})", path_,
                   d.bytes, d.position, lost);
    } else {
      damaged_inside = true;
      spdlog::error(
          "offsets: {}: damaged entries skipped at position {} ({} bytes; lost: {}); the "
          "entries after them are kept; those consumer groups resume from an older commit "
          "or auto.offset.reset",
          path_, d.position, d.bytes, lost);
    }
  }
  file_size_ = load_report_.good_end;
  live_bytes_ = 0;
  for (const auto& [k, v] : offsets_) {
    live_bytes_ += kFrameHeader + 20 + std::get<0>(k).size() + std::get<1>(k).size() +
                   v.metadata.size();
  }
  if (damaged_inside) {
    // Keep the damaged bytes for inspection, then rewrite the store from what survived.
    PINPIPE_RETURN_IF_ERROR(fs_->WriteFileAtomically(path_ + ".damaged", data));
    spdlog::error("offsets: the damaged file was saved as {}.damaged", path_);
    return MaybeCompact(/*force=*/true);
  }
  if (file_size_ < data.size()) {
    PINPIPE_RETURN_IF_ERROR(file_->Truncate(file_size_));
    PINPIPE_RETURN_IF_ERROR(file_->DataSync());
  }
  return MaybeCompact();
}

Status OffsetStore::AppendEntries(std::string_view payloads) {
  // Writes may land while another caller's fdatasync runs; sequence numbers tell which
  // writes a finished sync covers (all those issued before it started).
  if (Status st = file_->PWrite(file_size_, payloads); !st) {
    (void)file_->Truncate(file_size_);  // no half entry in front of the next one
    return st;
  }
  file_size_ += payloads.size();
  const uint64_t my_seq = ++written_seq_;
  while (synced_seq_ < my_seq) {
    if (syncing_) {
      sync_cv_.Wait(mu_);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_seq_;
    File* file = file_.get();
    mu_.unlock();
    Status st = file->DataSync();
    mu_.lock();
    syncing_ = false;
    sync_cv_.NotifyAll();
    if (!st) return st;
    synced_seq_ = std::max(synced_seq_, target);
  }
  return OkStatus();
}

Status OffsetStore::Commit(std::string_view group, std::span<const OffsetCommit> commits) {
  std::string buf;
  for (const auto& c : commits) {
    PINPIPE_RETURN_IF_ERROR(ValidateOffsetCommit(group, c));
    AppendFrame(buf, group, c.topic, c.partition, c.offset, c.metadata);
  }
  MutexLock lock(mu_);
  if (Status st = AppendEntries(buf); !st) {
    commit_errors_.fetch_add(1, std::memory_order_relaxed);
    return st;
  }
  commits_.fetch_add(commits.size(), std::memory_order_relaxed);
  for (const auto& c : commits) {
    Key key{std::string(group), std::string(c.topic), c.partition};
    auto it = offsets_.find(key);
    if (it == offsets_.end()) {
      live_bytes_ += kFrameHeader + 20 + group.size() + c.topic.size() + c.metadata.size();
      offsets_.emplace(std::move(key), CommittedOffset{c.offset, std::string(c.metadata)});
    } else {
      it->second = CommittedOffset{c.offset, std::string(c.metadata)};
    }
  }
  return MaybeCompact();
}

Status OffsetStore::MaybeCompact(bool force) {
  if (!force && (syncing_ || file_size_ < (1u << 20) || file_size_ < 2 * live_bytes_)) {
    return OkStatus();
  }
  std::string buf;
  for (const auto& [k, v] : offsets_) {
    AppendFrame(buf, std::get<0>(k), std::get<1>(k), std::get<2>(k), v.offset, v.metadata);
  }
  PINPIPE_RETURN_IF_ERROR(fs_->WriteFileAtomically(path_, buf));
  PINPIPE_ASSIGN_OR_RETURN(file_, fs_->Open(path_, kOpenWrite));
  file_size_ = buf.size();
  live_bytes_ = buf.size();
  return OkStatus();
}

std::optional<CommittedOffset> OffsetStore::Fetch(std::string_view group, std::string_view topic,
                                                  int32_t partition) const {
  MutexLock lock(mu_);
  auto it = offsets_.find(std::make_tuple(group, topic, partition));
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::tuple<std::string, int32_t, CommittedOffset>> OffsetStore::FetchAll(
    std::string_view group) const {
  MutexLock lock(mu_);
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> out;
  for (auto it = offsets_.lower_bound(std::make_tuple(group, std::string_view(), INT32_MIN));
       it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
    out.emplace_back(std::get<1>(it->first), std::get<2>(it->first), it->second);
  }
  return out;
}

std::vector<std::string> OffsetStore::Groups() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : offsets_) {
    if (out.empty() || out.back() != std::get<0>(k)) out.push_back(std::get<0>(k));
  }
  return out;
}

void OffsetStore::RenderPrometheus(std::string& out) const {
  uint64_t damaged = 0, bytes = 0;
  for (const auto& d : load_report_.damage) {
    damaged += d.tail ? 0 : 1;
    bytes += d.bytes;
  }
  out += "# HELP pinpipe_offsets_committed_total Consumer-group offsets committed durably.\n"
         "# TYPE pinpipe_offsets_committed_total counter\n"
         "pinpipe_offsets_committed_total " + std::to_string(commits_.load()) + "\n"
         "# HELP pinpipe_offsets_commit_errors_total Offset commits that failed to write or sync.\n"
         "# TYPE pinpipe_offsets_commit_errors_total counter\n"
         "pinpipe_offsets_commit_errors_total " + std::to_string(commit_errors_.load()) + "\n"
         "# HELP pinpipe_offsets_damaged_entries_total Damaged stretches of the offsets file "
         "skipped at start-up (torn tails not counted).\n"
         "# TYPE pinpipe_offsets_damaged_entries_total counter\n"
         "pinpipe_offsets_damaged_entries_total " + std::to_string(damaged) + "\n"
         "# HELP pinpipe_offsets_damaged_bytes_total Bytes of the offsets file skipped or cut at "
         "start-up.\n"
         "# TYPE pinpipe_offsets_damaged_bytes_total counter\n"
         "pinpipe_offsets_damaged_bytes_total " + std::to_string(bytes) + "\n";
}

Status OffsetStore::DeleteGroup(std::string_view group) {
  MutexLock lock(mu_);
  std::string buf;
  std::vector<Key> keys;
  for (auto it = offsets_.lower_bound(std::make_tuple(group, std::string_view(), INT32_MIN));
       it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
    AppendFrame(buf, group, std::get<1>(it->first), std::get<2>(it->first), -1, {});
    keys.push_back(it->first);
  }
  if (keys.empty()) return OkStatus();
  PINPIPE_RETURN_IF_ERROR(AppendEntries(buf));
  for (const auto& k : keys) {
    live_bytes_ -= std::min<uint64_t>(live_bytes_, kFrameHeader + 20 + std::get<0>(k).size() +
                                                      std::get<1>(k).size() +
                                                      offsets_[k].metadata.size());
    offsets_.erase(k);
  }
  return OkStatus();
}

Status OffsetStore::DeleteTopic(std::string_view topic) {
  MutexLock lock(mu_);
  std::string buf;
  std::vector<Key> keys;
  for (const auto& [k, v] : offsets_) {  // keyed by group first: a full walk (rare)
    if (std::get<1>(k) != topic) continue;
    AppendFrame(buf, std::get<0>(k), topic, std::get<2>(k), -1, {});
    keys.push_back(k);
  }
  if (keys.empty()) return OkStatus();
  PINPIPE_RETURN_IF_ERROR(AppendEntries(buf));
  for (const auto& k : keys) {
    live_bytes_ -= std::min<uint64_t>(live_bytes_, kFrameHeader + 20 + std::get<0>(k).size() +
                                                      std::get<1>(k).size() +
                                                      offsets_[k].metadata.size());
    offsets_.erase(k);
  }
  return OkStatus();
}

}  // namespace pinpipe::log
