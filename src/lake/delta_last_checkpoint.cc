// _last_checkpoint: a hint only (PROTOCOL.md "Last Checkpoint File"); readers verify it.
#include <simdjson.h>

#include "lake/delta_checkpoint.h"
#include "common/json_writer.h"

namespace pinpipe::lake {

Result<LastCheckpoint> ParseLastCheckpoint(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj)) {
    return MakeError(ErrorCode::kCorruption, "_last_checkpoint is not a JSON object");
  }
  LastCheckpoint lc;
  if (obj["version"].get(lc.version) || lc.version < 0) {
    return MakeError(ErrorCode::kCorruption, "_last_checkpoint has no valid \"version\"");
  }
  if (obj["size"].get(lc.size)) {
    return MakeError(ErrorCode::kCorruption, "_last_checkpoint has no valid \"size\"");
  }
  int64_t v;
  if (!obj["parts"].get(v)) lc.parts = static_cast<int32_t>(v);
  if (!obj["sizeInBytes"].get(v)) lc.size_in_bytes = v;
  if (!obj["numOfAddFiles"].get(v)) lc.num_of_add_files = v;
  return lc;
}

std::string SerializeLastCheckpoint(const LastCheckpoint& lc) {
  JsonWriter w;
  w.BeginObject().Field("version", lc.version).Field("size", lc.size);
  if (lc.parts) w.Field("parts", *lc.parts);
  if (lc.size_in_bytes) w.Field("sizeInBytes", *lc.size_in_bytes);
  if (lc.num_of_add_files) w.Field("numOfAddFiles", *lc.num_of_add_files);
  w.EndObject();
  return w.Take();
}

}  // namespace pinpipe::lake
