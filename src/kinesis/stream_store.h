// StreamStore: the streams' metadata, in memory as immutable snapshots and on disk in
// <data.dir>/state/kinesis/streams.json (replaced atomically — temporary file, fsync, rename —
// on every change, so a crash leaves the previous or the new state), plus the secret that
// authenticates shard iterators (<data.dir>/state/kinesis/secret, created once).
//
// Threads: Get takes a shared lock for a pointer copy (the put path calls it on reactor
// threads); Update and the persistence it does run on worker threads, serialised by update_mu_.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "kinesis/stream_meta.h"

namespace pinpipe::kinesis {

class StreamStore {
 public:
  static Result<std::unique_ptr<StreamStore>> Open(const std::string& data_dir);

  std::shared_ptr<const StreamMeta> Get(std::string_view name) const;
  std::vector<std::shared_ptr<const StreamMeta>> All() const;  // sorted by name
  // Runs `fn` on a copy of the stream (null when absent); fn returns the new state (null to
  // delete) or an error that leaves everything unchanged. The result is persisted before it
  // becomes visible.
  using Mutation = std::function<Result<std::shared_ptr<StreamMeta>>(const StreamMeta* current)>;
  Status Update(const std::string& name, const Mutation& fn);

  const std::string& secret() const { return secret_; }

 private:
  Status Persist(const std::map<std::string, std::shared_ptr<const StreamMeta>, std::less<>>& m);
  Status Load();

  std::string dir_;
  std::string secret_;
  Mutex update_mu_ ACQUIRED_BEFORE(mu_);  // one Update at a time (held across Persist)
  mutable SharedMutex mu_;
  std::map<std::string, std::shared_ptr<const StreamMeta>, std::less<>> streams_ GUARDED_BY(mu_);
};

// Serialization (exposed for tests).
std::string StreamsToJson(const std::vector<const StreamMeta*>& streams);
Result<std::vector<StreamMeta>> StreamsFromJson(std::string_view json);

}  // namespace pinpipe::kinesis
