#include "lake/delta_data_file.h"

#include "lake/delta_uuid.h"

namespace pinpipe::lake {

namespace {

Result<LeafType> LeafFor(const DeltaType& t, const std::string& col) {
  if (t.kind == DeltaType::Kind::kPrimitive) {
    if (t.primitive == "long") return LeafType::kInt64;
    if (t.primitive == "integer") return LeafType::kInt32;
    if (t.primitive == "double") return LeafType::kDouble;
    if (t.primitive == "boolean") return LeafType::kBoolean;
    if (t.primitive == "string") return LeafType::kString;
    if (t.primitive == "timestamp") return LeafType::kTimestamp;
  }
  return MakeError(ErrorCode::kUnsupported,
                   "column '" + col + "': type " + t.ToString() + " cannot be written");
}

const char* DeltaNameFor(LeafType t) {
  switch (t) {
    case LeafType::kInt32:
      return "integer";
    case LeafType::kInt64:
      return "long";
    case LeafType::kDouble:
      return "double";
    case LeafType::kBoolean:
      return "boolean";
    case LeafType::kString:
      return "string";
    case LeafType::kTimestamp:
      return "timestamp";
    case LeafType::kBinary:
      return "binary";
    case LeafType::kUnsupported:
    case LeafType::kFloat:
    case LeafType::kInt96:
    case LeafType::kFixed:
      break;
  }
  return nullptr;
}

std::string CodecSuffix(format::Codec c) {
  switch (c) {
    case format::Codec::kSnappy:
      return ".snappy";
    case format::Codec::kZstd:
      return ".zstd";
    case format::Codec::kGzip:
      return ".gz";
    default:
      return "";
  }
}

}  // namespace

Result<Schema> ParquetSchemaForDelta(const DeltaSchema& schema) {
  std::vector<Field> fields;
  for (const auto& f : schema.fields) {
    if (f.type.kind == DeltaType::Kind::kArray) {
      PINPIPE_ASSIGN_OR_RETURN(LeafType elem, LeafFor(f.type.children[0], f.name));
      fields.push_back(
          Field::List(f.name, Field::Primitive("element", elem, f.type.contains_null), f.nullable));
    } else {
      PINPIPE_ASSIGN_OR_RETURN(LeafType t, LeafFor(f.type, f.name));
      fields.push_back(Field::Primitive(f.name, t, f.nullable));
    }
  }
  return Schema(std::move(fields));
}

Result<DeltaSchema> DeltaSchemaForParquet(const Schema& schema) {
  std::vector<DeltaField> fields;
  for (const auto& f : schema.fields()) {
    const Field* leaf = &f;
    if (f.kind == Field::Kind::kList && f.children.size() == 1) leaf = &f.children[0];
    const char* name = leaf->kind == Field::Kind::kPrimitive ? DeltaNameFor(leaf->type) : nullptr;
    if (name == nullptr || (f.kind != Field::Kind::kPrimitive && leaf == &f)) {
      return MakeError(ErrorCode::kUnsupported, "column '" + f.name + "' has no Delta mapping");
    }
    DeltaType t = DeltaType::Primitive(name);
    if (leaf != &f) t = DeltaType::Array(std::move(t), leaf->nullable);
    fields.push_back({f.name, std::move(t), f.nullable, "{}"});
  }
  return DeltaType::Struct(std::move(fields));
}

Result<std::unique_ptr<DataFileWriter>> DataFileWriter::Open(TableStorage& storage,
                                                             const Schema& schema,
                                                             WriterOptions options) {
  std::unique_ptr<DataFileWriter> w(new DataFileWriter(storage, schema));
  w->key_ = "part-00000-" + NewUuid() + "-c000" + CodecSuffix(options.codec) + ".parquet";
  if (auto local = storage.LocalPath(w->key_)) {
    PINPIPE_ASSIGN_OR_RETURN(w->writer_, ParquetWriter::Open(*local, schema, std::move(options)));
  } else {
    w->local_ = false;
    PINPIPE_ASSIGN_OR_RETURN(
        w->writer_, ParquetWriter::Open(MemorySink(&w->buffer_), schema, std::move(options)));
  }
  return w;
}

Status DataFileWriter::Write(const ColumnBatch& batch) {
  PINPIPE_RETURN_IF_ERROR(writer_->WriteBatch(batch));
  stats_.Add(batch);
  return OkStatus();
}

Result<AddFile> DataFileWriter::Close() {
  PINPIPE_RETURN_IF_ERROR(writer_->Close());
  if (!local_) PINPIPE_RETURN_IF_ERROR(storage_.PutIfAbsent(key_, buffer_));
  PINPIPE_ASSIGN_OR_RETURN(StoredObject obj, storage_.Head(key_));
  AddFile add;
  add.path = key_;  // only [A-Za-z0-9._-]: its URI encoding is itself
  add.size = obj.size;
  add.modification_time = obj.modification_time_ms;
  add.data_change = true;
  add.stats = stats_.ToJson();
  return add;
}

Result<AddFile> WriteDataFile(TableStorage& storage, const ColumnBatch& batch,
                              WriterOptions options) {
  PINPIPE_ASSIGN_OR_RETURN(auto w,
                           DataFileWriter::Open(storage, batch.schema(), std::move(options)));
  PINPIPE_RETURN_IF_ERROR(w->Write(batch));
  return w->Close();
}

}  // namespace pinpipe::lake
