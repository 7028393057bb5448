#include "lake/delta_storage_objstore.h"

namespace pinpipe::lake {
namespace {

class ObjectStoreTableStorage final : public TableStorage {
 public:
  ObjectStoreTableStorage(objstore::ObjectStore& store, std::string prefix, std::string root)
      : store_(store), prefix_(std::move(prefix)), root_(std::move(root)) {
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  }

  const std::string& root() const override { return root_; }

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    return store_.PutIfAbsent(Full(key), data);
  }
  Status Put(std::string_view key, std::string_view data) override {
    return store_.Put(Full(key), data);
  }
  Result<std::string> Get(std::string_view key) override { return store_.Get(Full(key)); }

  Result<StoredObject> Head(std::string_view key) override {
    PINPIPE_ASSIGN_OR_RETURN(objstore::ObjectInfo info, store_.Head(Full(key)));
    return StoredObject{std::string(key), static_cast<int64_t>(info.size), info.mtime_ms};
  }

  Result<std::vector<StoredObject>> List(std::string_view prefix) override {
    const std::string full = Full(prefix);
    PINPIPE_ASSIGN_OR_RETURN(auto objects, store_.ListAll(full));
    std::vector<StoredObject> out;
    out.reserve(objects.size());
    const size_t strip = prefix_.empty() ? 0 : prefix_.size() + 1;
    for (auto& o : objects) {
      if (o.key.size() <= strip) continue;
      out.push_back({o.key.substr(strip), static_cast<int64_t>(o.size), o.mtime_ms});
    }
    return out;  // the store lists sorted by key; stripping a common prefix keeps the order
  }

  Status Delete(std::string_view key) override { return store_.Delete(Full(key)); }

  std::optional<std::string> LocalPath(std::string_view) const override { return std::nullopt; }

 private:
  std::string Full(std::string_view key) const {
    if (prefix_.empty()) return std::string(key);
    std::string out;
    out.reserve(prefix_.size() + 1 + key.size());
    out.append(prefix_).append("/").append(key);
    return out;
  }

  objstore::ObjectStore& store_;
  std::string prefix_;
  std::string root_;
};

}  // namespace

std::unique_ptr<TableStorage> NewObjectStoreTableStorage(objstore::ObjectStore& store,
                                                         std::string prefix, std::string root) {
  return std::make_unique<ObjectStoreTableStorage>(store, std::move(prefix), std::move(root));
}

}  // namespace pinpipe::lake
