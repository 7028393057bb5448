#include "lake/parquet_reader.h"

#include <cstring>

#include "lake/parquet_column_reader.h"

namespace pinpipe::lake {

namespace {
constexpr uint32_t kMaxFooter = 64u << 20;  // no real footer comes near; protects allocation
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(const std::string& path) {
  PINPIPE_ASSIGN_OR_RETURN(auto src, OpenFileSource(path));
  auto r = Open(std::move(src));
  if (!r) return MakeError(r.error().code(), path + ": " + r.error().message());
  return r;
}

Result<std::unique_ptr<ParquetReader>> ParquetReader::Open(std::unique_ptr<InputSource> source) {
  std::unique_ptr<ParquetReader> r(new ParquetReader(std::move(source)));
  PINPIPE_RETURN_IF_ERROR(r->Init());
  return r;
}

// File layout: "PAR1" <chunks> <FileMetaData> <4-byte LE length> "PAR1" (parquet-format README).
Status ParquetReader::Init() {
  uint64_t size = source_->size();
  if (size < 12) return MakeError(ErrorCode::kCorruption, "not a parquet file: " + std::to_string(size) + " bytes is too short");
  std::string head, tail;
  PINPIPE_RETURN_IF_ERROR(source_->ReadAt(0, 4, &head));
  PINPIPE_RETURN_IF_ERROR(source_->ReadAt(size - 8, 8, &tail));
  if (head != "PAR1") return MakeError(ErrorCode::kCorruption, "not a parquet file: bad leading magic");
  if (tail.compare(4, 4, "PAR1") != 0) {
    if (tail.compare(4, 4, "PARE") == 0) return MakeError(ErrorCode::kUnsupported, "encrypted parquet files are not supported");
    return MakeError(ErrorCode::kCorruption, "not a parquet file: bad trailing magic (truncated?)");
  }
  uint32_t flen;
  std::memcpy(&flen, tail.data(), 4);
  if (flen == 0 || flen > size - 12 || flen > kMaxFooter)
    return MakeError(ErrorCode::kCorruption, "parquet footer length " + std::to_string(flen) + " does not fit the file");
  std::string footer;
  PINPIPE_RETURN_IF_ERROR(source_->ReadAt(size - 8 - flen, flen, &footer));
  auto md = format::ParseFileMetaData(reinterpret_cast<const uint8_t*>(footer.data()), footer.size());
  if (!md) return MakeError(ErrorCode::kCorruption, "parquet footer: " + md.error().message());
  md_ = std::move(*md);
  PINPIPE_ASSIGN_OR_RETURN(schema_, Schema::FromElements(md_.schema));
  if (md_.num_rows < 0) return MakeError(ErrorCode::kCorruption, "parquet footer: negative num_rows");
  for (size_t g = 0; g < md_.row_groups.size(); ++g) {
    const auto& rg = md_.row_groups[g];
    if (rg.columns.size() != schema_.leaves().size())
      return MakeError(ErrorCode::kCorruption, "parquet row group " + std::to_string(g) + " has " +
                                                   std::to_string(rg.columns.size()) + " columns, schema has " +
                                                   std::to_string(schema_.leaves().size()));
    if (rg.num_rows < 0) return MakeError(ErrorCode::kCorruption, "parquet row group with negative num_rows");
    for (const auto& cc : rg.columns) {
      if (!cc.meta_data)
        return MakeError(ErrorCode::kUnsupported, "parquet column chunk without meta_data (external file?)");
      if (cc.file_path) return MakeError(ErrorCode::kUnsupported, "parquet column chunks in other files are not supported");
    }
  }
  return OkStatus();
}

const std::string* ParquetReader::FindKeyValue(std::string_view key) const {
  for (const auto& kv : md_.key_value_metadata)
    if (kv.key == key && kv.value) return &*kv.value;
  return nullptr;
}

Status ParquetReader::ReadLeaf(size_t row_group, size_t leaf, LeafData* out) const {
  if (row_group >= md_.row_groups.size() || leaf >= schema_.leaves().size())
    return MakeError(ErrorCode::kInvalidArgument, "parquet: row group or column index out of range");
  const auto& rg = md_.row_groups[row_group];
  return ReadColumnChunk(*source_, *rg.columns[leaf].meta_data, schema_.leaves()[leaf], rg.num_rows, out);
}

Result<Schema> ParquetReader::Project(const std::vector<std::string>& columns) const {
  if (columns.empty()) return schema_;
  std::vector<Field> fields;
  for (const auto& name : columns) {
    int i = schema_.FindField(name);
    if (i < 0) return MakeError(ErrorCode::kNotFound, "parquet: no column named '" + name + "'");
    fields.push_back(schema_.fields()[static_cast<size_t>(i)]);
  }
  return Schema(std::move(fields));
}

Result<ColumnBatch> ParquetReader::ReadRowGroup(size_t row_group, const std::vector<std::string>& columns) const {
  PINPIPE_ASSIGN_OR_RETURN(Schema projected, Project(columns));
  ColumnBatch batch(projected);
  size_t out = 0;
  for (const auto& f : projected.fields()) {
    int top = schema_.FindField(f.name);
    auto [first, count] = schema_.LeafRange(static_cast<size_t>(top));
    for (size_t k = 0; k < count; ++k) PINPIPE_RETURN_IF_ERROR(ReadLeaf(row_group, first + k, &batch.leaf(out++)));
  }
  return batch;
}

}  // namespace pinpipe::lake
