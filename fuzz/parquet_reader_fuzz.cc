// libFuzzer target: the Parquet reader on arbitrary bytes (footer, schema, page headers, levels,
// dictionary indices, codecs). Any input must yield a value or a clean error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lake/parquet_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::lake;
  auto r = ParquetReader::Open(MemorySource(std::string(reinterpret_cast<const char*>(data), size)));
  if (!r) return 0;
  LeafData leaf;
  for (size_t g = 0; g < (*r)->num_row_groups() && g < 16; ++g)
    for (size_t l = 0; l < (*r)->schema().leaves().size() && l < 64; ++l) (void)(*r)->ReadLeaf(g, l, &leaf);
  return 0;
}
