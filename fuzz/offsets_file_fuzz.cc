// libFuzzer target: the bytes of state/consumer_offsets.log as replayed at start-up. Any file
// must replay to entries and damaged stretches that together cover it exactly, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "log/offset_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pinpipe::log;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  uint64_t entry_bytes = 0;
  OffsetReplay r = ReplayOffsetEntries(bytes, [&](const OffsetEntry& e) {
    entry_bytes += 8 + 20 + e.group.size() + e.topic.size() + e.metadata.size();
  });
  uint64_t damaged = 0, last_end = 0;
  for (const OffsetDamage& d : r.damage) {
    if (d.position < last_end || d.bytes == 0 || d.position + d.bytes > size) std::abort();
    last_end = d.position + d.bytes;
    damaged += d.bytes;
  }
  if (entry_bytes + damaged != size || r.good_end > size) std::abort();
  return 0;
}
