// InitProducerId v0-1: a fresh producer id with epoch 0 for an idempotent producer.
// Transactional producers (a non-null transactional id) are refused: pinpipe has no
// transaction coordinator. Runs on the executor: a new block of ids is made durable (fsync)
// before its first id is handed out (ProducerStates::AllocateProducerId).
#include "kafka/broker.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {

void HandleInitProducerId(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  auto txn_id = r.NullableString(false);
  r.I32();  // transaction_timeout_ms
  if (r.failed()) return reply.Close();
  std::string body;
  Writer w(body);
  w.I32(0);  // throttle_time_ms
  if (txn_id) {
    w.I16(err::kTransactionalIdAuthorizationFailed);
    w.I64(-1);
    w.I16(-1);
  } else if (auto pid = b.producers().AllocateProducerId(); !pid) {
    w.I16(err::kUnknownServerError);  // the id range could not be persisted
    w.I64(-1);
    w.I16(-1);
  } else {
    w.I16(err::kNone);
    w.I64(*pid);
    w.I16(0);
  }
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
