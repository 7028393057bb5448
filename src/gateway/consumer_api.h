// ConsumerApi: the REST Proxy v2 consumer routes, as the gateway calls them. Two backends:
// ConsumerManager (the embedded log; members of pinpipe's group coordinator) and, with
// kafka.bootstrap, kafka::ClusterConsumers (one librdkafka consumer per instance, a member of
// the external cluster's group). Handlers run on reactor threads and must not block.
#pragma once

#include <string>
#include <vector>

#include "http/request.h"
#include "http/responder.h"

namespace pinpipe::gateway {

class ConsumerApi {
 public:
  virtual ~ConsumerApi() = default;
  // Answers pending reads, ends every instance (leaving its group) and joins the threads.
  virtual void Stop() = 0;
  // Whether the group has consumer instances (Kafka's DeleteGroups refuses such a group).
  virtual bool HasInstances(const std::string& group) = 0;
  // The group's live instances, described ("rest:<name> subscribed to a,b").
  virtual std::vector<std::string> GroupMembers(const std::string& group) = 0;

  virtual void Create(const http::Request& req, http::Responder r) = 0;
  virtual void Delete(const http::Request& req, http::Responder r) = 0;
  virtual void Subscribe(const http::Request& req, http::Responder r) = 0;
  virtual void GetSubscription(const http::Request& req, http::Responder r) = 0;
  virtual void Unsubscribe(const http::Request& req, http::Responder r) = 0;
  virtual void Assign(const http::Request& req, http::Responder r) = 0;
  virtual void GetAssignments(const http::Request& req, http::Responder r) = 0;
  virtual void Seek(const http::Request& req, http::Responder r) = 0;
  virtual void SeekBeginning(const http::Request& req, http::Responder r) = 0;
  virtual void SeekEnd(const http::Request& req, http::Responder r) = 0;
  virtual void CommitOffsets(const http::Request& req, http::Responder r) = 0;
  virtual void GetOffsets(const http::Request& req, http::Responder r) = 0;
  virtual void Records(const http::Request& req, http::Responder r) = 0;
};

}  // namespace pinpipe::gateway
