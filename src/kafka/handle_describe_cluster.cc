// DescribeCluster v0 (flexible only): this broker is the cluster and its controller.
#include "kafka/broker.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {

void HandleDescribeCluster(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  r.Bool();  // include_cluster_authorized_operations
  r.SkipTaggedFields();
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  w.I16(err::kNone);
  w.NullableString(std::nullopt, true);  // error_message
  w.String(b.options().cluster_id, true);
  w.I32(b.options().node_id);  // controller_id
  w.ArrayLength(1, true);
  w.I32(b.options().node_id);
  w.String(b.advertised_host(), true);
  w.I32(b.advertised_port());
  w.NullableString(std::nullopt, true);  // rack
  w.EmptyTaggedFields();
  w.I32(INT32_MIN);  // cluster_authorized_operations: not requested
  w.EmptyTaggedFields();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
