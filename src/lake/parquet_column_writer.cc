#include "lake/parquet_column_writer.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/bytes_hash.h"
#include "lake/parquet_compression.h"
#include "lake/parquet_encoding.h"

namespace pinpipe::lake {

namespace {
constexpr size_t kPieceEntries = 1024;  // granularity of page-size checks
// Values of the first page after which a dictionary holding nearly every value is given up:
// waiting for the first page's end (or the dictionary limit) hashes and copies thousands of
// distinct values (ids, free text) only to re-encode them as PLAIN at the flush.
constexpr size_t kDictionaryProbeValues = 4096;
// Bytes kept free in front of a page's PLAIN values for its levels, so that levels + values
// are contiguous for the codec without copying the values (a page's levels are RLE runs of
// a few bytes, or bit-packed at most 1 bit per entry for flat nullable columns).
constexpr size_t kLevelRoom = 8u << 10;

// The dictionary's hash (common/bytes_hash.h), inline (dictionary values are
// mostly short; std::hash's out-of-line murmur cost more than the probe). Its quality only
// changes probe lengths, never the dictionary (insertion order) or the output.
uint64_t DictHash(std::string_view s) { return HashBytes(s, 0x9e3779b97f4a7c15ull); }

// 4-byte little-endian length prefix + hybrid levels (data page v1, Encodings.md "RLE").
void AppendLevels(const std::vector<uint8_t>& levels, int max_level, std::string* out) {
  size_t at = out->size();
  out->append(4, '\0');
  EncodeRleHybrid(levels.data(), levels.size(), BitWidth(static_cast<uint64_t>(max_level)), out);
  uint32_t len = static_cast<uint32_t>(out->size() - at - 4);
  std::memcpy(out->data() + at, &len, 4);
}
}  // namespace

ColumnChunkWriter::ColumnChunkWriter(const LeafColumn& leaf, const WriterOptions& options)
    : leaf_(leaf),
      opt_(options),
      dict_mode_(options.dictionary && (leaf.type == LeafType::kString || leaf.type == LeafType::kBinary)),
      stats_(leaf.type) {
  bools_.type = LeafType::kBoolean;
  if (dict_mode_) table_.assign(1024, 0);
  values_.resize(kLevelRoom);
}

void ColumnChunkWriter::AddDictValues(const LeafData& d, size_t v0, size_t v1) {
  // The piece's hashes first, so that the table slot kPrefetchAhead values on can be requested
  // before it is probed: a dictionary of thousands of values outgrows the core's cache, and
  // each probe would wait for memory in turn.
  constexpr size_t kPrefetchAhead = 8;
  hash_ahead_.resize(v1 - v0);
  for (size_t i = v0; i < v1; ++i) hash_ahead_[i - v0] = DictHash(d.str[i]);
  for (size_t i = v0; i < std::min(v1, v0 + kPrefetchAhead); ++i)
    __builtin_prefetch(table_.data() + (hash_ahead_[i - v0] & (table_.size() - 1)));
  for (size_t i = v0; i < v1; ++i) {
    if (i + kPrefetchAhead < v1)
      __builtin_prefetch(table_.data() + (hash_ahead_[i + kPrefetchAhead - v0] & (table_.size() - 1)));
    std::string_view v = d.str[i];
    uint64_t h = hash_ahead_[i - v0];
    size_t mask = table_.size() - 1, slot = h & mask;
    uint32_t found = 0;
    while (uint32_t e = table_[slot]) {
      if (hashes_[e - 1] == h && dict_[e - 1] == v) {
        found = e;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (!found) {
      dict_.push_back(v);
      hashes_.push_back(h);
      stats_.UpdateString(v);
      found = static_cast<uint32_t>(dict_.size());
      table_[slot] = found;
      dict_plain_bytes_ += 4 + v.size();
      if (dict_.size() * 2 > table_.size()) {  // grow and rehash, load factor <= 1/2
        std::vector<uint32_t> bigger(table_.size() * 2, 0);
        size_t m = bigger.size() - 1;
        for (uint32_t e = 1; e <= dict_.size(); ++e) {
          size_t s = hashes_[e - 1] & m;
          while (bigger[s]) s = (s + 1) & m;
          bigger[s] = e;
        }
        table_.swap(bigger);
      }
    }
    indices_.push_back(found - 1);
    page_plain_bytes_ += 4 + v.size();
  }
}

Status ColumnChunkWriter::Append(const LeafData& d, size_t e0, size_t e1, size_t v0, size_t v1) {
  size_t pos = e0, vpos = v0;
  const bool has_def = leaf_.max_def > 0, has_rep = leaf_.max_rep > 0;
  while (pos < e1) {
    size_t end = std::min(pos + kPieceEntries, e1);
    if (has_rep)
      while (end < e1 && d.rep[end] != 0) ++end;  // pages start at rows (lake.md §2.5)
    size_t nvals = end - pos;
    if (has_def) {
      nvals = 0;
      const uint8_t md = static_cast<uint8_t>(leaf_.max_def);
      for (size_t i = pos; i < end; ++i) nvals += d.def[i] == md;
      def_.insert(def_.end(), d.def.begin() + pos, d.def.begin() + end);
    }
    if (has_rep) rep_.insert(rep_.end(), d.rep.begin() + pos, d.rep.begin() + end);
    if (vpos + nvals > v1) return MakeError(ErrorCode::kInvalidArgument, "column '" + leaf_.path[0] + "': fewer values than levels say");
    stats_.AddNulls(static_cast<int64_t>(end - pos - nvals));
    if (!dict_mode_) stats_.Update(d, vpos, nvals);  // dictionary values: on insertion
    if (dict_mode_) {
      AddDictValues(d, vpos, vpos + nvals);
    } else if (leaf_.type == LeafType::kBoolean) {
      // PLAIN booleans are bit-packed across the whole page: pack at flush, not per piece.
      bools_.b.insert(bools_.b.end(), d.b.begin() + vpos, d.b.begin() + vpos + nvals);
    } else {
      EncodePlain(d, vpos, nvals, &values_);
    }
    if (dict_mode_ && data_pages_ == 0 && indices_.size() >= kDictionaryProbeValues &&
        indices_.size() < kDictionaryProbeValues + kPieceEntries &&
        dict_plain_bytes_ * 10 >= page_plain_bytes_ * 9) {
      FallBackToPlain();  // >= 90% of the bytes distinct: the first page's test would fail too
    }
    page_entries_ += static_cast<int32_t>(end - pos);
    num_entries_ += static_cast<int64_t>(end - pos);
    page_estimate_ = (values_.size() - kLevelRoom) + bools_.b.size() / 8 + indices_.size() * 2 + (def_.size() + rep_.size()) / 4;
    vpos += nvals;
    pos = end;
    if (dict_mode_ && dict_plain_bytes_ > opt_.dictionary_page_limit) {
      PINPIPE_RETURN_IF_ERROR(FlushPage());
      dict_mode_ = false;  // later pages PLAIN; the dictionary so far stays for earlier pages
    } else if (page_estimate_ >= opt_.data_page_size) {
      PINPIPE_RETURN_IF_ERROR(FlushPage());
    }
  }
  if (vpos != v1) return MakeError(ErrorCode::kInvalidArgument, "column '" + leaf_.path[0] + "': more values than levels say");
  return OkStatus();
}

void ColumnChunkWriter::FallBackToPlain() {
  values_.resize(kLevelRoom);
  values_.reserve(kLevelRoom + page_plain_bytes_);
  for (uint32_t idx : indices_) {
    std::string_view v = dict_[idx];
    uint32_t len = static_cast<uint32_t>(v.size());
    values_.append(reinterpret_cast<const char*>(&len), 4);
    values_.append(v);
  }
  indices_.clear();
  dict_.clear();
  hashes_.clear();
  table_.clear();
  dict_plain_bytes_ = 0;
  dict_mode_ = false;
}

Status ColumnChunkWriter::WritePage(format::PageType type, std::string_view body, int32_t num_values,
                                    int32_t encoding, std::string* out) {
  compressed_.clear();
  PINPIPE_RETURN_IF_ERROR(Compress(opt_.codec, body.data(), body.size(), &compressed_, opt_.compression_level));
  if (body.size() > INT32_MAX || compressed_.size() > INT32_MAX)
    return MakeError(ErrorCode::kInvalidArgument, "parquet page larger than 2 GiB");
  format::PageHeader ph;
  ph.type = type;
  ph.uncompressed_page_size = static_cast<int32_t>(body.size());
  ph.compressed_page_size = static_cast<int32_t>(compressed_.size());
  if (type == format::PageType::kDictionaryPage) {
    ph.dictionary_page_header.emplace();
    ph.dictionary_page_header->num_values = num_values;
    ph.dictionary_page_header->encoding = encoding;
  } else {
    ph.data_page_header.emplace();
    ph.data_page_header->num_values = num_values;
    ph.data_page_header->encoding = encoding;
  }
  size_t before = out->size();
  format::Serialize(ph, out);
  uncompressed_total_ += static_cast<int64_t>(out->size() - before + body.size());
  out->append(compressed_);
  return OkStatus();
}

Status ColumnChunkWriter::FlushPage() {
  if (page_entries_ == 0) return OkStatus();
  if (dict_mode_ && data_pages_ == 0) {
    // First page decides whether the dictionary pays off (as parquet-java does).
    size_t dict_cost = dict_plain_bytes_ + indices_.size() * BitWidth(dict_.size()) / 8;
    if (dict_cost >= page_plain_bytes_) FallBackToPlain();
  }
  scratch_.clear();
  if (leaf_.max_rep > 0) AppendLevels(rep_, leaf_.max_rep, &scratch_);
  if (leaf_.max_def > 0) AppendLevels(def_, leaf_.max_def, &scratch_);
  int32_t encoding;
  std::string_view body;  // levels, then values: scratch_ or a view into values_
  if (dict_mode_) {
    int width = std::max(1, BitWidth(dict_.size() > 0 ? dict_.size() - 1 : 0));
    scratch_.push_back(static_cast<char>(width));  // 1-byte bit width, then hybrid, no length
    EncodeRleHybrid(indices_.data(), indices_.size(), width, &scratch_);
    encoding = format::kRleDictionary;
    used_dict_ = true;
    body = scratch_;
  } else {
    if (leaf_.type == LeafType::kBoolean) EncodePlain(bools_, 0, bools_.b.size(), &values_);
    encoding = format::kPlain;
    used_plain_ = true;
    if (scratch_.size() <= kLevelRoom) {  // the levels go into the room in front of the values
      char* start = values_.data() + (kLevelRoom - scratch_.size());
      std::memcpy(start, scratch_.data(), scratch_.size());
      body = std::string_view(start, values_.size() - (kLevelRoom - scratch_.size()));
    } else {
      scratch_.append(values_, kLevelRoom);
      body = scratch_;
    }
  }
  PINPIPE_RETURN_IF_ERROR(WritePage(format::PageType::kDataPage, body, page_entries_, encoding, &pages_));
  ++data_pages_;
  def_.clear();
  rep_.clear();
  indices_.clear();
  values_.resize(kLevelRoom);
  bools_.b.clear();
  page_plain_bytes_ = page_estimate_ = 0;
  page_entries_ = 0;
  return OkStatus();
}

Status ColumnChunkWriter::Finish(std::string* dict_page, std::string* data_pages, format::ColumnMetaData* md) {
  PINPIPE_RETURN_IF_ERROR(FlushPage());
  dict_page->clear();
  if (used_dict_) {
    scratch_.clear();
    // PLAIN dictionary body straight from the arena.
    for (size_t i = 0; i < dict_.size(); ++i) {
      std::string_view v = dict_[i];
      uint32_t len = static_cast<uint32_t>(v.size());
      scratch_.append(reinterpret_cast<const char*>(&len), 4);
      scratch_.append(v);
    }
    PINPIPE_RETURN_IF_ERROR(WritePage(format::PageType::kDictionaryPage, scratch_,
                                      static_cast<int32_t>(dict_.size()), format::kPlain, dict_page));
  }
  md->type = leaf_.physical;
  md->encodings.clear();
  if (used_plain_ || used_dict_) md->encodings.push_back(format::kPlain);
  md->encodings.push_back(format::kRle);
  if (used_dict_) md->encodings.push_back(format::kRleDictionary);
  md->path_in_schema = leaf_.path;
  md->codec = opt_.codec;
  md->num_values = num_entries_;
  md->total_uncompressed_size = uncompressed_total_;
  md->total_compressed_size = static_cast<int64_t>(dict_page->size() + pages_.size());
  md->statistics = stats_.Build();
  data_pages->swap(pages_);
  return OkStatus();
}

}  // namespace pinpipe::lake
