#include "pinterest/pipeline.h"

#include <thread>

#include "pinterest/raw_decode.h"

namespace pinpipe::pinterest {

CleanOutput DecodeAndCleanAll(const RawInputs& in, bool parallel) {
  CleanOutput out;
  RawTables pin_raw, other_raw;
  size_t pin_records = 0, other_records = 0;
  auto do_pin = [&] {
    RawDecoder d;
    for (std::string_view b : in.pin) d.Decode(RawKind::kPin, b, &pin_raw);
    pin_records = d.records();
    out.pin = CleanPins(std::move(pin_raw.pin), nullptr, &out.pin_stats);
  };
  auto do_other = [&] {
    RawDecoder d;
    for (std::string_view b : in.geo) d.Decode(RawKind::kGeo, b, &other_raw);
    for (std::string_view b : in.user) d.Decode(RawKind::kUser, b, &other_raw);
    other_records = d.records();
    out.geo = CleanGeos(std::move(other_raw.geo), nullptr, &out.geo_stats);
    out.user = CleanUsers(std::move(other_raw.user), nullptr, &out.user_stats);
  };
  if (parallel) {
    std::thread t(do_other);
    do_pin();
    t.join();
  } else {
    do_pin();
    do_other();
  }
  out.quarantine = std::move(pin_raw.quarantine);
  out.quarantine.Append(other_raw.quarantine);
  out.records = pin_records + other_records;
  return out;
}

}  // namespace pinpipe::pinterest
