// Escaping for HTML and SVG text and attribute values (the five XML specials), so the report
// stays well-formed whatever the data contains. Invalid UTF-8 becomes U+FFFD and control
// characters other than tab/newline are dropped, since XML cannot carry them.
#pragma once

#include <string>
#include <string_view>

namespace pinpipe::report {

std::string HtmlEscape(std::string_view text);

}  // namespace pinpipe::report
