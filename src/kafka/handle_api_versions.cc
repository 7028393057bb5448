// ApiVersions v0-3 (kafka.md §1.3). v3 is flexible (compact array, tagged fields) but its
// response header is always v0. A version above 3 is answered as Kafka does: a v0 body with
// UNSUPPORTED_VERSION and only ApiVersions' own range, so the client retries with that.
#include "kafka/api_versions.h"
#include "kafka/broker.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {

std::string UnsupportedApiVersionsBody() {
  std::string body;
  Writer w(body);
  w.I16(err::kUnsupportedVersion);
  w.ArrayLength(1, false);
  const ApiRange* self = FindApi(kApiVersions);
  w.I16(self->key);
  w.I16(self->min_version);
  w.I16(self->max_version);
  return body;
}

void HandleApiVersions(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  if (v > FindApi(kApiVersions)->max_version) return reply.Send(UnsupportedApiVersionsBody());
  const bool flex = req.header.flexible;
  if (flex) {
    // ClientSoftwareName and ClientSoftwareVersion: read to check the request, not used.
    Reader r(req.body);
    r.String(true);
    r.String(true);
    r.SkipTaggedFields();
    if (r.failed()) {
      // Kafka answers a malformed v3 with INVALID_REQUEST in a v0 body.
      std::string body;
      Writer w(body);
      w.I16(err::kInvalidRequest);
      w.ArrayLength(0, false);
      return reply.Send(std::move(body));
    }
  }
  std::string body;
  Writer w(body);
  w.I16(err::kNone);
  // The SASL APIs only where a client must use them (a SASL listener).
  const bool sasl = b.options().sasl;
  auto apis = SupportedApis();
  w.ArrayLength(static_cast<int32_t>(apis.size()) - (sasl ? 0 : 2), flex);
  for (const ApiRange& a : apis) {
    if (!sasl && (a.key == kSaslHandshake || a.key == kSaslAuthenticate)) continue;
    w.I16(a.key);
    w.I16(a.min_version);
    w.I16(a.max_version);
    if (flex) w.EmptyTaggedFields();
  }
  if (v >= 1) w.I32(0);  // throttle_time_ms
  if (flex) w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
