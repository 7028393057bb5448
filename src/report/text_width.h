// Display width of UTF-8 text in a terminal: East Asian wide and emoji code points take two
// columns, combining marks and zero-width joiners none, everything else one. Invalid UTF-8
// bytes count one column each. Good enough for aligning tables; not a full wcwidth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pinpipe::report {

size_t DisplayWidth(std::string_view utf8);
// Cuts `utf8` to at most `width` columns at a code point boundary, ending with "…" when cut.
std::string TruncateToWidth(std::string_view utf8, size_t width);
// Control characters (tabs, newlines, ...) become spaces so they cannot break a layout.
std::string ReplaceControlCharacters(std::string_view utf8);

}  // namespace pinpipe::report
