#include "lake/parquet_writer.h"

#include <atomic>
#include <functional>
#include <thread>

namespace pinpipe::lake {

namespace {
constexpr std::string_view kMagic = "PAR1";
constexpr size_t kSliceRows = 8192;  // rows appended per step between row-group size checks
}  // namespace

ParquetWriter::ParquetWriter(std::unique_ptr<OutputSink> sink, Schema schema, WriterOptions options)
    : sink_(std::move(sink)), schema_(std::move(schema)), opt_(std::move(options)) {}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(const std::string& path, Schema schema,
                                                           WriterOptions options) {
  PINPIPE_ASSIGN_OR_RETURN(auto sink, OpenFileSink(path));
  return Open(std::move(sink), std::move(schema), std::move(options));
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Open(std::unique_ptr<OutputSink> sink, Schema schema,
                                                           WriterOptions options) {
  if (schema.leaves().empty())
    return MakeError(ErrorCode::kInvalidArgument, "parquet writer: schema has no columns");
  for (const auto& leaf : schema.leaves()) {
    if (leaf.type == LeafType::kUnsupported)
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: unsupported leaf type");
    if (leaf.max_def > 255 || leaf.max_rep > 255)
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: schema nested too deeply");
  }
  std::unique_ptr<ParquetWriter> w(new ParquetWriter(std::move(sink), std::move(schema), std::move(options)));
  PINPIPE_RETURN_IF_ERROR(w->Start());
  return w;
}

Status ParquetWriter::Write(std::string_view bytes) {
  PINPIPE_RETURN_IF_ERROR(sink_->Append(bytes));
  offset_ += bytes.size();
  return OkStatus();
}

Status ParquetWriter::Start() {
  md_.version = 1;
  md_.schema = schema_.ToElements();
  md_.created_by = opt_.created_by;
  md_.key_value_metadata = opt_.key_value_metadata;
  md_.column_orders_type_defined.assign(schema_.leaves().size(), true);
  for (const auto& leaf : schema_.leaves()) columns_.push_back(std::make_unique<ColumnChunkWriter>(leaf, opt_));
  return Write(kMagic);
}

Status ParquetWriter::WriteBatch(const ColumnBatch& batch) {
  if (closed_) return MakeError(ErrorCode::kInvalidArgument, "parquet writer: closed");
  const auto& leaves = schema_.leaves();
  if (batch.num_leaves() != leaves.size())
    return MakeError(ErrorCode::kInvalidArgument, "parquet writer: batch has a different schema");
  const size_t rows = batch.num_rows();
  // Validate shapes first so a bad batch leaves the file untouched.
  for (size_t i = 0; i < leaves.size(); ++i) {
    const LeafData& d = batch.leaf(i);
    const LeafColumn& l = leaves[i];
    if (d.type != l.type || d.max_def != l.max_def || d.max_rep != l.max_rep)
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: leaf " + std::to_string(i) + " does not match the schema");
    if (l.max_rep > 0 && d.rep.size() != d.def.size())
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: rep/def level counts differ");
    if (l.max_rep > 0 && !d.rep.empty() && d.rep[0] != 0)
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: first repetition level is not 0");
    if (d.num_rows() != rows)
      return MakeError(ErrorCode::kInvalidArgument, "parquet writer: columns have different row counts");
    if (l.max_def > 0) {
      size_t present = 0;
      for (uint8_t v : d.def) {
        if (v > l.max_def) return MakeError(ErrorCode::kInvalidArgument, "parquet writer: definition level above max");
        present += v == l.max_def;
      }
      if (present != d.num_values())
        return MakeError(ErrorCode::kInvalidArgument, "parquet writer: value count differs from definition levels in '" + l.path[0] + "'");
    }
    for (uint8_t v : d.rep)
      if (v > l.max_rep) return MakeError(ErrorCode::kInvalidArgument, "parquet writer: repetition level above max");
  }
  if (opt_.threads > 1 && leaves.size() > 1) {
    // Whole batch per column, columns spread over the threads.
    std::vector<Status> st(leaves.size(), OkStatus());
    ForEachColumnInParallel([&](size_t i) {
      const LeafData& d = batch.leaf(i);
      const size_t entries = leaves[i].max_rep == 0 ? rows : d.rep.size();
      st[i] = columns_[i]->Append(d, 0, entries, 0, d.num_values());
    });
    size_t buffered = 0;
    for (size_t i = 0; i < leaves.size(); ++i) {
      PINPIPE_RETURN_IF_ERROR(st[i]);
      buffered += columns_[i]->buffered_bytes();
    }
    rows_in_group_ += static_cast<int64_t>(rows);
    if (buffered >= opt_.row_group_size || GroupFull()) PINPIPE_RETURN_IF_ERROR(FlushRowGroup());
    return OkStatus();
  }
  // Per leaf cursors: entry and value positions.
  std::vector<size_t> entry(leaves.size(), 0), value(leaves.size(), 0);
  size_t row = 0;
  while (row < rows) {
    size_t slice = std::min(kSliceRows, rows - row);
    if (opt_.row_group_rows > 0) {
      slice = std::min(slice, opt_.row_group_rows - static_cast<size_t>(rows_in_group_));
    }
    size_t buffered = 0;
    for (size_t i = 0; i < leaves.size(); ++i) {
      const LeafData& d = batch.leaf(i);
      const LeafColumn& l = leaves[i];
      size_t e0 = entry[i], e1, v1;
      if (l.max_rep == 0) {
        e1 = e0 + slice;
      } else {
        size_t seen = 0;
        e1 = e0;
        while (e1 < d.rep.size()) {
          if (d.rep[e1] == 0 && seen++ == slice) break;
          ++e1;
        }
      }
      if (l.max_def == 0) {
        v1 = value[i] + (e1 - e0);
      } else {
        v1 = value[i];
        for (size_t k = e0; k < e1; ++k) v1 += d.def[k] == l.max_def;
      }
      PINPIPE_RETURN_IF_ERROR(columns_[i]->Append(d, e0, e1, value[i], v1));
      entry[i] = e1;
      value[i] = v1;
      buffered += columns_[i]->buffered_bytes();
    }
    row += slice;
    rows_in_group_ += static_cast<int64_t>(slice);
    if (buffered >= opt_.row_group_size || GroupFull()) PINPIPE_RETURN_IF_ERROR(FlushRowGroup());
  }
  return OkStatus();
}

Status ParquetWriter::FlushRowGroup() {
  if (rows_in_group_ == 0) return OkStatus();
  format::RowGroup rg;
  rg.num_rows = rows_in_group_;
  rg.file_offset = static_cast<int64_t>(offset_);
  rg.ordinal = static_cast<int16_t>(md_.row_groups.size());
  int64_t compressed = 0;
  const size_t n = columns_.size();
  std::vector<format::ColumnChunk> chunks(n);
  for (auto& cc : chunks) cc.meta_data.emplace();
  // Finishing a chunk flushes and compresses its last page. With threads, all columns are
  // finished first, in parallel, into buffers per column; otherwise each column is finished
  // into the reused buffers just before it is written. Chunks are written in column order.
  const bool parallel = opt_.threads > 1 && n > 1;
  std::vector<std::string> dicts(parallel ? n : 0), pages(parallel ? n : 0);
  std::vector<Status> st(parallel ? n : 0, OkStatus());
  if (parallel) {
    ForEachColumnInParallel([&](size_t i) {
      st[i] = columns_[i]->Finish(&dicts[i], &pages[i], &*chunks[i].meta_data);
    });
  }
  for (size_t i = 0; i < n; ++i) {
    if (parallel) {
      PINPIPE_RETURN_IF_ERROR(st[i]);
    } else {
      PINPIPE_RETURN_IF_ERROR(columns_[i]->Finish(&dict_buf_, &pages_buf_, &*chunks[i].meta_data));
    }
    PINPIPE_RETURN_IF_ERROR(AppendChunk(parallel ? dicts[i] : dict_buf_,
                                        parallel ? pages[i] : pages_buf_, &chunks[i], &rg,
                                        &compressed));
    columns_[i] = std::make_unique<ColumnChunkWriter>(schema_.leaves()[i], opt_);
  }
  rg.total_compressed_size = compressed;
  md_.num_rows += rows_in_group_;
  md_.row_groups.push_back(std::move(rg));
  rows_in_group_ = 0;
  return OkStatus();
}

Status ParquetWriter::AppendChunk(const std::string& dict, const std::string& pages,
                                  format::ColumnChunk* cc, format::RowGroup* rg,
                                  int64_t* compressed) {
  cc->file_offset = 0;  // deprecated; 0 as parquet-java writes (lake.md pitfall 4)
  auto& md = *cc->meta_data;
  {
    int64_t start = static_cast<int64_t>(offset_);
    if (!dict.empty()) {
      md.dictionary_page_offset = start;
      PINPIPE_RETURN_IF_ERROR(Write(dict));
    }
    md.data_page_offset = static_cast<int64_t>(offset_);
    PINPIPE_RETURN_IF_ERROR(Write(pages));
    rg->total_byte_size += md.total_uncompressed_size;
    *compressed += md.total_compressed_size;
    rg->columns.push_back(std::move(*cc));
  }
  return OkStatus();
}

void ParquetWriter::ForEachColumnInParallel(const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < columns_.size();) fn(i);
  };
  std::vector<std::thread> helpers;
  const size_t extra = std::min<size_t>(static_cast<size_t>(opt_.threads), columns_.size()) - 1;
  for (size_t t = 0; t < extra; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
}

Status ParquetWriter::Close() {
  if (closed_) return MakeError(ErrorCode::kInvalidArgument, "parquet writer: closed twice");
  closed_ = true;
  PINPIPE_RETURN_IF_ERROR(FlushRowGroup());
  std::string footer;
  format::Serialize(md_, &footer);
  uint32_t len = static_cast<uint32_t>(footer.size());
  footer.append(reinterpret_cast<const char*>(&len), 4);
  footer.append(kMagic);
  PINPIPE_RETURN_IF_ERROR(Write(footer));
  return sink_->Close();
}

}  // namespace pinpipe::lake
