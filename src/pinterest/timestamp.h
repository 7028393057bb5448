// UTC date-times of the raw records: "2020-08-28 03:52:47" and "2020-08-28T03:52:47" (both
// spellings reach the API), optionally with a fraction of up to 6 digits and a trailing "Z".
// Stored as microseconds since the Unix epoch (Delta's `timestamp`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pinpipe::pinterest {

// Microseconds since the epoch, or nullopt when `s` is not a valid date-time.
std::optional<int64_t> ParseTimestampMicros(std::string_view s);

// Days since 1970-01-01 of a proleptic Gregorian date (no validation).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// The UTC calendar year of a timestamp.
int32_t YearOfMicros(int64_t micros);

// "YYYY-MM-DD HH:MM:SS" (plus ".ffffff" when the fraction is non-zero).
std::string FormatTimestampMicros(int64_t micros);

}  // namespace pinpipe::pinterest
