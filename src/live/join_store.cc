#include "live/join_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <new>

#include "pinterest/flat_hash.h"

namespace pinpipe::live {

namespace {

// An unlinked read-write file in `dir`: it lives as long as the descriptor.
int OpenAnonymous(const std::string& dir, std::string* error) {
  int fd = -1;
#ifdef O_TMPFILE
  fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
#endif
  std::string path = dir + "/join-XXXXXX";
  fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = "creating a file in " + dir + ": " + std::strerror(errno);
    return -1;
  }
  ::unlink(path.c_str());
  return fd;
}

}  // namespace

JoinStore::JoinStore(JoinStoreOptions options) {
  std::string dir = options.dir;
  std::error_code ec;
  if (dir.empty()) dir = std::filesystem::temp_directory_path(ec).string();
  if (dir.empty()) dir = "/tmp";
  std::filesystem::create_directories(dir, ec);
  std::string error;
  for (int& fd : fds_) {
    fd = OpenAnonymous(dir, &error);
    if (fd < 0) {
      Fail("live join store: " + error);
      return;
    }
  }
  frames_ = std::bit_floor(std::max<size_t>(2, options.cache_bytes / kPageBytes));
  data_ = std::make_unique_for_overwrite<std::byte[]>(frames_ * kPageBytes);
  tags_.assign(frames_, kNoPage);
  dirty_.assign(frames_, 0);
  for (uint64_t b = 0; b < kInitialBuckets; ++b) Fresh(static_cast<uint32_t>(b));
  buckets_ = kInitialBuckets;
}

JoinStore::~JoinStore() {
  for (int fd : fds_) {
    if (fd >= 0) ::close(fd);
  }
}

void JoinStore::Fail(std::string what) {
  if (ok()) status_ = MakeError(ErrorCode::kInternal, std::move(what));
}

uint64_t JoinStore::BucketOf(int64_t ind) const {
  const uint64_t h = pinterest::MixHash64(static_cast<uint64_t>(ind / kIndsPerGroup));
  const uint64_t low = kInitialBuckets << level_;  // a power of two
  uint64_t b = h & (low - 1);
  if (b < split_) b = h & (2 * low - 1);  // already split this round
  return b;
}

JoinStore::Page* JoinStore::Frame(uint32_t ref, bool read) {
  const size_t f = pinterest::MixHash64(ref) & (frames_ - 1);
  auto* page = reinterpret_cast<Page*>(data_.get() + f * kPageBytes);
  if (tags_[f] == ref) {
    if (!read) {
      page->count = 0;
      page->next = kNoPage;
      dirty_[f] = 1;
    }
    return page;
  }
  const auto offset = [](uint32_t r) { return static_cast<off_t>(r & ~kOverflow) * static_cast<off_t>(kPageBytes); };
  if (tags_[f] != kNoPage && dirty_[f]) {
    const uint32_t old = tags_[f];
    if (::pwrite(fds_[(old & kOverflow) ? 1 : 0], page, kPageBytes, offset(old)) != static_cast<ssize_t>(kPageBytes)) {
      Fail(std::string("live join store: writing a page: ") + std::strerror(errno));
      return nullptr;
    }
    ++writes_;
  }
  tags_[f] = kNoPage;
  dirty_[f] = 0;
  if (read) {
    if (::pread(fds_[(ref & kOverflow) ? 1 : 0], page, kPageBytes, offset(ref)) != static_cast<ssize_t>(kPageBytes)) {
      Fail(std::string("live join store: reading a page: ") + std::strerror(errno));
      return nullptr;
    }
    ++reads_;
  } else {
    page->count = 0;
    page->next = kNoPage;
    dirty_[f] = 1;
  }
  tags_[f] = ref;
  return page;
}

JoinStore::Page* JoinStore::Get(uint32_t ref) { return ok() ? Frame(ref, true) : nullptr; }

JoinStore::Page* JoinStore::Fresh(uint32_t ref) { return ok() ? Frame(ref, false) : nullptr; }

void JoinStore::Append(uint32_t last, const JoinEntry& e) {
  Page* p = Get(last);
  if (!p) return;
  const size_t f = pinterest::MixHash64(last) & (frames_ - 1);
  dirty_[f] = 1;
  if (p->count < kPerPage) {
    p->entries[p->count++] = e;
    return;
  }
  uint32_t ref;
  if (!free_overflow_.empty()) {
    ref = free_overflow_.back();
    free_overflow_.pop_back();
  } else {
    if (overflow_pages_ >= kOverflow) return Fail("live join store: more than 2^31 overflow pages");
    ref = static_cast<uint32_t>(overflow_pages_++) | kOverflow;
  }
  p->next = ref;  // `last` is dirty already
  Page* q = Fresh(ref);
  if (!q) return;
  q->entries[q->count++] = e;
}

void JoinStore::MaybeSplit() {
  if (static_cast<double>(entries_) <= kFill * static_cast<double>(buckets_ * kPerPage)) return;
  if (buckets_ + 1 >= kOverflow) return;  // 8 TiB of buckets: stop growing, chains lengthen
  const uint64_t low = kInitialBuckets << level_;
  const auto from = static_cast<uint32_t>(split_), to = static_cast<uint32_t>(split_ + low);
  // Take the chain out, leave `from` an empty primary page, and re-add each entry by the
  // address after the split: it stays in `from` or moves to `to`.
  scratch_.clear();
  for (uint32_t ref = from; ref != kNoPage;) {
    const Page* p = Get(ref);
    if (!p) return;
    scratch_.insert(scratch_.end(), p->entries, p->entries + p->count);
    const uint32_t next = p->next;
    if (ref != from) free_overflow_.push_back(ref);
    ref = next;
  }
  if (!Fresh(from) || !Fresh(to)) return;
  ++buckets_;
  if (++split_ == low) {
    ++level_;
    split_ = 0;
  }
  // Each target's chain tail, found once (the chains start empty).
  uint32_t tail[2] = {from, to};
  for (const JoinEntry& e : scratch_) {
    uint32_t& t = tail[BucketOf(e.ind) == from ? 0 : 1];
    Append(t, e);
    if (Page* p = Get(t); p && p->next != kNoPage) t = p->next;
  }
}

}  // namespace pinpipe::live
