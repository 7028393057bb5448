// Connection (internal): one client socket on one reactor. Parses requests from its input
// buffer, dispatches ONE at a time (later pipelined requests wait in the buffer, so responses
// stay in order and request views stay valid), queues responses into its output buffer and
// writes them with as few send() calls as possible. Edge-triggered epoll; all state is
// touched only on the reactor thread except through Deliver().
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

  // Any thread (via Responder): hands the response to the reactor.
  static void Deliver(std::shared_ptr<Connection> self, Response&& response);
  // Reactor thread.
  void OnCompletion(Response&& response);

  size_t index = 0;  // position in the worker's connection list

 private:
  void Process();
  bool ReadSome();
  void Dispatch();
  void Fail(int status, std::string_view reason);
  void Flush();
  void DrainLinger();
  void UpdateTimer();

  Worker* w_;
  net::Reactor* reactor_;
  int fd_;
  net::ByteBuffer in_;
  net::ByteBuffer out_;
  RequestParser parser_;
  std::shared_ptr<net::Inbox<Completion>> inbox_;  // outlives the worker

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
  bool head_ = false;
  int route_id_ = 0;
  uint64_t dispatch_ns_ = 0;
  uint64_t last_activity_ms_ = 0;
  uint64_t request_start_ms_ = 0;
  uint64_t headers_done_ms_ = 0;
  uint64_t linger_deadline_ms_ = 0;
};

}  // namespace pinpipe::http
