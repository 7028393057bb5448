// Strict UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF), for
// writers whose output must be valid UTF-8 whatever bytes they were handed (JSON, Delta stats).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pinpipe {

// The length (1-4) of the well-formed sequence starting at s[i], or 0 when it is ill-formed;
// then *skip is the length of its maximal subpart (Unicode §3.9 "U+FFFD substitution of
// maximal subparts"): the bytes one U+FFFD replaces. Requires i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i, size_t* skip);

// True when all of `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// `s` with every ill-formed subpart replaced by U+FFFD (EF BF BD).
std::string ToValidUtf8(std::string_view s);

// The replacement character, UTF-8 encoded.
inline constexpr std::string_view kUtf8Replacement = "\xEF\xBF\xBD";

}  // namespace pinpipe
