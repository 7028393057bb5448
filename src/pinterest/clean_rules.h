// The value-level cleaning rules of domain.md §2, shared by the batch tasks and the
// streaming job (through CleanPins/CleanGeos/CleanUsers).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pinpipe::pinterest {

// The sentinel values that become null in title, description, poster_name, follower_count,
// tag_list and image_src: "", "No description available Story format",
// "No description available", "User Info Error", "Image src error.",
// "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e", "No Title Data Available".
bool IsSentinel(std::string_view v);

// "<digits>" -> n, "<digits>k" -> n*1000, "<digits>M" -> n*1000000; anything else, and
// values outside int32, -> nullopt.
std::optional<int32_t> ParseFollowerCount(std::string_view v);

// "Local save in /data/x" -> "/data/x"; other values unchanged.
inline constexpr std::string_view kSaveLocationPrefix = "Local save in ";
std::string_view StripSaveLocation(std::string_view v);

}  // namespace pinpipe::pinterest
