#include "log/offset_store.h"

#include <cstring>

#include "common/crc32c.h"
#include "common/file_system.h"
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

}  // namespace

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
  std::lock_guard lock(mu_);
  bool existed = fs_->Exists(path_);
  PINPIPE_ASSIGN_OR_RETURN(file_, fs_->Open(path_, kOpenWrite | kOpenCreate));
  if (!existed) PINPIPE_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  PINPIPE_ASSIGN_OR_RETURN(uint64_t size, file_->Size());
  std::string data(size, '\0');
  PINPIPE_ASSIGN_OR_RETURN(size_t n, file_->PRead(0, data.data(), size));
  data.resize(n);
  size_t pos = 0;
  while (data.size() - pos >= kFrameHeader) {
    auto len = static_cast<uint32_t>(ReadBigEndian32(data.data() + pos));
    auto crc = static_cast<uint32_t>(ReadBigEndian32(data.data() + pos + 4));
    if (len > data.size() - pos - kFrameHeader) break;
    std::string_view payload(data.data() + pos + kFrameHeader, len);
    if (Crc32c(payload) != crc) break;
    std::string_view group, topic, metadata;
    int32_t partition;
    int64_t offset;
    if (!ParsePayload(payload, &group, &topic, &partition, &offset, &metadata)) break;
    Key key{std::string(group), std::string(topic), partition};
    if (offset < 0) {
      offsets_.erase(key);
    } else {
      offsets_[std::move(key)] = CommittedOffset{offset, std::string(metadata)};
    }
    pos += kFrameHeader + len;
  }
  if (pos < data.size()) {
    // A torn tail from a crash during a commit that never returned: drop it.
    PINPIPE_RETURN_IF_ERROR(file_->Truncate(pos));
    PINPIPE_RETURN_IF_ERROR(file_->DataSync());
  }
  file_size_ = pos;
  live_bytes_ = 0;
  for (const auto& [k, v] : offsets_) {
    live_bytes_ += kFrameHeader + 20 + std::get<0>(k).size() + std::get<1>(k).size() +
                   v.metadata.size();
  }
  return MaybeCompact();
}

Status OffsetStore::AppendEntries(std::unique_lock<std::mutex>& lock,
                                  std::string_view payloads) {
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
      sync_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_seq_;
    File* file = file_.get();
    lock.unlock();
    Status st = file->DataSync();
    lock.lock();
    syncing_ = false;
    sync_cv_.notify_all();
    if (!st) return st;
    synced_seq_ = std::max(synced_seq_, target);
  }
  return OkStatus();
}

Status OffsetStore::Commit(std::string_view group, std::span<const OffsetCommit> commits) {
  if (group.size() > 65535) return MakeError(ErrorCode::kInvalidArgument, "group id too long");
  std::string buf;
  for (const auto& c : commits) {
    if (c.topic.size() > 65535 || c.offset < 0) {
      return MakeError(ErrorCode::kInvalidArgument, "invalid offset commit");
    }
    AppendFrame(buf, group, c.topic, c.partition, c.offset, c.metadata);
  }
  std::unique_lock lock(mu_);
  PINPIPE_RETURN_IF_ERROR(AppendEntries(lock, buf));
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

Status OffsetStore::MaybeCompact() {
  if (syncing_ || file_size_ < (1u << 20) || file_size_ < 2 * live_bytes_) return OkStatus();
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
  std::lock_guard lock(mu_);
  auto it = offsets_.find(std::make_tuple(group, topic, partition));
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::tuple<std::string, int32_t, CommittedOffset>> OffsetStore::FetchAll(
    std::string_view group) const {
  std::lock_guard lock(mu_);
  std::vector<std::tuple<std::string, int32_t, CommittedOffset>> out;
  for (auto it = offsets_.lower_bound(std::make_tuple(group, std::string_view(), INT32_MIN));
       it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
    out.emplace_back(std::get<1>(it->first), std::get<2>(it->first), it->second);
  }
  return out;
}

std::vector<std::string> OffsetStore::Groups() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : offsets_) {
    if (out.empty() || out.back() != std::get<0>(k)) out.push_back(std::get<0>(k));
  }
  return out;
}

Status OffsetStore::DeleteGroup(std::string_view group) {
  std::unique_lock lock(mu_);
  std::string buf;
  std::vector<Key> keys;
  for (auto it = offsets_.lower_bound(std::make_tuple(group, std::string_view(), INT32_MIN));
       it != offsets_.end() && std::get<0>(it->first) == group; ++it) {
    AppendFrame(buf, group, std::get<1>(it->first), std::get<2>(it->first), -1, {});
    keys.push_back(it->first);
  }
  if (keys.empty()) return OkStatus();
  PINPIPE_RETURN_IF_ERROR(AppendEntries(lock, buf));
  for (const auto& k : keys) {
    live_bytes_ -= std::min<uint64_t>(live_bytes_, kFrameHeader + 20 + std::get<0>(k).size() +
                                                      std::get<1>(k).size() +
                                                      offsets_[k].metadata.size());
    offsets_.erase(k);
  }
  return OkStatus();
}

}  // namespace pinpipe::log
