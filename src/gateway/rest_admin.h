// Topic administration over HTTP, in Confluent REST Proxy v3 shapes (the API its own
// `kafka-topics`-like tools and the pinpipe CLI call):
//   GET    /v3/clusters                              -> KafkaClusterList (one cluster)
//   GET    /v3/clusters/{cluster_id}/topics          -> KafkaTopicList
//   GET    /v3/clusters/{cluster_id}/topics/{topic}  -> KafkaTopic
//   POST   /v3/clusters/{cluster_id}/topics          {"topic_name","partitions_count"?,
//                                                     "replication_factor"?} -> 201 KafkaTopic
//   DELETE /v3/clusters/{cluster_id}/topics/{topic}  -> 204
// Errors are {"error_code":<HTTP status>,"message":...} as v3 words them: 404 unknown cluster or
// topic, 409 the topic exists, 422 an invalid name, partition count, replication factor or
// configs, 400 a body that is not JSON, 503 when the admin queue is full. Creation and deletion
// (directories, fsyncs, renames) run on the admin's own thread, never on a reactor.
#pragma once

#include <string>

#include "gateway/work_pool.h"
#include "http/request.h"
#include "http/responder.h"
#include "log/log_manager.h"
#include "log/topic_admin.h"

namespace pinpipe::gateway {

class RestAdmin {
 public:
  // `cluster_id` is the one the Kafka listener reports (DescribeCluster, Metadata).
  // `cluster` (kafka.bootstrap): list, look up, create and delete the external cluster's
  // topics instead, every call on the admin thread.
  RestAdmin(log::LogManager& log, std::string cluster_id, log::TopicAdmin* cluster = nullptr);
  void Stop() { pool_.Stop(); }

  void ListClusters(const http::Request& req, http::Responder r);
  void ListTopics(const http::Request& req, http::Responder r);
  void GetTopic(const http::Request& req, http::Responder r);
  void CreateTopic(const http::Request& req, http::Responder r);
  void DeleteTopic(const http::Request& req, http::Responder r);

 private:
  bool KnownCluster(const http::Request& req, http::Responder& r) const;
  void AppendTopic(std::string& out, const log::TopicInfo& t) const;

  log::LogManager& log_;
  const std::string cluster_id_;
  log::TopicAdmin* cluster_ = nullptr;
  WorkPool pool_;
};

}  // namespace pinpipe::gateway
