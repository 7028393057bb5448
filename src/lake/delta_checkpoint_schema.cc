#include "lake/delta_checkpoint_schema.h"

#include <functional>

namespace pinpipe::lake {

namespace {

Field Str(const char* name) { return Field::Primitive(name, LeafType::kString); }
Field I64(const char* name) { return Field::Primitive(name, LeafType::kInt64); }
Field I32(const char* name) { return Field::Primitive(name, LeafType::kInt32); }
Field Bool(const char* name) { return Field::Primitive(name, LeafType::kBoolean); }
Field StrMap(const char* name) { return Field::Map(name, Str("key"), Str("value")); }
Field StrList(const char* name) { return Field::List(name, Str("element")); }

}  // namespace

Schema CheckpointParquetSchema() {
  return Schema({
      Field::Struct("txn", {Str("appId"), I64("version"), I64("lastUpdated")}),
      Field::Struct("add",
                    {Str("path"), StrMap("partitionValues"), I64("size"), I64("modificationTime"),
                     Bool("dataChange"), StrMap("tags"), Str("stats")}),
      Field::Struct("remove",
                    {Str("path"), I64("deletionTimestamp"), Bool("dataChange"),
                     Bool("extendedFileMetadata"), StrMap("partitionValues"), I64("size")}),
      Field::Struct("metaData", {Str("id"), Str("name"), Str("description"),
                                 Field::Struct("format", {Str("provider"), StrMap("options")}),
                                 Str("schemaString"), StrList("partitionColumns"),
                                 StrMap("configuration"), I64("createdTime")}),
      Field::Struct("protocol", {I32("minReaderVersion"), I32("minWriterVersion"),
                                 StrList("readerFeatures"), StrList("writerFeatures")}),
  });
}

CheckpointLeaves::CheckpointLeaves(const Schema& schema) {
  // Leaves are numbered in depth-first field order, the order this walk visits them.
  int next = 0;
  std::function<void(const Field&, const std::string&)> walk = [&](const Field& f,
                                                                   const std::string& path) {
    switch (f.kind) {
      case Field::Kind::kPrimitive:
        index_.emplace(path, next++);
        break;
      case Field::Kind::kStruct:
        for (const auto& c : f.children) walk(c, path + "." + c.name);
        break;
      case Field::Kind::kList:
        if (!f.children.empty()) walk(f.children[0], path + ".element");
        break;
      case Field::Kind::kMap:
        if (f.children.size() == 2) {
          walk(f.children[0], path + ".key");
          walk(f.children[1], path + ".value");
        }
        break;
    }
  };
  for (const auto& f : schema.fields()) walk(f, f.name);
  if (static_cast<size_t>(next) != schema.leaves().size()) index_.clear();  // shape we can't map
}

int CheckpointLeaves::Find(std::string_view path) const {
  auto it = index_.find(path);
  return it == index_.end() ? -1 : it->second;
}

}  // namespace pinpipe::lake
