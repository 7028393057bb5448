#include "stream/stream_tables.h"

#include <algorithm>
#include <cstdint>

#include "batch/table_writer.h"
#include "common/utf8.h"

namespace pinpipe::stream {

using pinterest::ColumnType;

namespace {
// Data files are named part-<batch id, 5+ digits>-<uuid>: readers that list files by path see
// the batches in order (up to batch 99999, where the width grows).
int Part(int64_t batch) { return static_cast<int>(std::min<int64_t>(batch, INT32_MAX)); }
}  // namespace

StreamTable::StreamTable(std::unique_ptr<lake::TableStorage> storage,
                         std::span<const pinterest::ColumnSpec> specs, std::string name)
    : table_(std::move(storage)), specs_(specs), name_(std::move(name)) {}

std::span<const pinterest::ColumnSpec> StreamTable::QuarantineSchema() {
  static constexpr pinterest::ColumnSpec kSpecs[] = {{"table", ColumnType::kString},
                                                     {"reason", ColumnType::kString},
                                                     {"raw", ColumnType::kString}};
  return kSpecs;
}

Status StreamTable::EnsureCreated() {
  if (created_) return OkStatus();
  auto snap = table_.LoadSnapshot();
  if (snap) {
    if (!(snap->schema() == batch::DeltaSchemaOf(specs_))) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "Delta table " + table_.storage().root() + " has schema " +
                           lake::DeltaSchemaToJson(snap->schema()) +
                           ", not the streaming table's; move the old table away");
    }
  } else if (snap.error().code() == ErrorCode::kNotFound) {
    auto created = table_.Create(batch::DeltaSchemaOf(specs_), {}, name_);
    if (!created && created.error().code() != ErrorCode::kAlreadyExists) {
      return std::unexpected(created.error());
    }
  } else {
    return std::unexpected(snap.error());
  }
  created_ = true;
  return OkStatus();
}

Result<int64_t> StreamTable::CommittedBatch(const std::string& app_id) {
  auto snap = table_.LoadSnapshot();
  if (!snap) {
    if (snap.error().code() == ErrorCode::kNotFound) return int64_t{-1};
    return std::unexpected(snap.error());
  }
  return snap->TxnVersion(app_id);
}

Result<AppendResult> StreamTable::Commit(Result<lake::AddFile> add, size_t rows,
                                         const std::string& app_id, int64_t batch) {
  if (!add) return std::unexpected(add.error());
  AppendResult out;
  out.rows = rows;
  out.bytes = add->size;
  lake::CommitRequest req;
  req.mode = lake::WriteMode::kAppend;
  req.adds.push_back(std::move(*add));
  req.txn = lake::Txn{app_id, batch, std::nullopt};
  lake::CommitOptions options;
  options.streaming = lake::StreamingUpdate{"Append", app_id, batch};
  if (!batch_metadata_.empty()) options.user_metadata = batch_metadata_;
  PINPIPE_ASSIGN_OR_RETURN(lake::CommitResult r, table_.Commit(std::move(req), options));
  out.skipped = r.skipped;
  out.version = r.version;
  // The data file of a skipped commit is an orphan no snapshot references (lake vacuum).
  return out;
}

Result<AppendResult> StreamTable::Append(const pinterest::CleanPinTable& t,
                                         const std::string& app_id, int64_t batch) {
  PINPIPE_RETURN_IF_ERROR(EnsureCreated());
  return Commit(batch::WriteCleanPart(table_.storage(), t, Part(batch)), t.size(), app_id, batch);
}

Result<AppendResult> StreamTable::Append(const pinterest::CleanGeoTable& t,
                                         const std::string& app_id, int64_t batch) {
  PINPIPE_RETURN_IF_ERROR(EnsureCreated());
  return Commit(batch::WriteCleanPart(table_.storage(), t, Part(batch)), t.size(), app_id, batch);
}

Result<AppendResult> StreamTable::Append(const pinterest::CleanUserTable& t,
                                         const std::string& app_id, int64_t batch) {
  PINPIPE_RETURN_IF_ERROR(EnsureCreated());
  return Commit(batch::WriteCleanPart(table_.storage(), t, Part(batch)), t.size(), app_id, batch);
}

Result<AppendResult> StreamTable::AppendQuarantine(const pinterest::QuarantineTable& q,
                                                   pinterest::RawKind kind,
                                                   const std::string& app_id, int64_t batch) {
  PINPIPE_RETURN_IF_ERROR(EnsureCreated());
  pinterest::StringColumn table, reason, raw;
  auto valid = [](pinterest::StringColumn& col, std::string_view v) {
    // A Parquet string is UTF-8 for every reader: bad bytes become U+FFFD (as the batch does).
    if (IsValidUtf8(v)) {
      col.Append(v);
    } else {
      col.Append(ToValidUtf8(v));
    }
  };
  for (size_t i = 0; i < q.size(); ++i) {
    if (q.table[i] != kind) continue;
    table.Append(pinterest::RawKindName(kind));
    valid(reason, q.reason.Get(i));
    valid(raw, q.raw.Get(i));
  }
  const batch::ColumnRef cols[] = {{.type = ColumnType::kString, .str = &table},
                                   {.type = ColumnType::kString, .str = &reason},
                                   {.type = ColumnType::kString, .str = &raw}};
  return Commit(batch::WriteTablePart(table_.storage(), specs_, cols, table.size(), Part(batch)),
                table.size(), app_id, batch);
}

}  // namespace pinpipe::stream
