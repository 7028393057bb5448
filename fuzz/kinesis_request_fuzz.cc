// libFuzzer target for the Kinesis request decoders (kinesis/cbor.h, kinesis/json_codec.h) and
// the field reading every operation does (kinesis/request_fields.h). The first input byte picks
// CBOR or JSON. Checks: no crash, no unbounded allocation (a CBOR length is never trusted beyond
// the input), nesting within the limit, and re-encoding a decoded CBOR value decodes to a value
// that encodes to the same bytes (the codec is stable on its own output).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kinesis/cbor.h"
#include "kinesis/json_codec.h"
#include "kinesis/request_fields.h"

namespace {

void Check(bool cond) {
  if (!cond) std::abort();
}

int Depth(const pinpipe::kinesis::Value& v) {
  int d = 0;
  for (const auto& x : v.items) d = std::max(d, Depth(x));
  for (const auto& [k, x] : v.fields) d = std::max(d, Depth(x));
  return d + 1;
}

void ReadFields(const pinpipe::kinesis::Value& v) {
  pinpipe::kinesis::RequestFields f(v);
  f.String("StreamName");
  f.Int("ShardCount");
  f.TimestampMs("Timestamp");
  std::string blob;
  f.Blob("Data", blob);
  if (const auto* recs = f.List("Records")) {
    for (const auto& r : recs->items) {
      pinpipe::kinesis::RequestFields rf(r);
      rf.Blob("Data", blob);
      rf.String("PartitionKey");
    }
  }
  auto e = f.Error();
  if (e) Check(!e->type.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    auto v = pinpipe::kinesis::DecodeCbor(in);
    if (!v) return 0;
    Check(Depth(*v) <= pinpipe::kinesis::kMaxCborDepth + 2);
    std::string once, twice;
    pinpipe::kinesis::EncodeCbor(*v, once);
    auto back = pinpipe::kinesis::DecodeCbor(once);
    Check(back.has_value());
    pinpipe::kinesis::EncodeCbor(*back, twice);
    Check(once == twice);
    ReadFields(*v);
  } else {
    auto v = pinpipe::kinesis::DecodeJson(in);
    if (!v) return 0;
    std::string out;
    pinpipe::kinesis::EncodeJson(*v, out);
    ReadFields(*v);
  }
  return 0;
}
