#include "pinterest/dedup_window.h"

#include <bit>
#include <cstring>

#include "common/crc32c.h"

namespace pinpipe::pinterest {

namespace {

constexpr Fingerprint kEmpty{0, 0};
// Zero is the empty-slot marker; a real all-zero fingerprint is stored as this instead.
constexpr Fingerprint kZeroStandIn{0x9e3779b97f4a7c15ull, 0xf39cc0605cedc834ull};
Fingerprint Canon(const Fingerprint& fp) { return fp == kEmpty ? kZeroStandIn : fp; }

constexpr std::string_view kMagic = "PPDEDUP1";

void PutU64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace

FingerprintSet::FingerprintSet(size_t expected) { Reserve(expected); }

void FingerprintSet::Reserve(size_t expected) {
  const size_t n = std::bit_ceil(std::max<size_t>(16, expected * 2));
  if (n > slots_.size()) Rehash(n);
}

void FingerprintSet::Rehash(size_t slots) {
  std::vector<Fingerprint> old = std::move(slots_);
  slots_.assign(slots, kEmpty);
  mask_ = slots_.size() - 1;
  for (const Fingerprint& fp : old) {
    if (fp == kEmpty) continue;
    size_t i = Slot(fp);
    while (!(slots_[i] == kEmpty)) i = (i + 1) & mask_;
    slots_[i] = fp;
  }
}

bool FingerprintSet::Insert(const Fingerprint& raw) {
  const Fingerprint fp = Canon(raw);
  if ((size_ + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
  size_t i = Slot(fp);
  while (!(slots_[i] == kEmpty)) {
    if (slots_[i] == fp) return false;
    i = (i + 1) & mask_;
  }
  slots_[i] = fp;
  ++size_;
  return true;
}

bool FingerprintSet::Contains(const Fingerprint& raw) const {
  const Fingerprint fp = Canon(raw);
  size_t i = Slot(fp);
  while (!(slots_[i] == kEmpty)) {
    if (slots_[i] == fp) return true;
    i = (i + 1) & mask_;
  }
  return false;
}

void FingerprintSet::Erase(const Fingerprint& raw) {
  const Fingerprint fp = Canon(raw);
  size_t i = Slot(fp);
  while (!(slots_[i] == fp)) {
    if (slots_[i] == kEmpty) return;
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion: pull later members of the probe run into the hole so that no
  // lookup stops early at it.
  size_t hole = i;
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (slots_[j] == kEmpty) break;
    const size_t home = Slot(slots_[j]);
    // Move slots_[j] into the hole unless its home lies cyclically in (hole, j].
    const bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!home_in_range) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole] = kEmpty;
  --size_;
}

DedupWindow::DedupWindow(size_t capacity)
    : ring_(std::max<size_t>(1, capacity)), set_(std::max<size_t>(1, capacity)) {}

bool DedupWindow::Insert(const Fingerprint& fp) {
  if (set_.Contains(fp)) return false;
  if (count_ == ring_.size()) {
    set_.Erase(ring_[head_]);
    ring_[head_] = fp;
    head_ = (head_ + 1) % ring_.size();
  } else {
    ring_[(head_ + count_) % ring_.size()] = fp;
    ++count_;
  }
  set_.Insert(fp);
  return true;
}

std::string DedupWindow::Serialize() const {
  std::string out;
  out.reserve(kMagic.size() + 16 + count_ * 16 + 4);
  out.append(kMagic);
  PutU64(out, ring_.size());
  PutU64(out, count_);
  for (size_t k = 0; k < count_; ++k) {
    const Fingerprint& fp = ring_[(head_ + k) % ring_.size()];
    PutU64(out, fp.lo);
    PutU64(out, fp.hi);
  }
  const uint32_t crc = Crc32c(out);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

Result<DedupWindow> DedupWindow::Deserialize(std::string_view bytes, size_t capacity) {
  const size_t header = kMagic.size() + 16;
  if (bytes.size() < header + 4 || bytes.substr(0, kMagic.size()) != kMagic)
    return MakeError(ErrorCode::kCorruption, "dedup window: bad header");
  const uint64_t stored_capacity = GetU64(bytes.data() + kMagic.size());
  const uint64_t count = GetU64(bytes.data() + kMagic.size() + 8);
  if (count > stored_capacity || count > (bytes.size() - header - 4) / 16 ||
      bytes.size() != header + count * 16 + 4)
    return MakeError(ErrorCode::kCorruption, "dedup window: bad length");
  const uint32_t want = Crc32c(bytes.data(), bytes.size() - 4);
  const uint32_t got = static_cast<uint32_t>(GetU64(std::string(bytes.substr(bytes.size() - 4)).append(4, '\0').data()));
  if (want != got) return MakeError(ErrorCode::kCorruption, "dedup window: checksum mismatch");
  DedupWindow w(capacity ? capacity : static_cast<size_t>(std::max<uint64_t>(1, stored_capacity)));
  const size_t skip = count > w.capacity() ? count - w.capacity() : 0;  // keep the newest
  for (size_t k = skip; k < count; ++k) {
    const char* p = bytes.data() + header + k * 16;
    w.Insert(Fingerprint{GetU64(p), GetU64(p + 8)});
  }
  return w;
}

}  // namespace pinpipe::pinterest
