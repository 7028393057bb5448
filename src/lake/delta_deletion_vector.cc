#include "lake/delta_deletion_vector.h"

#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pinpipe::lake {

namespace {

constexpr uint32_t kRoaringArrayMagic = 1681511377;
constexpr uint32_t kSerialCookieNoRun = 12346;
constexpr uint32_t kSerialCookie = 12347;
constexpr size_t kMaxDeletedRows = size_t{1} << 32;  // bounds memory on hostile input

std::unexpected<Error> Corrupt(const std::string& m) { return MakeError(ErrorCode::kCorruption, "deletion vector: " + m); }

struct Cursor {
  std::string_view d;
  size_t pos = 0;
  bool Has(size_t n) const { return d.size() - pos >= n; }
  uint16_t U16() {
    uint16_t v;
    std::memcpy(&v, d.data() + pos, 2);
    pos += 2;
    return v;
  }
  uint32_t U32() {
    uint32_t v;
    std::memcpy(&v, d.data() + pos, 4);
    pos += 4;
    return v;
  }
  uint64_t U64() {
    uint64_t v;
    std::memcpy(&v, d.data() + pos, 8);
    pos += 8;
    return v;
  }
};

uint32_t Be32(const char* p) {
  return (uint32_t{static_cast<uint8_t>(p[0])} << 24) | (uint32_t{static_cast<uint8_t>(p[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(p[2])} << 8) | static_cast<uint8_t>(p[3]);
}

// One portable 32-bit Roaring bitmap at c (RoaringFormatSpec), values | high << 32 appended.
Status ParseRoaring32(Cursor& c, uint64_t high, std::vector<uint64_t>* out) {
  if (!c.Has(4)) return Corrupt("roaring header past end");
  uint32_t cookie = c.U32();
  uint32_t size;
  bool has_runs = false;
  std::string_view run_flags;
  if ((cookie & 0xffff) == kSerialCookie) {
    has_runs = true;
    size = (cookie >> 16) + 1;
    size_t nbytes = (size + 7) / 8;
    if (!c.Has(nbytes)) return Corrupt("roaring run flags past end");
    run_flags = c.d.substr(c.pos, nbytes);
    c.pos += nbytes;
  } else if (cookie == kSerialCookieNoRun) {
    if (!c.Has(4)) return Corrupt("roaring size past end");
    size = c.U32();
  } else {
    return Corrupt("bad roaring cookie " + std::to_string(cookie));
  }
  if (size > 65536) return Corrupt("more than 65536 roaring containers");
  if (!c.Has(size_t{size} * 4)) return Corrupt("roaring container headers past end");
  std::vector<std::pair<uint16_t, uint32_t>> headers(size);  // key, cardinality
  for (auto& h : headers) {
    h.first = c.U16();
    h.second = uint32_t{c.U16()} + 1;
  }
  // Offsets follow unless the run cookie is used with fewer than 4 containers; containers are
  // stored in order anyway, so they are skipped.
  if (!has_runs || size >= 4) {
    if (!c.Has(size_t{size} * 4)) return Corrupt("roaring offsets past end");
    c.pos += size_t{size} * 4;
  }
  for (uint32_t i = 0; i < size; ++i) {
    uint64_t base = (high << 32) | (uint64_t{headers[i].first} << 16);
    uint32_t card = headers[i].second;
    bool run = has_runs && (static_cast<uint8_t>(run_flags[i / 8]) >> (i % 8)) & 1;
    if (out->size() + card > kMaxDeletedRows) return Corrupt("too many rows");
    if (run) {
      if (!c.Has(2)) return Corrupt("run container past end");
      uint16_t runs = c.U16();
      if (!c.Has(size_t{runs} * 4)) return Corrupt("runs past end");
      for (uint16_t r = 0; r < runs; ++r) {
        uint32_t start = c.U16();
        uint32_t len = uint32_t{c.U16()} + 1;
        if (start + len > 65536) return Corrupt("run past the container");
        for (uint32_t v = start; v < start + len; ++v) out->push_back(base | v);
      }
    } else if (card <= 4096) {
      if (!c.Has(size_t{card} * 2)) return Corrupt("array container past end");
      for (uint32_t k = 0; k < card; ++k) out->push_back(base | c.U16());
    } else {
      if (!c.Has(8192)) return Corrupt("bitmap container past end");
      for (uint32_t w = 0; w < 1024; ++w) {
        uint64_t word = c.U64();
        while (word) {
          int bit = __builtin_ctzll(word);
          out->push_back(base | (w * 64 + static_cast<uint32_t>(bit)));
          word &= word - 1;
        }
      }
    }
  }
  return OkStatus();
}

Result<std::string> ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "deletion vector file " + path + " not found");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<std::string> Z85Decode(std::string_view text) {
  static const char kAlphabet[] =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  int8_t value[256];
  std::memset(value, -1, sizeof(value));
  for (int i = 0; i < 85; ++i) value[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  if (text.size() % 5 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t acc = 0;
    for (size_t k = 0; k < 5; ++k) {
      int v = value[static_cast<uint8_t>(text[i + k])];
      if (v < 0) return std::nullopt;
      acc = acc * 85 + static_cast<uint64_t>(v);
    }
    if (acc > 0xffffffffull) return std::nullopt;
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((acc >> s) & 0xff));
  }
  return out;
}

Result<std::vector<uint64_t>> ParseRoaringBitmapArray(std::string_view data) {
  Cursor c{data};
  if (!c.Has(12)) return Corrupt("bitmap shorter than its header");
  if (c.U32() != kRoaringArrayMagic) return Corrupt("bad RoaringBitmapArray magic");
  uint64_t n = c.U64();
  if (n > data.size()) return Corrupt("bitmap count larger than the data");
  std::vector<uint64_t> rows;
  for (uint64_t i = 0; i < n; ++i) {
    if (!c.Has(4)) return Corrupt("bitmap key past end");
    uint32_t high = c.U32();
    PINPIPE_RETURN_IF_ERROR(ParseRoaring32(c, high, &rows));
  }
  // Bitmaps and containers are sorted by key in valid input; do not rely on it.
  if (!std::is_sorted(rows.begin(), rows.end())) std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

Result<DeletionVectorDescriptor> ParseDeletionVectorDescriptor(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return Corrupt("descriptor is not JSON");
  DeletionVectorDescriptor dv;
  std::string_view st, path;
  if (doc["storageType"].get(st) || st.size() != 1) return Corrupt("descriptor without storageType");
  if (doc["pathOrInlineDv"].get(path)) return Corrupt("descriptor without pathOrInlineDv");
  if (doc["sizeInBytes"].get(dv.size_in_bytes) || dv.size_in_bytes < 0) return Corrupt("descriptor without sizeInBytes");
  if (doc["cardinality"].get(dv.cardinality) || dv.cardinality < 0) return Corrupt("descriptor without cardinality");
  int64_t offset;
  if (!doc["offset"].get(offset)) dv.offset = offset;
  dv.storage_type = st[0];
  dv.path_or_inline_dv = std::string(path);
  return dv;
}

Result<std::string> DeletionVectorKey(const DeletionVectorDescriptor& dv) {
  const std::string& p = dv.path_or_inline_dv;
  if (p.size() < 20) return Corrupt("'u' path shorter than a Z85 UUID");
  auto uuid = Z85Decode(std::string_view(p).substr(p.size() - 20));
  if (!uuid || uuid->size() != 16) return Corrupt("bad Z85 UUID in '" + p + "'");
  static const char kHex[] = "0123456789abcdef";
  std::string name = "deletion_vector_";
  for (int k = 0; k < 16; ++k) {
    if (k == 4 || k == 6 || k == 8 || k == 10) name.push_back('-');
    name.push_back(kHex[static_cast<uint8_t>((*uuid)[k]) >> 4]);
    name.push_back(kHex[static_cast<uint8_t>((*uuid)[k]) & 15]);
  }
  name += ".bin";
  std::string prefix = p.substr(0, p.size() - 20);
  if (prefix.find("..") != std::string::npos) return Corrupt("path prefix escapes the table");
  return prefix.empty() ? name : prefix + "/" + name;
}

Result<DeletedRows> LoadDeletedRows(TableStorage& storage, const AddFile& add) {
  if (!add.deletion_vector_json) return DeletedRows();
  PINPIPE_ASSIGN_OR_RETURN(auto dv, ParseDeletionVectorDescriptor(*add.deletion_vector_json));
  std::string bitmap;
  if (dv.storage_type == 'i') {
    auto raw = Z85Decode(dv.path_or_inline_dv);
    if (!raw || raw->size() < static_cast<size_t>(dv.size_in_bytes)) return Corrupt("bad inline Z85 data");
    bitmap = raw->substr(0, static_cast<size_t>(dv.size_in_bytes));  // Z85 pads to 4 bytes
  } else if (dv.storage_type == 'u' || dv.storage_type == 'p') {
    std::string file;
    if (dv.storage_type == 'u') {
      PINPIPE_ASSIGN_OR_RETURN(std::string key, DeletionVectorKey(dv));
      PINPIPE_ASSIGN_OR_RETURN(file, storage.Get(key));
    } else {
      std::string path = dv.path_or_inline_dv;
      if (path.starts_with("file://")) path = path.substr(7);
      else if (path.starts_with("file:")) path = path.substr(5);
      if (path.empty() || path[0] != '/') return MakeError(ErrorCode::kUnsupported, "deletion vector path '" + dv.path_or_inline_dv + "' is not a local absolute path");
      PINPIPE_ASSIGN_OR_RETURN(file, ReadLocalFile(path));
    }
    if (file.empty() || file[0] != 1) return Corrupt("DV file version is not 1");
    uint64_t off = static_cast<uint64_t>(dv.offset), size = static_cast<uint64_t>(dv.size_in_bytes);
    if (dv.offset < 1 || off > file.size() || file.size() - off < 8 || file.size() - off - 8 < size)
      return Corrupt("descriptor range outside the DV file");
    if (Be32(file.data() + off) != size) return Corrupt("stored size differs from sizeInBytes");
    bitmap = file.substr(off + 4, size);
    uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bitmap.data()), static_cast<uInt>(size)));
    if (Be32(file.data() + off + 4 + size) != crc) return Corrupt("checksum mismatch");
  } else {
    return MakeError(ErrorCode::kUnsupported, std::string("deletion vector storage type '") + dv.storage_type + "'");
  }
  PINPIPE_ASSIGN_OR_RETURN(auto rows, ParseRoaringBitmapArray(bitmap));
  if (static_cast<int64_t>(rows.size()) != dv.cardinality)
    return Corrupt("bitmap holds " + std::to_string(rows.size()) + " rows, cardinality says " +
                   std::to_string(dv.cardinality));
  return DeletedRows(std::move(rows));
}

}  // namespace pinpipe::lake
