#include "lake/parquet_delta_encoding.h"

#include <cstring>
#include <string_view>

#include "lake/parquet_encoding.h"
#include "lake/parquet_format.h"

namespace pinpipe::lake {

namespace {

Status Corrupt(const std::string& what) { return MakeError(ErrorCode::kCorruption, what); }

struct ByteReader {
  const uint8_t* p;
  const uint8_t* end;

  bool Uleb(uint64_t* v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (p >= end) return false;
      uint8_t b = *p++;
      if (shift == 63 && (b & 0x7e)) return false;  // more than 64 bits
      r |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        *v = r;
        return true;
      }
    }
    return false;
  }
  bool Zigzag(uint64_t* v) {
    uint64_t u;
    if (!Uleb(&u)) return false;
    *v = (u >> 1) ^ (~(u & 1) + 1);
    return true;
  }
};

// width bits at bit offset pos, least significant bit first (the RLE bit-packing order).
// The caller guarantees ceil((pos % 8 + width) / 8) bytes are readable at p + pos / 8.
inline uint64_t ReadBits(const uint8_t* p, uint64_t pos, int width) {
  const uint8_t* b = p + (pos >> 3);
  int shift = static_cast<int>(pos & 7);
  int nbytes = (shift + width + 7) / 8;
  unsigned __int128 acc = 0;
  for (int i = 0; i < nbytes; ++i) acc |= static_cast<unsigned __int128>(b[i]) << (8 * i);
  acc >>= shift;
  return width == 64 ? static_cast<uint64_t>(acc) : static_cast<uint64_t>(acc) & ((uint64_t{1} << width) - 1);
}

// DELTA_LENGTH_BYTE_ARRAY: the n values as views into data.
Status DecodeLengthPrefixed(const uint8_t* data, size_t size, size_t n, std::vector<std::string_view>* out,
                            size_t* consumed) {
  std::vector<uint64_t> lengths;
  size_t used = 0;
  PINPIPE_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &lengths, &used));
  size_t pos = used;
  out->clear();
  out->reserve(n);
  for (size_t i = 0; i < n; ++i) {
    auto len = static_cast<int32_t>(lengths[i]);
    if (len < 0 || static_cast<size_t>(len) > size - pos)
      return Corrupt("delta length byte array: value past end of page");
    out->emplace_back(reinterpret_cast<const char*>(data + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
  }
  *consumed = pos;
  return OkStatus();
}

Status CheckFixed(const LeafData& out, size_t len) {
  if (out.type == LeafType::kFixed && len != static_cast<size_t>(out.fixed_len))
    return Corrupt("FIXED_LEN_BYTE_ARRAY value of the wrong length");
  return OkStatus();
}

bool IsBytes(LeafType t) { return t == LeafType::kString || t == LeafType::kBinary || t == LeafType::kFixed; }

}  // namespace

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, std::vector<uint64_t>* out,
                               size_t* consumed) {
  ByteReader r{data, data + size};
  uint64_t block_size, miniblocks, total, first;
  if (!r.Uleb(&block_size) || !r.Uleb(&miniblocks) || !r.Uleb(&total) || !r.Zigzag(&first))
    return Corrupt("delta binary packed: header past end of page");
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0)
    return Corrupt("delta binary packed: bad block size " + std::to_string(block_size) + " / miniblocks " +
                   std::to_string(miniblocks));
  if (total < n) return Corrupt("delta binary packed: fewer values than the page needs");
  const uint64_t per_mini = block_size / miniblocks;
  out->reserve(out->size() + n);
  size_t emitted = 0;
  uint64_t last = first;
  if (total > 0 && n > 0) {
    out->push_back(first);
    ++emitted;
  }
  uint64_t remaining = total == 0 ? 0 : total - 1;
  while (remaining > 0) {
    uint64_t min_delta;
    if (!r.Zigzag(&min_delta)) return Corrupt("delta binary packed: block header past end of page");
    if (static_cast<uint64_t>(r.end - r.p) < miniblocks) return Corrupt("delta binary packed: bit widths past end of page");
    const uint8_t* widths = r.p;
    r.p += miniblocks;
    for (uint64_t m = 0; m < miniblocks && remaining > 0; ++m) {
      int w = widths[m];
      if (w > 64) return Corrupt("delta binary packed: bit width above 64");
      uint64_t take = std::min(per_mini, remaining);
      uint64_t full = per_mini * static_cast<uint64_t>(w) / 8;
      uint64_t need = (take * static_cast<uint64_t>(w) + 7) / 8;
      uint64_t avail = static_cast<uint64_t>(r.end - r.p);
      // The last miniblock is padded to full size by every writer we know; accept it unpadded.
      if (need > avail) return Corrupt("delta binary packed: miniblock past end of page");
      for (uint64_t k = 0; k < take; ++k) {
        last += min_delta + (w == 0 ? 0 : ReadBits(r.p, k * static_cast<uint64_t>(w), w));
        if (emitted < n) {
          out->push_back(last);
          ++emitted;
        }
      }
      r.p += std::min(full, avail);
      remaining -= take;
    }
  }
  *consumed = static_cast<size_t>(r.p - data);
  return OkStatus();
}

Status DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t n, LeafData* out) {
  auto unsupported = [&] {
    return MakeError(ErrorCode::kUnsupported, "value encoding " + std::to_string(encoding) + " does not apply to " +
                                                  LeafTypeName(out->type) + " values");
  };
  switch (encoding) {
    case format::kPlain: {
      size_t used = 0;
      return DecodePlain(data, size, n, out, &used);
    }
    case format::kRle: {  // booleans only: 4-byte length, then the hybrid with bit width 1
      if (out->type != LeafType::kBoolean) return unsupported();
      if (n == 0) return OkStatus();
      if (size < 4) return Corrupt("rle booleans: length past end of page");
      uint32_t len;
      std::memcpy(&len, data, 4);
      if (len > size - 4) return Corrupt("rle booleans: data past end of page");
      size_t old = out->b.size();
      out->b.resize(old + n);
      RleHybridDecoder dec(data + 4, len, 1);
      return dec.Decode(out->b.data() + old, n);
    }
    case format::kDeltaBinaryPacked: {
      if (out->type != LeafType::kInt32 && out->type != LeafType::kInt64 && out->type != LeafType::kTimestamp)
        return unsupported();
      std::vector<uint64_t> v;
      size_t used = 0;
      PINPIPE_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &v, &used));
      if (out->type == LeafType::kInt32) {
        for (uint64_t x : v) out->i32.push_back(static_cast<int32_t>(static_cast<uint32_t>(x)));
      } else {
        for (uint64_t x : v) out->i64.push_back(static_cast<int64_t>(x));
      }
      return OkStatus();
    }
    case format::kDeltaLengthByteArray:
    case format::kDeltaByteArray: {
      if (!IsBytes(out->type)) return unsupported();
      if (encoding == format::kDeltaLengthByteArray && out->type == LeafType::kFixed) return unsupported();
      std::vector<std::string_view> parts;
      size_t used = 0;
      auto& arena = out->str;
      if (encoding == format::kDeltaLengthByteArray) {
        PINPIPE_RETURN_IF_ERROR(DecodeLengthPrefixed(data, size, n, &parts, &used));
        for (auto s : parts) arena.push_back(s);
        return OkStatus();
      }
      // DELTA_BYTE_ARRAY: prefix lengths (delta packed), then the suffixes (delta length).
      std::vector<uint64_t> prefix;
      PINPIPE_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &prefix, &used));
      size_t used2 = 0;
      PINPIPE_RETURN_IF_ERROR(DecodeLengthPrefixed(data + used, size - used, n, &parts, &used2));
      auto& bytes = arena.mutable_bytes();
      auto& offs = arena.mutable_offsets();
      size_t prev_begin = 0, prev_len = 0;  // the previous value within bytes
      for (size_t i = 0; i < n; ++i) {
        auto p = static_cast<int32_t>(prefix[i]);
        if (p < 0 || static_cast<size_t>(p) > prev_len) return Corrupt("delta byte array: prefix longer than the previous value");
        if (static_cast<size_t>(p) + parts[i].size() > (size_t{1} << 30)) return Corrupt("delta byte array: value too long");
        PINPIPE_RETURN_IF_ERROR(CheckFixed(*out, static_cast<size_t>(p) + parts[i].size()));
        size_t begin = bytes.size();
        bytes.append(bytes, prev_begin, static_cast<size_t>(p));
        bytes.append(parts[i]);
        offs.push_back(bytes.size());
        prev_begin = begin;
        prev_len = bytes.size() - begin;
      }
      return OkStatus();
    }
    case format::kByteStreamSplit: {
      size_t k;
      switch (out->type) {
        case LeafType::kFloat:
        case LeafType::kInt32: k = 4; break;
        case LeafType::kDouble:
        case LeafType::kInt64:
        case LeafType::kTimestamp: k = 8; break;
        case LeafType::kFixed: k = static_cast<size_t>(out->fixed_len); break;
        default: return unsupported();
      }
      if (k == 0 || n > size / k) return Corrupt("byte stream split: page has fewer values than its levels say");
      // Stream j holds byte j of every value: value i = data[j*n + i] for j < k.
      thread_local std::string tmp;
      tmp.resize(n * k);
      for (size_t j = 0; j < k; ++j) {
        const uint8_t* s = data + j * n;
        for (size_t i = 0; i < n; ++i) tmp[i * k + j] = static_cast<char>(s[i]);
      }
      size_t used = 0;
      return DecodePlain(reinterpret_cast<const uint8_t*>(tmp.data()), tmp.size(), n, out, &used);
    }
    default:
      return MakeError(ErrorCode::kUnsupported, "value encoding " + std::to_string(encoding) + " is not supported");
  }
}

}  // namespace pinpipe::lake
