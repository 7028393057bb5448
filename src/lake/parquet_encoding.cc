#include "lake/parquet_encoding.h"

#include <bit>
#include <cstring>

namespace pinpipe::lake {

int BitWidth(uint64_t max_value) { return max_value == 0 ? 0 : 64 - std::countl_zero(max_value); }

namespace {

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

Status Corrupt(const char* what) { return MakeError(ErrorCode::kCorruption, what); }

// Bit-packs values LSB first (Encodings.md: "packed from the least significant bit").
template <typename T>
void PackLsb(const T* v, size_t n, int width, std::string* out) {
  size_t nbytes = (n * width + 7) / 8;
  size_t base = out->size();
  out->resize(base + nbytes, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + base);
  uint64_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; ++i) {
    acc |= static_cast<uint64_t>(v[i]) << bits;
    bits += width;
    while (bits >= 8) {
      dst[o++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) dst[o++] = static_cast<uint8_t>(acc);
}

template <typename T>
void EncodeHybrid(const T* v, size_t n, int width, std::string* out) {
  size_t value_bytes = (width + 7) / 8;
  size_t i = 0;
  while (i < n) {
    // Length of the run of equal values starting at i.
    size_t r = 1;
    while (i + r < n && v[i + r] == v[i]) ++r;
    if (r >= 8 || width == 0) {
      PutVarint(static_cast<uint64_t>(r) << 1, out);
      uint32_t val = static_cast<uint32_t>(v[i]);
      for (size_t k = 0; k < value_bytes; ++k) out->push_back(static_cast<char>((val >> (8 * k)) & 0xff));
      i += r;
      continue;
    }
    // Literal section: up to the next run of >= 8 equal values, then rounded up to a multiple
    // of 8 by borrowing from that run (padding is only allowed at the very end).
    size_t j = i;
    while (j < n) {
      size_t rr = 1;
      while (j + rr < n && v[j + rr] == v[j] && rr < 8) ++rr;
      if (rr >= 8) break;
      j += rr;
    }
    size_t len = j - i;
    if (len % 8 != 0 && j < n) len += 8 - len % 8;  // the run at j has >= 8 values
    if (i + len > n) len = n - i;
    size_t groups = (len + 7) / 8;
    PutVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
    PackLsb(v + i, len, width, out);
    // zero padding to full groups
    size_t written = (len * width + 7) / 8, want = groups * width;
    out->append(want - written, '\0');
    i += len;
  }
}

}  // namespace

void EncodeRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out) {
  EncodeHybrid(values, n, bit_width, out);
}
void EncodeRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  EncodeHybrid(values, n, bit_width, out);
}

Status RleHybridDecoder::NextRun() {
  uint64_t header = 0;
  int shift = 0;
  while (true) {
    if (p_ >= end_) return Corrupt("rle: input ended inside a run header");
    uint8_t b = *p_++;
    if (shift > 56) return Corrupt("rle: run header varint too long");
    header |= static_cast<uint64_t>(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) break;
  }
  if (header & 1) {
    uint64_t groups = header >> 1;
    if (groups == 0) return Corrupt("rle: empty bit-packed run");
    uint64_t bytes = groups * static_cast<uint64_t>(width_);  // 8 values * width bits / 8
    uint64_t avail = static_cast<uint64_t>(end_ - p_);
    literal_ = true;
    bits_ = p_;
    bit_pos_ = 0;
    if (bytes > avail) {
      // Writers may truncate the last run's padding; only the values actually present count.
      remaining_ = width_ ? avail * 8 / width_ : groups * 8;
      p_ = end_;
    } else {
      remaining_ = groups * 8;
      p_ += bytes;
    }
    if (remaining_ == 0) return Corrupt("rle: bit-packed run past end of input");
  } else {
    remaining_ = header >> 1;
    if (remaining_ == 0) return Corrupt("rle: zero-length run");
    size_t vb = (width_ + 7) / 8;
    if (static_cast<size_t>(end_ - p_) < vb) return Corrupt("rle: input ended inside a run value");
    uint32_t v = 0;
    for (size_t k = 0; k < vb; ++k) v |= static_cast<uint32_t>(p_[k]) << (8 * k);
    p_ += vb;
    if (width_ < 32 && (v >> width_) != 0) return Corrupt("rle: run value wider than bit width");
    rle_value_ = v;
    literal_ = false;
  }
  return OkStatus();
}

template <typename T>
Status RleHybridDecoder::DecodeImpl(T* out, size_t n) {
  if (n == 0) return OkStatus();
  if (width_ < 0 || width_ > 32 || (sizeof(T) == 1 && width_ > 8))
    return Corrupt("rle: bit width out of range");
  if (width_ == 0) {
    // Zero-width: all values are 0 (a dictionary of one entry). Runs may still be present.
    std::memset(out, 0, n * sizeof(T));
    return OkStatus();
  }
  size_t done = 0;
  const uint64_t mask = width_ == 32 ? 0xffffffffull : ((1ull << width_) - 1);
  while (done < n) {
    if (remaining_ == 0) PINPIPE_RETURN_IF_ERROR(NextRun());
    size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - done));
    if (!literal_) {
      for (size_t k = 0; k < take; ++k) out[done + k] = static_cast<T>(rle_value_);
    } else {
      for (size_t k = 0; k < take; ++k) {
        uint64_t byte = bit_pos_ >> 3;
        int shift = static_cast<int>(bit_pos_ & 7);
        // gather up to 5 bytes (width <= 32 plus shift <= 7); the run's bytes are in range
        uint64_t word = 0;
        int need = (shift + width_ + 7) / 8;
        for (int q = 0; q < need; ++q) word |= static_cast<uint64_t>(bits_[byte + q]) << (8 * q);
        out[done + k] = static_cast<T>((word >> shift) & mask);
        bit_pos_ += width_;
      }
    }
    remaining_ -= take;
    done += take;
  }
  return OkStatus();
}

Status DecodeBitPackedLegacy(const uint8_t* data, size_t size, int width, uint8_t* out, size_t n) {
  if (width < 0 || width > 8) return Corrupt("bit-packed levels: bit width out of range");
  if ((static_cast<uint64_t>(n) * width + 7) / 8 > size)
    return Corrupt("bit-packed levels: input too short");
  uint64_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < width; ++b, ++pos) {
      int bit = (data[pos >> 3] >> (7 - (pos & 7))) & 1;  // MSB first
      v = (v << 1) | bit;
    }
    out[i] = static_cast<uint8_t>(v);
  }
  return OkStatus();
}

void EncodePlain(const LeafData& d, size_t first, size_t count, std::string* out) {
  if (count == 0) return;
  switch (d.type) {
    case LeafType::kInt32:
      out->append(reinterpret_cast<const char*>(d.i32.data() + first), count * 4);
      break;
    case LeafType::kInt64:
    case LeafType::kTimestamp:
      out->append(reinterpret_cast<const char*>(d.i64.data() + first), count * 8);
      break;
    case LeafType::kDouble:
      out->append(reinterpret_cast<const char*>(d.f64.data() + first), count * 8);
      break;
    case LeafType::kBoolean:
      PackLsb(d.b.data() + first, count, 1, out);
      break;
    case LeafType::kString:
    case LeafType::kBinary: {
      const auto& offs = d.str.offsets();
      const char* bytes = d.str.bytes().data();
      size_t total = offs[first + count] - offs[first] + 4 * count;
      size_t base = out->size();
      // Every byte is written below: no zero-fill first. (The size argument is ignored: GCC
      // 12's libstdc++ passes the grown capacity there, not the requested size.)
      out->resize_and_overwrite(base + total, [&](char* p, size_t) {
        char* dst = p + base;
        for (size_t i = first; i < first + count; ++i) {
          uint32_t len = static_cast<uint32_t>(offs[i + 1] - offs[i]);
          std::memcpy(dst, &len, 4);
          std::memcpy(dst + 4, bytes + offs[i], len);
          dst += 4 + len;
        }
        return base + total;
      });
      break;
    }
    case LeafType::kFloat:
      out->append(reinterpret_cast<const char*>(d.f32.data() + first), count * 4);
      break;
    case LeafType::kFixed: {
      const auto& offs = d.str.offsets();
      out->append(d.str.bytes().data() + offs[first], offs[first + count] - offs[first]);
      break;
    }
    case LeafType::kUnsupported:
    case LeafType::kInt96:  // read side only
      break;
  }
}

int64_t Int96ToMicros(const uint8_t* p) {
  // 8 bytes nanoseconds of the day, then 4 bytes Julian day, little endian; 2440588 = 1970-01-01.
  int64_t nanos;
  int32_t julian;
  std::memcpy(&nanos, p, 8);
  std::memcpy(&julian, p + 8, 4);
  // Any Julian day fits in 128 bits; beyond the int64 µs range (±292,000 years) saturate.
  __int128 micros = nanos / 1000 - (nanos % 1000 < 0 ? 1 : 0);
  __int128 v = (static_cast<__int128>(julian) - 2440588) * 86400000000LL + micros;
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

Status DecodePlain(const uint8_t* data, size_t size, size_t n, LeafData* out, size_t* consumed) {
  auto fixed = [&](auto& vec, size_t width) -> Status {
    if (n > size / width) return Corrupt("plain: page has fewer values than its levels say");
    *consumed = n * width;
    if (n == 0) return OkStatus();  // vec.data() may be null: memcpy must not see it
    size_t old = vec.size();
    vec.resize(old + n);
    std::memcpy(vec.data() + old, data, n * width);
    return OkStatus();
  };
  switch (out->type) {
    case LeafType::kInt32: return fixed(out->i32, 4);
    case LeafType::kInt64:
    case LeafType::kTimestamp: return fixed(out->i64, 8);
    case LeafType::kDouble: return fixed(out->f64, 8);
    case LeafType::kFloat: return fixed(out->f32, 4);
    case LeafType::kInt96: {
      if (n > size / 12) return Corrupt("plain: page has fewer INT96 values than its levels say");
      size_t old = out->i64.size();
      out->i64.resize(old + n);
      for (size_t i = 0; i < n; ++i) out->i64[old + i] = Int96ToMicros(data + 12 * i);
      *consumed = 12 * n;
      return OkStatus();
    }
    case LeafType::kFixed: {
      size_t w = static_cast<size_t>(out->fixed_len);
      if (w == 0) return Corrupt("plain: FIXED_LEN_BYTE_ARRAY without a length");
      if (n > size / w) return Corrupt("plain: page has fewer fixed-length values than its levels say");
      auto& offs = out->str.mutable_offsets();
      auto& bytes = out->str.mutable_bytes();
      bytes.append(reinterpret_cast<const char*>(data), n * w);
      offs.reserve(offs.size() + n);
      uint64_t o = offs.back();
      for (size_t i = 0; i < n; ++i) offs.push_back(o += w);
      *consumed = n * w;
      return OkStatus();
    }
    case LeafType::kBoolean: {
      if ((n + 7) / 8 > size) return Corrupt("plain: page has fewer booleans than its levels say");
      size_t old = out->b.size();
      out->b.resize(old + n);
      for (size_t i = 0; i < n; ++i) out->b[old + i] = (data[i >> 3] >> (i & 7)) & 1;
      *consumed = (n + 7) / 8;
      return OkStatus();
    }
    case LeafType::kString:
    case LeafType::kBinary: {
      auto& offs = out->str.mutable_offsets();
      auto& bytes = out->str.mutable_bytes();
      // Each value has a 4-byte length, so n values need >= 4n bytes: check before reserving.
      if (n > size / 4) return Corrupt("plain: page has fewer strings than its levels say");
      offs.reserve(offs.size() + n);
      bytes.reserve(bytes.size() + size - 4 * n);
      size_t pos = 0;
      for (size_t i = 0; i < n; ++i) {
        if (size - pos < 4) return Corrupt("plain: string length past end of page");
        uint32_t len;
        std::memcpy(&len, data + pos, 4);
        pos += 4;
        if (len > size - pos) return Corrupt("plain: string past end of page");
        bytes.append(reinterpret_cast<const char*>(data + pos), len);
        offs.push_back(bytes.size());
        pos += len;
      }
      *consumed = pos;
      return OkStatus();
    }
    case LeafType::kUnsupported:
      return MakeError(ErrorCode::kUnsupported, "plain: unsupported physical type");
  }
  return OkStatus();
}

}  // namespace pinpipe::lake

namespace pinpipe::lake {
template Status RleHybridDecoder::DecodeImpl<uint8_t>(uint8_t*, size_t);
template Status RleHybridDecoder::DecodeImpl<uint32_t>(uint32_t*, size_t);
}  // namespace pinpipe::lake
