// Encodes one leaf column of a row group into data pages (v1) and, for strings, a dictionary
// page: levels RLE-hybrid with a 4-byte length, values PLAIN or RLE_DICTIONARY; falls back
// to PLAIN when the dictionary outgrows its limit or does not pay off on the first page.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "lake/parquet_column_data.h"
#include "lake/parquet_format.h"
#include "lake/parquet_statistics.h"
#include "lake/parquet_writer_options.h"

namespace pinpipe::lake {

class ColumnChunkWriter {
 public:
  ColumnChunkWriter(const LeafColumn& leaf, const WriterOptions& options);

  // Appends entries [e0, e1) (row-aligned: e0 and e1 start rows) whose values are [v0, v1).
  Status Append(const LeafData& d, size_t e0, size_t e1, size_t v0, size_t v1);
  // Bytes held for this chunk (finished pages + the open page).
  size_t buffered_bytes() const { return pages_.size() + dict_.bytes().size() + page_estimate_; }

  // Finishes the chunk. *dict_page = dictionary page (header + body) or empty; *data_pages =
  // all data pages. md gets everything except the absolute offsets, which the file writer sets.
  Status Finish(std::string* dict_page, std::string* data_pages, format::ColumnMetaData* md);

 private:
  Status FlushPage();
  void AddDictValues(const LeafData& d, size_t v0, size_t v1);
  void FallBackToPlain();  // converts the open page's indices to PLAIN values
  Status WritePage(format::PageType type, std::string_view body, int32_t num_values, int32_t encoding,
                   std::string* out);

  LeafColumn leaf_;
  const WriterOptions& opt_;
  bool dict_mode_;
  // open page
  std::vector<uint8_t> def_, rep_;
  std::vector<uint32_t> indices_;
  std::string values_;         // kLevelRoom bytes, then the open page's PLAIN-encoded values
  LeafData bools_;             // booleans of the open page, packed at flush
  size_t page_plain_bytes_ = 0;  // what the open page's values would take as PLAIN
  size_t page_estimate_ = 0;
  int32_t page_entries_ = 0;
  // dictionary: distinct values + open-addressing hash table of (index + 1)
  StringArena dict_;
  std::vector<uint32_t> table_;
  std::vector<uint64_t> hashes_;
  std::vector<uint64_t> hash_ahead_;  // AddDictValues' hashes of one piece
  size_t dict_plain_bytes_ = 0;
  // chunk
  std::string pages_;
  std::string scratch_, compressed_;
  int data_pages_ = 0;
  bool used_plain_ = false, used_dict_ = false;
  int64_t num_entries_ = 0;
  int64_t uncompressed_total_ = 0;
  StatisticsBuilder stats_;
};

}  // namespace pinpipe::lake
