#include "kafka/broker.h"

#include "kafka/api_versions.h"
#include "kafka/errors.h"

namespace pinpipe::kafka {

Broker::Broker(log::LogManager& log, groups::GroupCoordinator& groups, BrokerOptions options)
    : log_(log), groups_(groups), options_(std::move(options)),
      executor_(options_.worker_threads), port_(options_.port) {
  advertised_host_ = options_.bind;
  if (advertised_host_.empty() || advertised_host_ == "0.0.0.0" || advertised_host_ == "::") {
    advertised_host_ = "127.0.0.1";
  }
}

Broker::~Broker() { Stop(); }

bool Broker::IsBlocking(int16_t api_key) {
  switch (api_key) {
    case kFetch:           // reads that may miss the page cache
    case kListOffsets:     // timestamp lookups scan batch headers
    case kOffsetCommit:    // fsync
    case kCreateTopics:    // directories, files, fsyncs
    case kCreatePartitions:
    case kDeleteTopics:    // directory renames, fsyncs
    case kDescribeConfigs:
    case kDeleteGroups:    // fsync of the offset store
    case kAlterConfigs:    // the topic-configs file: write, fsync, rename
    case kIncrementalAlterConfigs:
    case kInitProducerId:  // a new block of producer ids: write, fsync, rename
      return true;
    default:
      return false;
  }
}

void Broker::Handle(Request& req, Reply reply) {
  switch (req.header.api_key) {
    case kApiVersions: return HandleApiVersions(*this, req, std::move(reply));
    case kMetadata: return HandleMetadata(*this, req, std::move(reply));
    case kProduce: return HandleProduce(*this, req, std::move(reply));
    case kFetch: return HandleFetch(*this, req, std::move(reply));
    case kListOffsets: return HandleListOffsets(*this, req, std::move(reply));
    case kOffsetForLeaderEpoch: return HandleOffsetForLeaderEpoch(*this, req, std::move(reply));
    case kFindCoordinator: return HandleFindCoordinator(*this, req, std::move(reply));
    case kInitProducerId: return HandleInitProducerId(*this, req, std::move(reply));
    case kCreateTopics: return HandleCreateTopics(*this, req, std::move(reply));
    case kDeleteTopics: return HandleDeleteTopics(*this, req, std::move(reply));
    case kCreatePartitions: return HandleCreatePartitions(*this, req, std::move(reply));
    case kJoinGroup: return HandleJoinGroup(*this, req, std::move(reply));
    case kSyncGroup: return HandleSyncGroup(*this, req, std::move(reply));
    case kHeartbeat: return HandleHeartbeat(*this, req, std::move(reply));
    case kLeaveGroup: return HandleLeaveGroup(*this, req, std::move(reply));
    case kOffsetCommit: return HandleOffsetCommit(*this, req, std::move(reply));
    case kOffsetFetch: return HandleOffsetFetch(*this, req, std::move(reply));
    case kListGroups: return HandleListGroups(*this, req, std::move(reply));
    case kDescribeGroups: return HandleDescribeGroups(*this, req, std::move(reply));
    case kDescribeConfigs: return HandleDescribeConfigs(*this, req, std::move(reply));
    case kDescribeCluster: return HandleDescribeCluster(*this, req, std::move(reply));
    case kDeleteGroups: return HandleDeleteGroups(*this, req, std::move(reply));
    case kAlterConfigs: return HandleAlterConfigs(*this, req, std::move(reply));
    case kIncrementalAlterConfigs:
      return HandleIncrementalAlterConfigs(*this, req, std::move(reply));
    default: return reply.Close();
  }
}

}  // namespace pinpipe::kafka
