#include "lake/parquet_column_reader.h"

#include <algorithm>
#include <cstring>

#include "lake/parquet_compression.h"
#include "lake/parquet_encoding.h"

namespace pinpipe::lake {

namespace {

// Hostile-input ceilings: a page may claim at most this many level entries, a chunk at most
// kMaxChunkBytes on disk and a page at most kMaxPageBytes uncompressed.
constexpr int64_t kMaxPageEntries = int64_t{1} << 26;
constexpr int64_t kMaxChunkBytes = int64_t{1} << 31;
constexpr int64_t kMaxPageBytes = int64_t{1} << 30;
constexpr size_t kMaxGatherBytes = size_t{1} << 30;

Status Corrupt(const LeafColumn& leaf, const std::string& m) {
  std::string path;
  for (const auto& p : leaf.path) path += (path.empty() ? "" : ".") + p;
  return MakeError(ErrorCode::kCorruption, "parquet column '" + path + "': " + m);
}

// Level stream of a v1 page: RLE = 4-byte length + hybrid; BIT_PACKED = packed MSB-first.
Status DecodeLevelsV1(const LeafColumn& leaf, int32_t encoding, const uint8_t*& p, const uint8_t* end,
                      int max_level, size_t n, uint8_t* out) {
  int width = BitWidth(static_cast<uint64_t>(max_level));
  if (encoding == format::kRle) {
    if (end - p < 4) return Corrupt(leaf, "level length past end of page");
    uint32_t len;
    std::memcpy(&len, p, 4);
    p += 4;
    if (len > static_cast<size_t>(end - p)) return Corrupt(leaf, "levels past end of page");
    RleHybridDecoder dec(p, len, width);
    auto st = dec.Decode(out, n);
    if (!st) return Corrupt(leaf, st.error().message());
    p += len;
    return OkStatus();
  }
  if (encoding == format::kBitPacked) {
    size_t bytes = (static_cast<uint64_t>(n) * width + 7) / 8;
    if (bytes > static_cast<size_t>(end - p)) return Corrupt(leaf, "bit-packed levels past end of page");
    auto st = DecodeBitPackedLegacy(p, bytes, width, out, n);
    if (!st) return Corrupt(leaf, st.error().message());
    p += bytes;
    return OkStatus();
  }
  return Corrupt(leaf, "unsupported level encoding " + std::to_string(encoding));
}

Status CheckLevels(const LeafColumn& leaf, const uint8_t* v, size_t n, int max) {
  for (size_t i = 0; i < n; ++i)
    if (v[i] > max) return Corrupt(leaf, "level " + std::to_string(v[i]) + " above maximum " + std::to_string(max));
  return OkStatus();
}

// Appends dict[idx[i]] for each index to out's value vector.
Status Gather(const LeafColumn& leaf, const LeafData& dict, const uint32_t* idx, size_t n, LeafData* out) {
  size_t dsize = dict.num_values();
  for (size_t i = 0; i < n; ++i)
    if (idx[i] >= dsize) return Corrupt(leaf, "dictionary index out of range");
  switch (out->type) {
    case LeafType::kInt32:
      for (size_t i = 0; i < n; ++i) out->i32.push_back(dict.i32[idx[i]]);
      break;
    case LeafType::kInt64:
    case LeafType::kTimestamp:
      for (size_t i = 0; i < n; ++i) out->i64.push_back(dict.i64[idx[i]]);
      break;
    case LeafType::kDouble:
      for (size_t i = 0; i < n; ++i) out->f64.push_back(dict.f64[idx[i]]);
      break;
    case LeafType::kBoolean:
      for (size_t i = 0; i < n; ++i) out->b.push_back(dict.b[idx[i]]);
      break;
    case LeafType::kString:
    case LeafType::kBinary: {
      size_t total = 0;
      const auto& offs = dict.str.offsets();
      for (size_t i = 0; i < n; ++i) total += offs[idx[i] + 1] - offs[idx[i]];
      if (total > kMaxGatherBytes) return Corrupt(leaf, "dictionary page expands beyond 1 GiB");
      auto& bytes = out->str.mutable_bytes();
      auto& o = out->str.mutable_offsets();
      bytes.reserve(bytes.size() + total);
      o.reserve(o.size() + n);
      const char* src = dict.str.bytes().data();
      for (size_t i = 0; i < n; ++i) {
        bytes.append(src + offs[idx[i]], offs[idx[i] + 1] - offs[idx[i]]);
        o.push_back(bytes.size());
      }
      break;
    }
    case LeafType::kUnsupported:
      return Corrupt(leaf, "unsupported type");
  }
  return OkStatus();
}

// INT96 timestamps (Spark's default spark.sql.parquet.outputTimestampType, and Impala's): 12
// bytes, little-endian nanoseconds of the day then the Julian day number; an instant in UTC.
// Read as microseconds since the epoch, like TIMESTAMP_MICROS (parquet-format LogicalTypes.md,
// "INT96 timestamps" deprecation note).
Status DecodeInt96Plain(const LeafColumn& leaf, const uint8_t* data, size_t size, size_t n, LeafData* out) {
  constexpr int64_t kJulianEpochDay = 2440588;  // 1970-01-01
  if (n > size / 12) return Corrupt(leaf, "plain: page has fewer INT96 values than its levels say");
  out->i64.reserve(out->i64.size() + n);
  for (size_t i = 0; i < n; ++i) {
    int64_t nanos;
    int32_t day;
    std::memcpy(&nanos, data + 12 * i, 8);
    std::memcpy(&day, data + 12 * i + 8, 4);
    if (nanos < 0 || nanos >= int64_t{86400} * 1000000000) return Corrupt(leaf, "INT96 nanoseconds outside a day");
    out->i64.push_back((int64_t{day} - kJulianEpochDay) * 86400000000 + nanos / 1000);
  }
  return OkStatus();
}

}  // namespace

Status ReadColumnChunk(const InputSource& source, const format::ColumnMetaData& md, const LeafColumn& leaf,
                       int64_t num_rows, LeafData* out) {
  *out = LeafData(leaf);
  if (leaf.type == LeafType::kUnsupported)
    return MakeError(ErrorCode::kUnsupported, "parquet column '" + leaf.path.back() + "': physical type not supported");
  if (md.type != leaf.physical) return Corrupt(leaf, "column chunk type differs from the schema");
  int64_t start = md.data_page_offset;
  if (md.dictionary_page_offset && *md.dictionary_page_offset > 0 && *md.dictionary_page_offset < start)
    start = *md.dictionary_page_offset;
  int64_t len = md.total_compressed_size;
  uint64_t fsize = source.size();
  if (start < 4 || len <= 0 || len > kMaxChunkBytes || static_cast<uint64_t>(start) > fsize ||
      static_cast<uint64_t>(len) > fsize - static_cast<uint64_t>(start))
    return Corrupt(leaf, "column chunk range outside the file");
  if (md.num_values < 0 || md.num_values > (int64_t{1} << 31)) return Corrupt(leaf, "bad num_values");
  std::string chunk;
  PINPIPE_RETURN_IF_ERROR(source.ReadAt(static_cast<uint64_t>(start), static_cast<size_t>(len), &chunk));

  const auto* base = reinterpret_cast<const uint8_t*>(chunk.data());
  size_t pos = 0;
  LeafData dict(leaf);
  bool have_dict = false;
  std::string page;  // decompressed page body
  std::vector<uint32_t> indices;
  int64_t entries = 0;
  const bool has_def = leaf.max_def > 0, has_rep = leaf.max_rep > 0;

  while (pos < chunk.size() && entries < md.num_values) {
    size_t hlen = 0;
    auto ph = format::ParsePageHeader(base + pos, chunk.size() - pos, &hlen);
    if (!ph) return Corrupt(leaf, "page header: " + ph.error().message());
    pos += hlen;
    if (ph->compressed_page_size < 0 || ph->uncompressed_page_size < 0 ||
        static_cast<size_t>(ph->compressed_page_size) > chunk.size() - pos)
      return Corrupt(leaf, "page extends past the column chunk");
    if (ph->uncompressed_page_size > kMaxPageBytes) return Corrupt(leaf, "page larger than 1 GiB");
    const uint8_t* body = base + pos;
    size_t body_len = static_cast<size_t>(ph->compressed_page_size);
    pos += body_len;

    if (ph->type == format::PageType::kDictionaryPage) {
      if (have_dict || entries > 0) return Corrupt(leaf, "dictionary page is not the first page");
      if (!ph->dictionary_page_header) return Corrupt(leaf, "dictionary page without header");
      const auto& dh = *ph->dictionary_page_header;
      if (dh.encoding != format::kPlain && dh.encoding != format::kPlainDictionary)
        return Corrupt(leaf, "dictionary page encoding is not PLAIN");
      if (dh.num_values < 0) return Corrupt(leaf, "negative dictionary size");
      auto st = Decompress(md.codec, body, body_len, static_cast<size_t>(ph->uncompressed_page_size), &page);
      if (!st) return Corrupt(leaf, st.error().message());
      size_t used = 0;
      st = leaf.physical == format::Type::kInt96
               ? DecodeInt96Plain(leaf, reinterpret_cast<const uint8_t*>(page.data()), page.size(),
                                  static_cast<size_t>(dh.num_values), &dict)
               : DecodePlain(reinterpret_cast<const uint8_t*>(page.data()), page.size(),
                             static_cast<size_t>(dh.num_values), &dict, &used);
      if (!st) return Corrupt(leaf, "dictionary: " + st.error().message());
      have_dict = true;
      continue;
    }
    if (ph->type != format::PageType::kDataPage && ph->type != format::PageType::kDataPageV2) continue;

    const bool v2 = ph->type == format::PageType::kDataPageV2;
    int32_t n32, encoding;
    if (!v2) {
      if (!ph->data_page_header) return Corrupt(leaf, "data page without header");
      n32 = ph->data_page_header->num_values;
      encoding = ph->data_page_header->encoding;
    } else {
      if (!ph->data_page_header_v2) return Corrupt(leaf, "data page v2 without header");
      n32 = ph->data_page_header_v2->num_values;
      encoding = ph->data_page_header_v2->encoding;
    }
    if (n32 < 0 || n32 > kMaxPageEntries) return Corrupt(leaf, "bad page num_values");
    if (entries + n32 > md.num_values) return Corrupt(leaf, "pages hold more values than the chunk metadata");
    const size_t n = static_cast<size_t>(n32);
    const uint8_t* p;
    const uint8_t* end;
    size_t def0 = out->def.size(), rep0 = out->rep.size();
    if (has_def) out->def.resize(def0 + n);
    if (has_rep) out->rep.resize(rep0 + n);
    if (!v2) {
      auto st = Decompress(md.codec, body, body_len, static_cast<size_t>(ph->uncompressed_page_size), &page);
      if (!st) return Corrupt(leaf, st.error().message());
      p = reinterpret_cast<const uint8_t*>(page.data());
      end = p + page.size();
      if (has_rep)
        PINPIPE_RETURN_IF_ERROR(DecodeLevelsV1(leaf, ph->data_page_header->repetition_level_encoding, p, end,
                                               leaf.max_rep, n, out->rep.data() + rep0));
      if (has_def)
        PINPIPE_RETURN_IF_ERROR(DecodeLevelsV1(leaf, ph->data_page_header->definition_level_encoding, p, end,
                                               leaf.max_def, n, out->def.data() + def0));
    } else {
      // v2: levels first, never compressed, lengths in the header, no 4-byte prefixes.
      const auto& h = *ph->data_page_header_v2;
      if (h.repetition_levels_byte_length < 0 || h.definition_levels_byte_length < 0 ||
          static_cast<uint64_t>(h.repetition_levels_byte_length) + h.definition_levels_byte_length > body_len)
        return Corrupt(leaf, "v2 level lengths past end of page");
      size_t rl = static_cast<size_t>(h.repetition_levels_byte_length);
      size_t dl = static_cast<size_t>(h.definition_levels_byte_length);
      if (has_rep) {
        RleHybridDecoder dec(body, rl, BitWidth(static_cast<uint64_t>(leaf.max_rep)));
        auto st = dec.Decode(out->rep.data() + rep0, n);
        if (!st) return Corrupt(leaf, st.error().message());
      }
      if (has_def) {
        RleHybridDecoder dec(body + rl, dl, BitWidth(static_cast<uint64_t>(leaf.max_def)));
        auto st = dec.Decode(out->def.data() + def0, n);
        if (!st) return Corrupt(leaf, st.error().message());
      }
      const uint8_t* values = body + rl + dl;
      size_t vlen = body_len - rl - dl;
      if (h.is_compressed && md.codec != format::Codec::kUncompressed) {
        if (static_cast<size_t>(ph->uncompressed_page_size) < rl + dl) return Corrupt(leaf, "v2 sizes inconsistent");
        auto st = Decompress(md.codec, values, vlen, static_cast<size_t>(ph->uncompressed_page_size) - rl - dl, &page);
        if (!st) return Corrupt(leaf, st.error().message());
      } else {
        page.assign(reinterpret_cast<const char*>(values), vlen);
      }
      p = reinterpret_cast<const uint8_t*>(page.data());
      end = p + page.size();
    }
    if (has_rep) {
      PINPIPE_RETURN_IF_ERROR(CheckLevels(leaf, out->rep.data() + rep0, n, leaf.max_rep));
      if (rep0 == 0 && n > 0 && out->rep[0] != 0) return Corrupt(leaf, "first repetition level is not 0");
    }
    size_t present = n;
    if (has_def) {
      PINPIPE_RETURN_IF_ERROR(CheckLevels(leaf, out->def.data() + def0, n, leaf.max_def));
      const uint8_t mdl = static_cast<uint8_t>(leaf.max_def);
      present = static_cast<size_t>(std::count(out->def.begin() + def0, out->def.end(), mdl));
    }
    size_t avail = static_cast<size_t>(end - p);
    if (encoding == format::kPlain) {
      size_t used = 0;
      auto st = leaf.physical == format::Type::kInt96 ? DecodeInt96Plain(leaf, p, avail, present, out)
                                                      : DecodePlain(p, avail, present, out, &used);
      if (!st) return Corrupt(leaf, st.error().message());
    } else if (encoding == format::kPlainDictionary || encoding == format::kRleDictionary) {
      if (!have_dict) return Corrupt(leaf, "dictionary-encoded page without a dictionary page");
      if (present > 0) {
        if (avail < 1) return Corrupt(leaf, "dictionary page data is empty");
        int width = *p;
        if (width > 32) return Corrupt(leaf, "dictionary index bit width above 32");
        indices.resize(present);
        RleHybridDecoder dec(p + 1, avail - 1, width);
        auto st = dec.Decode(indices.data(), present);
        if (!st) return Corrupt(leaf, st.error().message());
        PINPIPE_RETURN_IF_ERROR(Gather(leaf, dict, indices.data(), present, out));
      }
    } else {
      return MakeError(ErrorCode::kUnsupported, "parquet column '" + leaf.path.back() + "': value encoding " +
                                                    std::to_string(encoding) + " is not supported");
    }
    entries += n32;
  }
  if (entries != md.num_values)
    return Corrupt(leaf, "pages hold " + std::to_string(entries) + " values, metadata says " +
                             std::to_string(md.num_values));
  if (static_cast<int64_t>(out->num_rows()) != num_rows)
    return Corrupt(leaf, "column has " + std::to_string(out->num_rows()) + " rows, row group says " +
                             std::to_string(num_rows));
  return OkStatus();
}

}  // namespace pinpipe::lake
