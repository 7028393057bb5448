// libFuzzer target for the REST produce body (gateway/produce_body.h), json and binary embedded
// formats (the first input byte picks one). Checks: no crash; an accepted body has between 1 and
// max_records records whose views lie inside the parser's buffers; every json key and value
// passes ValidateJson and simdjson's DOM (what the sink and json consumers read); errors carry a
// REST code and a bounded message.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/json_validator.h"
#include "gateway/produce_body.h"

namespace {

void Check(bool cond) {
  if (!cond) std::abort();
}

void CheckJson(std::string_view v) {
  Check(pinpipe::ValidateJson(v).ok);
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  Check(parser.parse(v.data(), v.size()).get(doc) == simdjson::SUCCESS);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool binary = data[0] & 1;
  const size_t max_records = 1 + (data[0] >> 1) % 64;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  static pinpipe::gateway::ProduceBody parsed;  // reused, as on a reactor thread
  auto err = parsed.Parse(body, binary, max_records);
  if (err) {
    Check(err->code >= 400 && err->code < 60000);
    Check(err->message.size() < 512);
    return 0;
  }
  Check(!parsed.records().empty() && parsed.records().size() <= max_records);
  for (const auto& r : parsed.records()) {
    Check(r.partition >= -1);
    for (auto v : {parsed.Key(r), parsed.Value(r)}) {
      if (v && !binary) CheckJson(*v);
    }
  }
  return 0;
}
