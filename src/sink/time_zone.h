// TimeZone: the UTC offset of a zone at an instant, for the time-based partitioner's
// `timezone` (Joda's DateTimeZone.forID ids): "UTC", a fixed offset "+05:30" / "-08:00", or an
// IANA name ("America/New_York") read once from the system's TZif file
// (/usr/share/zoneinfo, RFC 8536). Past the file's last transition its last offset holds
// (Debian's tzdata files list transitions up to 2037).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace pinpipe::sink {

class TimeZone {
 public:
  static TimeZone Utc();
  // kInvalidArgument for a malformed id or an unknown zone.
  static Result<TimeZone> Load(std::string_view id);
  // Parses a TZif (RFC 8536) file's bytes; `id` names it in errors.
  static Result<TimeZone> FromTzif(std::string_view id, std::string_view bytes);

  // Offset of local time from UTC in ms at the UTC instant `utc_ms`.
  int64_t OffsetMs(int64_t utc_ms) const;
  // Joda's convertLocalToUTC(local, strict=false): the instant whose local time is `local_ms`
  // (in a gap or an overlap, the offset in force just before it).
  int64_t LocalToUtc(int64_t local_ms) const;
  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::vector<int64_t> transitions_s_;  // UTC seconds, ascending
  std::vector<int32_t> offsets_s_;      // offset from transitions_s_[i] on
  int32_t initial_offset_s_ = 0;        // before the first transition
};

}  // namespace pinpipe::sink
