#include "pinterest/flat_hash.h"

#include "common/bytes_hash.h"

namespace pinpipe::pinterest {

uint64_t HashBytes(std::string_view s) { return pinpipe::HashBytes(s, 0x243f6a8885a308d3ull); }

}  // namespace pinpipe::pinterest
