// libFuzzer target: Kafka RecordBatch v2 bytes as they arrive from clients (Kafka produce) or
// from disk (recovery): validation, header parsing and record decoding, compressed payloads
// included. Any input must yield records or a clean error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "log/record_batch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::log;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)ValidateBatch(bytes.substr(0, FirstBatchSize(bytes)));
  (void)ParseBatchHeader(bytes);
  RecordReader reader(bytes, 0, /*verify_crc=*/false);
  RecordView rec;
  std::vector<Header> headers;
  while (reader.Next(rec)) {
    headers.clear();
    (void)rec.ParseHeaders(headers);
  }
  return 0;
}
