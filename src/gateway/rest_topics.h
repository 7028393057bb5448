// REST Proxy v2 metadata (protocols.md §1.4): topics, partitions, offsets, brokers.
#pragma once

#include "http/request.h"
#include "http/responder.h"
#include "log/log_manager.h"

namespace pinpipe::gateway {

class RestTopics {
 public:
  explicit RestTopics(log::LogManager& log) : log_(log) {}
  void ListTopics(const http::Request& req, http::Responder r);
  void GetTopic(const http::Request& req, http::Responder r);
  void ListPartitions(const http::Request& req, http::Responder r);
  void GetPartition(const http::Request& req, http::Responder r);
  void GetPartitionOffsets(const http::Request& req, http::Responder r);
  void ListBrokers(const http::Request& req, http::Responder r);

 private:
  log::LogManager& log_;
};

}  // namespace pinpipe::gateway
