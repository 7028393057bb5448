#include "log/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace pinpipe::log {
namespace {

// xerial snappy-java stream header (SnappyCodec.java): magic, version 1, min compatible 1.
constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t kXerialHeaderSize = 16;

Status TooLarge() {
  return MakeError(ErrorCode::kInvalidArgument, "decompressed batch exceeds the size limit");
}
Status Corrupt(std::string_view codec) {
  return MakeError(ErrorCode::kCorruption, std::string("malformed ") + std::string(codec) +
                                               " data in record batch");
}

Status SnappyRawAppend(std::string_view in, std::string& out, size_t max_out) {
  size_t n;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n)) return Corrupt("snappy");
  if (out.size() + n > max_out) return TooLarge();
  size_t start = out.size();
  out.resize(start + n);
  if (!snappy::RawUncompress(in.data(), in.size(), out.data() + start)) {
    out.resize(start);
    return Corrupt("snappy");
  }
  return OkStatus();
}

Status SnappyDecompress(std::string_view in, std::string& out, size_t max_out) {
  if (in.size() < kXerialHeaderSize || std::memcmp(in.data(), kXerialMagic, 8) != 0) {
    return SnappyRawAppend(in, out, max_out);  // librdkafka may send raw snappy
  }
  in.remove_prefix(kXerialHeaderSize);
  while (!in.empty()) {
    if (in.size() < 4) return Corrupt("snappy");
    uint32_t len;
    std::memcpy(&len, in.data(), 4);
    len = __builtin_bswap32(len);
    in.remove_prefix(4);
    if (len > in.size()) return Corrupt("snappy");
    PINPIPE_RETURN_IF_ERROR(SnappyRawAppend(in.substr(0, len), out, max_out));
    in.remove_prefix(len);
  }
  return OkStatus();
}

Status GzipDecompress(std::string_view in, std::string& out, size_t max_out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Corrupt("gzip");  // +32: gzip or zlib header
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    size_t start = out.size();
    size_t chunk = std::max<size_t>(in.size() * 4, 64 << 10);
    if (start + chunk > max_out) chunk = max_out > start ? max_out - start : 0;
    if (chunk == 0) {
      inflateEnd(&zs);
      return TooLarge();
    }
    out.resize(start + chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + start);
    zs.avail_out = static_cast<uInt>(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(start + chunk - zs.avail_out);
    if (rc == Z_STREAM_END && zs.avail_in > 0) {
      // Concatenated gzip members.
      if (inflateReset(&zs) != Z_OK) break;
      rc = Z_OK;
      continue;
    }
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Corrupt("gzip");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out > 0) {
      inflateEnd(&zs);
      return Corrupt("gzip");  // truncated stream
    }
  }
  inflateEnd(&zs);
  return OkStatus();
}

Status Lz4Decompress(std::string_view in, std::string& out, size_t max_out) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return Corrupt("lz4");
  std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> guard(
      ctx, &LZ4F_freeDecompressionContext);
  const char* src = in.data();
  size_t left = in.size();
  size_t hint = 1;
  while (left > 0 && hint != 0) {
    size_t start = out.size();
    size_t chunk = std::max<size_t>(in.size() * 4, 64 << 10);
    if (start + chunk > max_out) chunk = max_out > start ? max_out - start : 0;
    if (chunk == 0) return TooLarge();
    out.resize(start + chunk);
    size_t dst_size = chunk, src_size = left;
    hint = LZ4F_decompress(ctx, out.data() + start, &dst_size, src, &src_size, nullptr);
    out.resize(start + dst_size);
    if (LZ4F_isError(hint)) return Corrupt("lz4");
    src += src_size;
    left -= src_size;
    if (src_size == 0 && dst_size == 0) return Corrupt("lz4");
  }
  if (hint != 0) return Corrupt("lz4");  // truncated frame
  return OkStatus();
}

Status ZstdDecompress(std::string_view in, std::string& out, size_t max_out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  size_t rc = 1;
  while (src.pos < src.size || rc != 0) {
    size_t start = out.size();
    size_t chunk = std::max<size_t>(in.size() * 4, ZSTD_DStreamOutSize());
    if (start + chunk > max_out) chunk = max_out > start ? max_out - start : 0;
    if (chunk == 0) return TooLarge();
    out.resize(start + chunk);
    ZSTD_outBuffer dst{out.data() + start, chunk, 0};
    size_t before = src.pos;
    rc = ZSTD_decompressStream(ctx.get(), &dst, &src);
    out.resize(start + dst.pos);
    if (ZSTD_isError(rc)) return Corrupt("zstd");
    if (dst.pos == 0 && src.pos == before) return Corrupt("zstd");  // no progress: truncated
  }
  return OkStatus();
}

}  // namespace

Status Decompress(Compression codec, std::string_view in, std::string& out, size_t max_out) {
  switch (codec) {
    case Compression::kNone:
      if (out.size() + in.size() > max_out) return TooLarge();
      out.append(in);
      return OkStatus();
    case Compression::kGzip: return GzipDecompress(in, out, max_out);
    case Compression::kSnappy: return SnappyDecompress(in, out, max_out);
    case Compression::kLz4: return Lz4Decompress(in, out, max_out);
    case Compression::kZstd: return ZstdDecompress(in, out, max_out);
  }
  return MakeError(ErrorCode::kUnsupported, "unknown compression codec");
}

Status Compress(Compression codec, std::string_view in, std::string& out) {
  switch (codec) {
    case Compression::kNone:
      out.append(in);
      return OkStatus();
    case Compression::kGzip: {
      z_stream zs{};
      if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                       Z_DEFAULT_STRATEGY) != Z_OK) {
        return MakeError(ErrorCode::kInternal, "deflateInit2 failed");
      }
      size_t start = out.size();
      size_t bound = deflateBound(&zs, in.size()) + 32;
      out.resize(start + bound);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      zs.avail_in = static_cast<uInt>(in.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + start);
      zs.avail_out = static_cast<uInt>(bound);
      int rc = deflate(&zs, Z_FINISH);
      out.resize(start + bound - zs.avail_out);
      deflateEnd(&zs);
      if (rc != Z_STREAM_END) return MakeError(ErrorCode::kInternal, "gzip compression failed");
      return OkStatus();
    }
    case Compression::kSnappy: {
      out.append(kXerialMagic, 8);
      const char version[8] = {0, 0, 0, 1, 0, 0, 0, 1};
      out.append(version, 8);
      constexpr size_t kBlock = 32 << 10;  // snappy-java's default block size
      for (size_t pos = 0; pos < in.size(); pos += kBlock) {
        std::string_view part = in.substr(pos, kBlock);
        size_t len_pos = out.size();
        out.resize(len_pos + 4 + snappy::MaxCompressedLength(part.size()));
        size_t n;
        snappy::RawCompress(part.data(), part.size(), out.data() + len_pos + 4, &n);
        uint32_t be = __builtin_bswap32(static_cast<uint32_t>(n));
        std::memcpy(out.data() + len_pos, &be, 4);
        out.resize(len_pos + 4 + n);
      }
      return OkStatus();
    }
    case Compression::kLz4: {
      size_t start = out.size();
      size_t bound = LZ4F_compressFrameBound(in.size(), nullptr);
      out.resize(start + bound);
      size_t n = LZ4F_compressFrame(out.data() + start, bound, in.data(), in.size(), nullptr);
      if (LZ4F_isError(n)) return MakeError(ErrorCode::kInternal, "lz4 compression failed");
      out.resize(start + n);
      return OkStatus();
    }
    case Compression::kZstd: {
      size_t start = out.size();
      size_t bound = ZSTD_compressBound(in.size());
      out.resize(start + bound);
      size_t n = ZSTD_compress(out.data() + start, bound, in.data(), in.size(), 3);
      if (ZSTD_isError(n)) return MakeError(ErrorCode::kInternal, "zstd compression failed");
      out.resize(start + n);
      return OkStatus();
    }
  }
  return MakeError(ErrorCode::kUnsupported, "unknown compression codec");
}

}  // namespace pinpipe::log
