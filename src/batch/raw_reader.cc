#include "batch/raw_reader.h"

#include <string>

#include "pinterest/clean.h"

namespace pinpipe::batch {

Status ReadRawObject(objstore::ObjectStore& store, pinterest::RawKind kind,
                     const ManifestObject& object, uint64_t reserve_for_bytes,
                     pinterest::RawDecoder& decoder, std::string& buf, pinterest::RawTables* out) {
  // One buffer per thread, reused: no page faults for a fresh buffer per object.
  Status got = store.GetInto(object.key, buf, pinterest::RawDecoder::kPadding);
  if (!got) {
    return MakeError(got.error().code(),
                     "reading raw object " + object.key + ": " + got.error().message());
  }
  if (buf.size() != object.size) {
    return MakeError(ErrorCode::kCorruption,
                     "raw object " + object.key + " has " + std::to_string(buf.size()) +
                         " bytes, the manifest says " + std::to_string(object.size) +
                         ": the lake changed since load ran; rerun load");
  }
  decoder.DecodeInPlace(kind, &buf, out);
  pinterest::ExtendFingerprints(kind, out);
  if (reserve_for_bytes > object.size && object.size > 0) {
    // Extrapolate from this first object, with a margin for objects of denser rows.
    constexpr double kMargin = 1.15;
    out->ReserveScaled(kind, kMargin * static_cast<double>(reserve_for_bytes) /
                                 static_cast<double>(object.size));
  }
  return OkStatus();
}

}  // namespace pinpipe::batch
