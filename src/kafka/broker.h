// Broker: what the Kafka API handlers share — the log, the group coordinator, the idempotent
// producers' state, the options and the worker pool — plus the request/reply types of the
// handler interface. One handler per API (handle_<api>.cc), Redpanda's layout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/executor.h"
#include "kafka/frame.h"
#include "kafka/kafka_metrics.h"
#include "groups/group_admin.h"
#include "kafka/producer_state.h"

namespace pinpipe::log {
class LogManager;
}
namespace pinpipe::groups {
class GroupCoordinator;
}

namespace pinpipe::kafka {

// The leader epoch of every partition (KIP-101/320): one broker, never a new leader, so one
// epoch, as a new topic's partitions start on Kafka. Metadata, Fetch (and the batches it
// returns) and OffsetForLeaderEpoch all answer it.
inline constexpr int32_t kLeaderEpoch = 0;

struct BrokerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 9092;  // 0 = ephemeral
  int32_t node_id = 1;
  std::string cluster_id = "pinpipe";
  size_t socket_request_max_bytes = 104857600;  // socket.request.max.bytes
  size_t message_max_bytes = 1048588;           // message.max.bytes
  int64_t group_initial_rebalance_delay_ms = 3000;
  size_t worker_threads = 2;
  bool delete_topic_enable = true;  // delete.topic.enable: DeleteTopics removes topics
  // The listener's security (kafka.listener_*; README "Security"). Off by default.
  bool sasl = false;                      // SASL_PLAINTEXT / SASL_SSL
  bool tls = false;                       // SSL / SASL_SSL
  std::vector<std::string> sasl_mechanisms;  // Kafka's names, in the configured order
  std::string sasl_users;                 // "user:password,…" (secret: never logged)
  std::string tls_cert_file, tls_key_file;  // PEM
};

// One decoded request. `body` points into `frame`, which the request owns.
struct Request {
  RequestHeader header;
  std::string frame;
  std::string_view body;
  std::string client_host;
};

// The answer to one request: its body (without the response header), nothing (a Produce with
// acks=0), or closing the connection (a malformed request, as Kafka's broker does). Exactly one
// of Send / SendNothing / Close, once, from any thread.
enum class ReplyKind { kBody, kNothing, kClose };

// A response body as the pieces it was built in, sent in order by one gather write: a Fetch
// answer's record data stays in the buffers the log read it into, never copied into one string.
struct ResponseBody {
  std::vector<std::string> pieces;

  ResponseBody() = default;
  ResponseBody(std::string body) { pieces.push_back(std::move(body)); }  // NOLINT: implicit
  explicit ResponseBody(std::vector<std::string> p) : pieces(std::move(p)) {}
  size_t size() const {
    size_t n = 0;
    for (const std::string& p : pieces) n += p.size();
    return n;
  }
  // The pieces as one string (tests, and any caller that wants the bytes together).
  operator std::string() && {  // NOLINT: implicit
    if (pieces.size() == 1) return std::move(pieces.front());
    std::string joined;
    joined.reserve(size());
    for (const std::string& p : pieces) joined += p;
    return joined;
  }
};

class Reply {
 public:
  using Fn = std::move_only_function<void(ReplyKind, ResponseBody)>;
  Reply() = default;
  explicit Reply(Fn fn) : fn_(std::move(fn)) {}
  void Send(std::string body) { Finish(ReplyKind::kBody, ResponseBody(std::move(body))); }
  void Send(ResponseBody body) { Finish(ReplyKind::kBody, std::move(body)); }
  void SendNothing() { Finish(ReplyKind::kNothing, {}); }
  void Close() { Finish(ReplyKind::kClose, {}); }
  explicit operator bool() const { return static_cast<bool>(fn_); }

 private:
  void Finish(ReplyKind kind, ResponseBody body) {
    if (fn_) std::exchange(fn_, nullptr)(kind, std::move(body));
  }
  Fn fn_;
};

class Broker {
 public:
  Broker(log::LogManager& log, groups::GroupCoordinator& groups, BrokerOptions options);
  ~Broker();

  log::LogManager& log() { return log_; }
  groups::GroupCoordinator& groups() { return groups_; }
  ProducerStates& producers() { return producers_; }
  Executor& executor() { return executor_; }
  KafkaMetrics& metrics() { return metrics_; }
  const BrokerOptions& options() const { return options_; }
  // The host and port clients are told to connect to (Metadata, FindCoordinator).
  const std::string& advertised_host() const { return advertised_host_; }
  int32_t advertised_port() const { return port_; }
  void set_port(uint16_t port) { port_ = port; }
  void Stop() { executor_.Stop(); }
  // Whether another front end (the REST Proxy) has live members in a group: DeleteGroups
  // refuses such a group. Set before the listener starts.
  void set_other_group_members(groups::OtherMembers fn) { other_members_ = std::move(fn); }
  const groups::OtherMembers& other_group_members() const { return other_members_; }

  // Runs the handler of an implemented (key, version); the caller has checked both.
  // Blocking handlers (see IsBlocking) must be called on a worker thread.
  void Handle(Request& request, Reply reply);
  // Whether the API's handler may block (disk reads, fsyncs): the connection runs it on the
  // executor and reads no further request until it is answered, as Kafka mutes a channel.
  static bool IsBlocking(int16_t api_key);

 private:
  log::LogManager& log_;
  groups::GroupCoordinator& groups_;
  BrokerOptions options_;
  ProducerStates producers_;
  KafkaMetrics metrics_;
  Executor executor_;
  std::string advertised_host_;
  int32_t port_ = 0;
  groups::OtherMembers other_members_;
};

// The handlers (handle_<api>.cc). Each parses req.body for req.header.api_version and answers
// through `reply` exactly once; a malformed body is answered with reply.Close().
void HandleApiVersions(Broker& b, Request& req, Reply reply);
void HandleMetadata(Broker& b, Request& req, Reply reply);
void HandleProduce(Broker& b, Request& req, Reply reply);
void HandleFetch(Broker& b, Request& req, Reply reply);
void HandleListOffsets(Broker& b, Request& req, Reply reply);
void HandleOffsetForLeaderEpoch(Broker& b, Request& req, Reply reply);
void HandleFindCoordinator(Broker& b, Request& req, Reply reply);
void HandleInitProducerId(Broker& b, Request& req, Reply reply);
void HandleCreateTopics(Broker& b, Request& req, Reply reply);
void HandleDeleteTopics(Broker& b, Request& req, Reply reply);
void HandleCreatePartitions(Broker& b, Request& req, Reply reply);
void HandleJoinGroup(Broker& b, Request& req, Reply reply);
void HandleSyncGroup(Broker& b, Request& req, Reply reply);
void HandleHeartbeat(Broker& b, Request& req, Reply reply);
void HandleLeaveGroup(Broker& b, Request& req, Reply reply);
void HandleOffsetCommit(Broker& b, Request& req, Reply reply);
void HandleOffsetFetch(Broker& b, Request& req, Reply reply);
void HandleListGroups(Broker& b, Request& req, Reply reply);
void HandleDescribeGroups(Broker& b, Request& req, Reply reply);
void HandleDescribeConfigs(Broker& b, Request& req, Reply reply);
void HandleDescribeCluster(Broker& b, Request& req, Reply reply);
void HandleDeleteGroups(Broker& b, Request& req, Reply reply);
void HandleAlterConfigs(Broker& b, Request& req, Reply reply);
void HandleIncrementalAlterConfigs(Broker& b, Request& req, Reply reply);

// ApiVersions' answer to a version it does not know (Kafka's v0 body: UNSUPPORTED_VERSION and
// the ApiVersions range only), also used by the connection before dispatch.
std::string UnsupportedApiVersionsBody();

}  // namespace pinpipe::kafka
