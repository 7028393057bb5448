// KafkaServer: the Kafka protocol listener (`kafka.port`, loopback by default) on one reactor
// thread of src/net. A connection reads frames (kafka/frame.h), dispatches each request to its
// handler in order and writes the responses in request order (Kafka's per-connection ordering;
// responses that complete early wait for the ones before them). Handlers that may block
// (Broker::IsBlocking) run on the broker's executor and the connection reads no further
// request until they answer, as Kafka mutes a channel; the others run on the reactor, and
// their answers (a produce's after the group commit, a parked JoinGroup's) may come from any
// thread. The connection closes where Kafka's broker would: a frame over
// socket.request.max.bytes, a negative size, an unparsable header, an unknown API key or an
// unsupported version of any API but ApiVersions, a malformed body, an error with acks=0.
// Optional security (README "Security"): TLS through net::TlsStream (one branch per read and
// write on the plaintext path) and SASL through a per-connection SaslSession, which the
// connection answers itself since the exchange changes what the connection accepts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <thread>

#include "common/status.h"
#include "kafka/broker.h"

namespace pinpipe::net {
class ListenerBackoff;
class Reactor;
class TlsContext;
}

namespace pinpipe::kafka {

class SaslUsers;

class KafkaServer {
 public:
  // Listens on options.bind:options.port (0 = ephemeral) and starts the reactor thread. Tells
  // `broker` the port it got (advertised in Metadata).
  static Result<std::unique_ptr<KafkaServer>> Start(Broker& broker);
  ~KafkaServer();  // Stop()
  uint16_t port() const { return port_; }
  // Stops accepting and closes every connection. Idempotent.
  void Stop();

  class Connection;

 private:
  explicit KafkaServer(Broker& broker);
  class Acceptor;
  void Accept();
  void Forget(int fd);  // reactor thread

  Broker& broker_;
  std::shared_ptr<net::Reactor> reactor_;
  std::unique_ptr<Acceptor> acceptor_;
  std::unique_ptr<net::ListenerBackoff> backoff_;  // reactor thread; reset in Stop()
  std::map<int, std::shared_ptr<Connection>> connections_;  // reactor thread only
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  bool stopped_ = false;
  std::shared_ptr<const SaslUsers> sasl_users_;  // set on a SASL listener
  std::shared_ptr<net::TlsContext> tls_;          // set on a TLS listener
};

}  // namespace pinpipe::kafka
