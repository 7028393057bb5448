#include "pinterest/clean_rules.h"

namespace pinpipe::pinterest {

bool IsSentinel(std::string_view v) {
  // Dispatch on the length first: most values have none of the sentinels' lengths.
  switch (v.size()) {
    case 0:
      return true;
    case 15:
      return v == "User Info Error";
    case 16:
      return v == "Image src error.";
    case 23:
      return v == "No Title Data Available";
    case 24:
      return v == "No description available";
    case 33:
      return v == "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
    case 37:
      return v == "No description available Story format";
    default:
      return false;
  }
}

std::optional<int32_t> ParseFollowerCount(std::string_view v) {
  if (v.empty()) return std::nullopt;
  int64_t mult = 1;
  if (v.back() == 'k') {
    mult = 1000;
    v.remove_suffix(1);
  } else if (v.back() == 'M') {
    mult = 1000000;
    v.remove_suffix(1);
  }
  if (v.empty()) return std::nullopt;
  int64_t n = 0;
  for (char c : v) {
    const unsigned d = static_cast<unsigned char>(c) - '0';
    if (d > 9) return std::nullopt;
    n = n * 10 + d;
    if (n > INT32_MAX) return std::nullopt;  // also bounds n*mult below int64
  }
  n *= mult;
  if (n > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(n);
}

std::string_view StripSaveLocation(std::string_view v) {
  if (v.starts_with(kSaveLocationPrefix)) v.remove_prefix(kSaveLocationPrefix.size());
  return v;
}

}  // namespace pinpipe::pinterest
