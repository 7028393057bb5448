// OffsetFetch v1: committed offsets from the log's offset store (shared with the REST Proxy's
// consumers); -1 with no error for a partition nothing was committed for.
#include "kafka/broker.h"
#include "kafka/errors.h"
#include "log/log_manager.h"
#include "log/offset_store.h"

namespace pinpipe::kafka {

void HandleOffsetFetch(Broker& b, Request& req, Reply reply) {
  Reader r(req.body);
  std::string group(r.String(false));
  std::string body;
  Writer w(body);
  int32_t nt = r.ArrayLength(false);
  w.ArrayLength(std::max(nt, 0), false);
  for (int32_t i = 0; i < nt && !r.failed(); ++i) {
    std::string_view topic = r.String(false);
    w.String(topic, false);
    int32_t np = r.ArrayLength(false);
    w.ArrayLength(std::max(np, 0), false);
    for (int32_t j = 0; j < np && !r.failed(); ++j) {
      int32_t partition = r.I32();
      auto c = b.log().offsets().Fetch(group, topic, partition);
      w.I32(partition);
      w.I64(c ? c->offset : -1);
      w.NullableString(c ? std::optional<std::string_view>(c->metadata) : std::string_view(), false);
      w.I16(err::kNone);
    }
  }
  if (r.failed()) return reply.Close();
  reply.Send(std::move(body));
}

}  // namespace pinpipe::kafka
