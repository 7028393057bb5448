#include "common/varint.h"

namespace pinpipe {

void AppendUnsignedVarint32(std::string& out, uint32_t v) {
  char buf[kMaxVarint32Bytes];
  out.append(buf, PutUnsignedVarint32(buf, v) - buf);
}
void AppendVarint(std::string& out, int32_t v) {
  char buf[kMaxVarint32Bytes];
  out.append(buf, PutVarint(buf, v) - buf);
}
void AppendVarlong(std::string& out, int64_t v) {
  char buf[kMaxVarint64Bytes];
  out.append(buf, PutVarlong(buf, v) - buf);
}

bool GetUnsignedVarint64(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  const char* q = *p;
  for (int shift = 0; shift < 64 && q < end; shift += 7) {
    uint64_t byte = static_cast<unsigned char>(*q++);
    if (shift == 63 && byte > 1) return false;  // bits beyond 64
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *p = q;
      *v = result;
      return true;
    }
  }
  return false;  // truncated or longer than 10 bytes
}

bool GetUnsignedVarint32(const char** p, const char* end, uint32_t* v) {
  uint32_t result = 0;
  const char* q = *p;
  for (int shift = 0; shift < 32 && q < end; shift += 7) {
    uint32_t byte = static_cast<unsigned char>(*q++);
    if (shift == 28 && byte > 0x0f) return false;  // bits beyond 32
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      *p = q;
      *v = result;
      return true;
    }
  }
  return false;
}

bool GetVarint(const char** p, const char* end, int32_t* v) {
  uint32_t u;
  if (!GetUnsignedVarint32(p, end, &u)) return false;
  *v = ZigZagDecode32(u);
  return true;
}

bool GetVarlong(const char** p, const char* end, int64_t* v) {
  uint64_t u;
  if (!GetUnsignedVarint64(p, end, &u)) return false;
  *v = ZigZagDecode64(u);
  return true;
}

}  // namespace pinpipe
