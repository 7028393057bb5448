#include "lake/parquet_compression.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pinpipe::lake {

using format::Codec;

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed: return "UNCOMPRESSED";
    case Codec::kSnappy: return "SNAPPY";
    case Codec::kGzip: return "GZIP";
    case Codec::kZstd: return "ZSTD";
    case Codec::kLzo: return "LZO";
    case Codec::kBrotli: return "BROTLI";
    case Codec::kLz4: return "LZ4";
    case Codec::kLz4Raw: return "LZ4_RAW";
  }
  return "?";
}

Result<Codec> ParseCodec(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "snappy") return Codec::kSnappy;
  if (n == "zstd") return Codec::kZstd;
  if (n == "gzip") return Codec::kGzip;
  if (n == "uncompressed" || n == "none") return Codec::kUncompressed;
  return MakeError(ErrorCode::kInvalidArgument, "unknown parquet codec '" + n + "' (snappy|zstd|gzip|uncompressed)");
}

Status Compress(Codec codec, const char* data, size_t size, std::string* out, int level) {
  size_t base = out->size();
  switch (codec) {
    case Codec::kUncompressed:
      out->append(data, size);
      return OkStatus();
    // resize_and_overwrite: the codec writes the bytes, so the worst-case bound (a page's size)
    // is not zero-filled first. The lambdas ignore their size argument: GCC 12's libstdc++
    // passes the grown capacity there instead of the requested size (bits/basic_string.tcc).
    case Codec::kSnappy: {
      bool ok = true;
      const size_t cap = snappy_max_compressed_length(size);
      out->resize_and_overwrite(base + cap, [&](char* p, size_t) {
        size_t len = cap;
        ok = snappy_compress(data, size, p + base, &len) == SNAPPY_OK;
        return ok ? base + len : base;
      });
      if (!ok) return MakeError(ErrorCode::kInternal, "snappy_compress failed");
      return OkStatus();
    }
    case Codec::kZstd: {
      size_t len = 0;
      const size_t cap = ZSTD_compressBound(size);
      out->resize_and_overwrite(base + cap, [&](char* p, size_t) {
        len = ZSTD_compress(p + base, cap, data, size, level < 0 ? 3 : level);
        return ZSTD_isError(len) ? base : base + len;
      });
      if (ZSTD_isError(len)) return MakeError(ErrorCode::kInternal, std::string("zstd: ") + ZSTD_getErrorName(len));
      return OkStatus();
    }
    case Codec::kGzip: {
      // GZIP = RFC 1952 gzip stream (windowBits 15 + 16).
      z_stream zs{};
      if (deflateInit2(&zs, level < 0 ? 6 : level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return MakeError(ErrorCode::kInternal, "deflateInit2 failed");
      size_t cap = deflateBound(&zs, size) + 32;
      out->resize(base + cap);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
      zs.avail_in = static_cast<uInt>(size);
      zs.next_out = reinterpret_cast<Bytef*>(out->data() + base);
      zs.avail_out = static_cast<uInt>(cap);
      int rc = deflate(&zs, Z_FINISH);
      size_t len = zs.total_out;
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return MakeError(ErrorCode::kInternal, "gzip deflate failed");
      out->resize(base + len);
      return OkStatus();
    }
    default:
      return MakeError(ErrorCode::kUnsupported, std::string("cannot write codec ") + CodecName(codec));
  }
}

Status Decompress(Codec codec, const uint8_t* data, size_t size, size_t uncompressed_size, std::string* out) {
  auto corrupt = [&](const std::string& m) {
    return MakeError(ErrorCode::kCorruption, std::string(CodecName(codec)) + " page: " + m);
  };
  switch (codec) {
    case Codec::kUncompressed:
      if (size != uncompressed_size) return corrupt("size differs from uncompressed_page_size");
      out->assign(reinterpret_cast<const char*>(data), size);
      return OkStatus();
    case Codec::kSnappy: {
      size_t len = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(data), size, &len) != SNAPPY_OK)
        return corrupt("bad snappy header");
      if (len != uncompressed_size) return corrupt("snappy length differs from uncompressed_page_size");
      bool ok = true;
      out->resize_and_overwrite(len, [&](char* p, size_t) {  // (size argument: see Compress)
        ok = snappy_uncompress(reinterpret_cast<const char*>(data), size, p, &len) == SNAPPY_OK &&
             len == uncompressed_size;
        return ok ? uncompressed_size : 0;
      });
      if (!ok) return corrupt("snappy data is corrupt");
      return OkStatus();
    }
    case Codec::kZstd: {
      out->resize(uncompressed_size);
      // A page may hold several concatenated frames; ZSTD_decompress handles that.
      size_t len = ZSTD_decompress(out->data(), uncompressed_size, data, size);
      if (ZSTD_isError(len)) return corrupt(ZSTD_getErrorName(len));
      if (len != uncompressed_size) return corrupt("zstd length differs from uncompressed_page_size");
      return OkStatus();
    }
    case Codec::kGzip: {
      out->resize(uncompressed_size);
      z_stream zs{};
      // 15 + 32: accept gzip or zlib headers (old writers used zlib streams).
      if (inflateInit2(&zs, 15 + 32) != Z_OK) return corrupt("inflateInit2 failed");
      zs.next_in = const_cast<Bytef*>(data);
      zs.avail_in = static_cast<uInt>(size);
      zs.next_out = reinterpret_cast<Bytef*>(out->data());
      zs.avail_out = static_cast<uInt>(uncompressed_size);
      int rc = inflate(&zs, Z_FINISH);
      size_t len = zs.total_out;
      inflateEnd(&zs);
      if (rc != Z_STREAM_END) return corrupt("gzip data is corrupt or longer than uncompressed_page_size");
      if (len != uncompressed_size) return corrupt("gzip length differs from uncompressed_page_size");
      return OkStatus();
    }
    case Codec::kLz4Raw: {
      out->resize(uncompressed_size);
      if (size > INT32_MAX || uncompressed_size > INT32_MAX) return corrupt("page too large");
      int len = LZ4_decompress_safe(reinterpret_cast<const char*>(data), out->data(), static_cast<int>(size),
                                    static_cast<int>(uncompressed_size));
      if (len < 0 || static_cast<size_t>(len) != uncompressed_size) return corrupt("lz4 data is corrupt");
      return OkStatus();
    }
    case Codec::kLz4: {
      // Deprecated LZ4 (parquet.thrift "LZ4"): parquet-java wrote Hadoop's framing — blocks of
      // <4-byte BE uncompressed size><4-byte BE compressed size><lz4 block> — others wrote a
      // raw block. Try the framing first, then fall back (as parquet-cpp does).
      out->resize(uncompressed_size);
      size_t in = 0, done = 0;
      auto be32 = [&](size_t at) {
        return (uint32_t{data[at]} << 24) | (uint32_t{data[at + 1]} << 16) | (uint32_t{data[at + 2]} << 8) | data[at + 3];
      };
      bool framed = size >= 8;
      while (framed && in < size) {
        if (size - in < 8) { framed = false; break; }
        uint32_t raw = be32(in), comp = be32(in + 4);
        in += 8;
        if (comp > size - in || raw > uncompressed_size - done) { framed = false; break; }
        int len = LZ4_decompress_safe(reinterpret_cast<const char*>(data + in), out->data() + done,
                                      static_cast<int>(comp), static_cast<int>(raw));
        if (len < 0 || static_cast<uint32_t>(len) != raw) { framed = false; break; }
        in += comp;
        done += raw;
      }
      if (framed && done == uncompressed_size) return OkStatus();
      if (size > INT32_MAX || uncompressed_size > INT32_MAX) return corrupt("page too large");
      int len = LZ4_decompress_safe(reinterpret_cast<const char*>(data), out->data(), static_cast<int>(size),
                                    static_cast<int>(uncompressed_size));
      if (len < 0 || static_cast<size_t>(len) != uncompressed_size) return corrupt("lz4 data is corrupt");
      return OkStatus();
    }
    case Codec::kBrotli: {
      out->resize(uncompressed_size);
      size_t len = uncompressed_size;
      if (BrotliDecoderDecompress(size, data, &len, reinterpret_cast<uint8_t*>(out->data())) !=
              BROTLI_DECODER_RESULT_SUCCESS ||
          len != uncompressed_size)
        return corrupt("brotli data is corrupt or longer than uncompressed_page_size");
      return OkStatus();
    }
    default:
      return MakeError(ErrorCode::kUnsupported, std::string("codec ") + CodecName(codec) + " is not supported");
  }
}

}  // namespace pinpipe::lake
