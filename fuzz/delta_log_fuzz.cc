// libFuzzer target: the Delta log reader (issue 14), on arbitrary bytes. The first byte picks:
//   0..127   a commit file (NDJSON actions, lake/delta_actions.h ParseCommit)
//   128..191 a schemaString (lake/delta_schema.h ParseDeltaSchema)
//   192..255 a _last_checkpoint file (lake/delta_checkpoint.h ParseLastCheckpoint)
// Any input must give a value or a clean error, never a crash. What is accepted must survive a
// round trip: it is written back as valid JSON (every line of a commit) that parses to the same
// actions (what the writer leaves out by design aside, see Normalize) or the same schema.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/json_validator.h"
#include "lake/delta_actions.h"
#include "lake/delta_checkpoint.h"
#include "lake/delta_schema.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "delta_log_fuzz: %s:\n%.*s\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

void CheckJson(std::string_view text) {
  if (!pinpipe::ValidateJson(text)) Fail("written JSON is not valid", text);
}

// What the writer leaves out by design: commitInfo's raw text (only the fields it knows are
// written back), and a remove's partitionValues and size without extendedFileMetadata (the
// protocol has them only with it).
void Normalize(std::vector<pinpipe::lake::Action>& actions) {
  for (auto& a : actions) {
    if (auto* c = std::get_if<pinpipe::lake::CommitInfo>(&a)) c->raw_json.clear();
    if (auto* r = std::get_if<pinpipe::lake::RemoveFile>(&a); r && !r->extended_file_metadata) {
      r->partition_values.clear();
      r->size.reset();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::lake;
  if (size == 0) return 0;
  const uint8_t pick = data[0];
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (pick < 128) {
    auto actions = ParseCommit(text, "fuzz.json");
    if (!actions) return 0;
    const std::string written = SerializeCommit(*actions);
    for (size_t start = 0; start < written.size();) {
      const size_t end = written.find('\n', start);
      if (end == std::string::npos) Fail("an action without its newline", written);
      CheckJson(std::string_view(written).substr(start, end - start));
      start = end + 1;
    }
    auto again = ParseCommit(written, "fuzz.json (written back)");
    if (!again) Fail("the written commit does not parse", written);
    Normalize(*actions);
    Normalize(*again);
    if (again->size() != actions->size()) Fail("the written commit has another action count", written);
    for (size_t i = 0; i < actions->size(); ++i) {
      if ((*again)[i] != (*actions)[i]) {
        Fail("the written commit parses to another action", SerializeAction((*actions)[i]));
      }
    }
  } else if (pick < 192) {
    auto schema = ParseDeltaSchema(text);
    if (!schema) return 0;
    const std::string written = DeltaSchemaToJson(*schema);
    CheckJson(written);
    auto again = ParseDeltaSchema(written);
    if (!again || !(*again == *schema)) Fail("the written schema does not parse back", written);
  } else {
    auto lc = ParseLastCheckpoint(text);
    if (!lc) return 0;
    CheckJson(SerializeLastCheckpoint(*lc));
  }
  return 0;
}
