#include "kafka/frame.h"

#include "kafka/api_versions.h"

namespace pinpipe::kafka {

FrameStatus NextFrame(std::string_view buf, size_t max_bytes, std::string_view* frame,
                      size_t* consumed) {
  if (buf.size() < 4) return FrameStatus::kNeedMore;
  Reader r(buf.substr(0, 4));
  int32_t size = r.I32();
  if (size < 0) return FrameStatus::kInvalidSize;
  if (static_cast<size_t>(size) > max_bytes) return FrameStatus::kTooLarge;
  if (buf.size() - 4 < static_cast<size_t>(size)) return FrameStatus::kNeedMore;
  *frame = buf.substr(4, static_cast<size_t>(size));
  *consumed = 4 + static_cast<size_t>(size);
  return FrameStatus::kFrame;
}

bool ParseRequestHeader(Reader& r, RequestHeader* h) {
  h->api_key = r.I16();
  h->api_version = r.I16();
  h->correlation_id = r.I32();
  // client_id stays an int16-length string even in header v2 (Kafka's RequestHeader.json).
  h->client_id = r.NullableString(false);
  h->flexible = IsFlexible(h->api_key, h->api_version);
  if (h->flexible) r.SkipTaggedFields();
  return !r.failed();
}

size_t BeginResponse(std::string& out, int32_t correlation_id, bool flexible_header) {
  size_t start = out.size();
  Writer w(out);
  w.I32(0);
  w.I32(correlation_id);
  if (flexible_header) w.EmptyTaggedFields();
  return start;
}

void FinishResponse(std::string& out, size_t start, size_t more) {
  Writer w(out);
  w.PatchI32(start, static_cast<int32_t>(out.size() - start - 4 + more));
}

bool FlexibleResponseHeader(const RequestHeader& h) {
  return h.flexible && h.api_key != kApiVersions;
}

}  // namespace pinpipe::kafka
