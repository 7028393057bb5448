// The version and the git commit the binary was built from (build_info.cc is generated at
// build time by cmake/build_info.cmake, so a rebuild after a commit embeds the new one).
#pragma once

#include <string_view>

namespace pinpipe::cli {

std::string_view Version();    // "0.1.0"
std::string_view GitCommit();  // "1a2b3c4d5e6f", "1a2b3c4d5e6f-dirty", or "unknown"
// "pinpipe 0.1.0 (git 1a2b3c4d5e6f)"
std::string_view VersionLine();

}  // namespace pinpipe::cli
