// FindCoordinator v0-2: this broker coordinates every group. Transactions are not implemented:
// a transaction coordinator lookup (key type 1) gets COORDINATOR_NOT_AVAILABLE.
#include "kafka/broker.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {

void HandleFindCoordinator(Broker& b, Request& req, Reply reply) {
  const int16_t v = req.header.api_version;
  Reader r(req.body);
  r.String(false);  // key
  int8_t key_type = v >= 1 ? r.I8() : 0;
  if (r.failed()) return reply.Close();
  const bool ok = key_type == 0;
  std::string body;
  Writer w(body);
  if (v >= 1) w.I32(0);  // throttle_time_ms
  w.I16(ok ? err::kNone : err::kCoordinatorNotAvailable);
  if (v >= 1) {
    w.NullableString(ok ? std::nullopt
                        : std::optional<std::string_view>("transactions are not supported"),
                     false);
  }
  w.I32(ok ? b.options().node_id : -1);
  w.String(ok ? std::string_view(b.advertised_host()) : std::string_view(), false);
  w.I32(ok ? b.advertised_port() : -1);
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
