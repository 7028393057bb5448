// REST Proxy v2 produce: POST /topics/{topic} and POST /topics/{topic}/partitions/{partition}
// (protocols.md §1.3). The response is sent only after the records are durable under the log's
// flush policy: the Responder is completed from the log's acknowledgement callback.
#pragma once

#include <memory>
#include <optional>

#include "http/request.h"
#include "http/responder.h"
#include "gateway/work_pool.h"
#include "log/log_writer.h"

namespace pinpipe::gateway {

struct ProduceOptions {
  // Records per request (rest.max_records_per_request); more → 413 before anything is built, so
  // the parse state and the response (one offset per record) stay bounded.
  size_t max_records = 20000;
};

class RestProduce {
 public:
  // `log`: the embedded log (log::EmbeddedLog) or an external cluster (kafka::ClusterLog).
  explicit RestProduce(log::LogWriter& log, ProduceOptions options = {})
      : log_(log), options_(options) {}
  // `path_partition` is the {partition} of the per-partition endpoint, raw.
  void Handle(const http::Request& req, http::Responder responder,
              std::optional<std::string_view> path_partition);

 private:
  // `may_create`: this call runs on the topic-creation thread, where creating a missing topic
  // (directories, files, their fsyncs) or asking a cluster about it may block; on a reactor
  // thread a request for a topic not known here is handed to that thread instead, so appends
  // to other topics never wait for it.
  void Produce(const http::Request& req, http::Responder responder,
               std::optional<std::string_view> path_partition, bool may_create);

  log::LogWriter& log_;
  ProduceOptions options_;
  // One thread: creations are serialised anyway (the log's topic mutex); bounded queue → 503.
  WorkPool creator_{1, 1024};
};

}  // namespace pinpipe::gateway
