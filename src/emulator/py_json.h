// Python-compatible JSON text: what the original's json.dumps() produced (separators
// ", " and ": ", ensure_ascii escapes, float repr), so posted bodies and the consumer
// check's files are byte-identical to the original's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pinpipe::emulator {

// Appends "<s>" with json.dumps(ensure_ascii=True) escaping. Invalid UTF-8 bytes are
// written as U+FFFD.
void AppendPyJsonString(std::string_view s, std::string* out);
// Appends repr(float): shortest round-trip digits, fixed notation for exponents in
// [-4, 16), otherwise "d.ddde+XX"; always with a "." or an exponent ("17.0").
void AppendPyFloat(double d, std::string* out);
void AppendInt(int64_t v, std::string* out);

}  // namespace pinpipe::emulator
