// REST Proxy v2 metadata (protocols.md §1.4): topics, partitions, offsets, brokers.
#pragma once

#include "http/request.h"
#include "http/responder.h"
#include <memory>
#include <string>

#include "gateway/work_pool.h"
#include "log/log_manager.h"
#include "log/log_reader.h"
#include "log/log_writer.h"

namespace pinpipe::gateway {

class RestTopics {
 public:
  explicit RestTopics(log::LogManager& log) : log_(log) {}
  // An external Kafka cluster (kafka.bootstrap): topics, partitions and offsets are the
  // cluster's, asked for on a worker thread (the calls block up to the client timeout).
  RestTopics(log::LogManager& log, log::LogReader* cluster_reader, log::LogWriter* cluster_writer)
      : log_(log), reader_(cluster_reader), writer_(cluster_writer),
        pool_(cluster_reader ? std::make_unique<WorkPool>(1, 256) : nullptr) {}
  void Stop() {
    if (pool_) pool_->Stop();
  }
  void ListTopics(const http::Request& req, http::Responder r);
  void GetTopic(const http::Request& req, http::Responder r);
  void ListPartitions(const http::Request& req, http::Responder r);
  void GetPartition(const http::Request& req, http::Responder r);
  void GetPartitionOffsets(const http::Request& req, http::Responder r);
  void ListBrokers(const http::Request& req, http::Responder r);

 private:
  // Cluster mode: the request's topic and partition, answered from the pool.
  void OnCluster(const http::Request& req, http::Responder r, int what);
  void ClusterAnswer(int what, const std::string& topic, const std::string& partition, http::Responder r);

  log::LogManager& log_;
  log::LogReader* reader_ = nullptr;
  log::LogWriter* writer_ = nullptr;
  std::unique_ptr<WorkPool> pool_;
};

}  // namespace pinpipe::gateway
