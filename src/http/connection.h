// Connection (internal): one client socket on one reactor. Parses requests from its input
// buffer, dispatches ONE at a time (later pipelined requests wait in the buffer, so responses
// stay in order and request views stay valid), queues responses into its output buffer and
// writes them with as few send() calls as possible. Edge-triggered epoll; all state is
// touched only on the reactor thread except through Deliver().
//
// A connection whose first bytes are the HTTP/2 client preface (prior knowledge, RFC 9113
// §3.3: what the AWS SDK for Java's Netty client sends to an http:// endpoint) is handed to an
// Http2Session for its whole life; its streams are dispatched to the same Router.
#pragma once

#include <cstdint>
#include <memory>

#include "http/request_parser.h"
#include "http/response.h"
#include "net/byte_buffer.h"
#include "net/inbox.h"
#include "net/reactor.h"
#include "net/timer_wheel.h"

namespace pinpipe::http {

class Worker;
struct Completion;
class BodyStream;
class Http2Session;

class Connection final : public net::EventHandler,
                         public net::TimerNode,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker* worker, int fd);
  ~Connection() override;

  Status Start();
  void OnEvents(uint32_t events) override;
  void OnTimer() override;
  void Close();

  // Any thread (via Responder): hands the response to the reactor. `body` is set for a
  // streamed response (Response::stream).
  static void Deliver(std::shared_ptr<Connection> self, int32_t stream_id, Response&& response,
                      std::shared_ptr<BodyStream> body);
  // Any thread (via BodyStream): more body bytes, or the end. False when the connection's
  // reactor is gone (server stopped).
  static bool DeliverData(std::shared_ptr<Connection> self, int32_t stream_id, std::string bytes, bool end);
  // Reactor thread.
  void OnDelivery(Completion&& c);
  void OnCompletion(Response&& response, std::shared_ptr<BodyStream> body = nullptr);

  size_t index = 0;  // position in the worker's connection list

 private:
  void Process();
  bool ReadSome();
  void Dispatch();
  void Fail(int status, std::string_view reason);
  void Flush();
  void DrainLinger();
  void UpdateTimer();
  void FinishRequest();   // HTTP/1.1: the response is queued; on to the next request
  void FinishH1Stream();  // HTTP/1.1: the last chunk of a streamed body
  // HTTP/2 (after the preface): feed input to the session, dispatch, write what it produces.
  void StartHttp2();
  void ProcessH2();
  void AfterH2();

  friend class Http2Session;

  Worker* w_;
  net::Reactor* reactor_;
  int fd_;
  net::ByteBuffer in_;
  net::ByteBuffer out_;
  RequestParser parser_;
  std::shared_ptr<net::Inbox<Completion>> inbox_;  // outlives the worker
  std::unique_ptr<Http2Session> h2_;
  std::shared_ptr<BodyStream> h1_stream_;  // a streamed HTTP/1.1 response in progress

  bool closed_ = false;
  bool awaiting_ = false;    // a handler holds this request's Responder
  bool in_dispatch_ = false; // inside the handler call (synchronous Send goes direct)
  bool readable_ = false;
  bool writable_ = true;
  bool peer_eof_ = false;
  bool rdhup_ = false;
  bool close_after_flush_ = false;
  bool lingering_ = false;   // response sent, write side shut, discarding input
  bool continue_sent_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool sniffed_ = false;  // the first bytes were looked at for the HTTP/2 preface
  bool head_ = false;
  int route_id_ = 0;
  uint64_t dispatch_ns_ = 0;
  uint64_t last_activity_ms_ = 0;
  uint64_t request_start_ms_ = 0;
  uint64_t headers_done_ms_ = 0;
  uint64_t linger_deadline_ms_ = 0;
};

}  // namespace pinpipe::http
