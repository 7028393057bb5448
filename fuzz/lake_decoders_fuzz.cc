// libFuzzer target: the Parquet reader's value decoders and row assembly, and the Delta
// deletion-vector parsers, on arbitrary bytes. The first byte picks the path:
//   0      a whole Parquet file: every leaf decoded, every row rendered as nested JSON
//   1      a RoaringBitmapArray (deletion vector bitmap)
//   2      Z85 text
//   3..255 DecodeValues: byte 1 = encoding, byte 2 = leaf type, byte 3 = value count,
//          byte 4 = FIXED_LEN_BYTE_ARRAY width, then the page bytes
// Any input must yield a value or a clean error, never a crash or an unbounded allocation.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lake/delta_deletion_vector.h"
#include "lake/parquet_delta_encoding.h"
#include "lake/parquet_reader.h"
#include "lake/parquet_row_render.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::lake;
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  ++data;
  --size;
  if (mode == 0) {
    auto r = ParquetReader::Open(MemorySource(std::string(reinterpret_cast<const char*>(data), size)));
    if (!r) return 0;
    const Schema& s = (*r)->schema();
    if (s.leaves().size() > 64) return 0;
    std::vector<LeafData> leaves(s.leaves().size());
    std::vector<RenderNode> nodes;
    for (size_t t = 0; t < s.fields().size(); ++t) nodes.push_back(BuildRenderNode(s, t));
    RowAssembler rows;
    for (size_t g = 0; g < (*r)->num_row_groups() && g < 4; ++g) {
      std::vector<const LeafData*> ptrs;
      for (size_t l = 0; l < leaves.size(); ++l) ptrs.push_back((*r)->ReadLeaf(g, l, &leaves[l]) ? &leaves[l] : nullptr);
      rows.Reset(ptrs);
      int64_t n = std::min<int64_t>((*r)->metadata().row_groups[g].num_rows, 4096);
      std::string out;
      for (int64_t i = 0; i < n; ++i)
        for (const auto& node : nodes) {
          out.clear();
          rows.Render(node, &out);
        }
    }
    return 0;
  }
  if (mode == 1) {
    (void)ParseRoaringBitmapArray(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  if (mode == 2) {
    (void)Z85Decode(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
  }
  if (size < 4) return 0;
  static const LeafType kTypes[] = {LeafType::kInt32, LeafType::kInt64, LeafType::kDouble, LeafType::kBoolean,
                                    LeafType::kString, LeafType::kTimestamp, LeafType::kBinary, LeafType::kFloat,
                                    LeafType::kInt96, LeafType::kFixed};
  LeafData d;
  d.type = kTypes[data[1] % (sizeof(kTypes) / sizeof(kTypes[0]))];
  d.fixed_len = data[3] % 33;
  if (d.type == LeafType::kFixed && d.fixed_len == 0) d.fixed_len = 1;
  (void)DecodeValues(data[0] % 10, data + 4, size - 4, data[2], &d);
  return 0;
}
