#include "batch/analytics_cache.h"

#include <utility>

namespace pinpipe::batch {
namespace {

std::string Key(std::string_view root, std::string_view path) {
  std::string k(root);
  k += '\0';
  k += path;
  return k;
}

template <typename T>
void ZeroNulls(pinterest::NumericColumn<T>& c) {  // as the Parquet reader gives them
  for (size_t i = 0; i < c.values.size(); ++i)
    if (!c.valid[i]) c.values[i] = T{};
}

size_t BytesOf(const pinterest::StringColumn& c) {
  return c.bytes() + c.size() * (sizeof(uint64_t) + 1);
}
template <typename T>
size_t BytesOf(const pinterest::NumericColumn<T>& c) {
  return c.size() * (sizeof(T) + 1);
}

size_t BytesOf(const AnalyticsColumns& columns) {
  struct {
    size_t operator()(const pinterest::CleanPinTable& t) const {
      return t.ind.size() * 8 + BytesOf(t.follower_count) + BytesOf(t.poster_name) + BytesOf(t.category);
    }
    size_t operator()(const pinterest::CleanGeoTable& t) const {
      return t.ind.size() * 8 + BytesOf(t.country) + BytesOf(t.timestamp);
    }
    size_t operator()(const pinterest::CleanUserTable& t) const {
      return t.ind.size() * 8 + BytesOf(t.user_name) + BytesOf(t.age) + BytesOf(t.date_joined);
    }
  } visitor;
  return std::visit(visitor, columns);
}

}  // namespace

pinterest::CleanPinTable TakeAnalyticsColumns(pinterest::CleanPinTable& t) {
  pinterest::CleanPinTable out;
  out.ind = std::move(t.ind);
  out.follower_count = std::move(t.follower_count);
  out.poster_name = std::move(t.poster_name);
  out.category = std::move(t.category);
  ZeroNulls(out.follower_count);
  return out;
}

pinterest::CleanGeoTable TakeAnalyticsColumns(pinterest::CleanGeoTable& t) {
  pinterest::CleanGeoTable out;
  out.ind = std::move(t.ind);
  out.country = std::move(t.country);
  out.timestamp = std::move(t.timestamp);
  ZeroNulls(out.timestamp);
  return out;
}

pinterest::CleanUserTable TakeAnalyticsColumns(pinterest::CleanUserTable& t) {
  pinterest::CleanUserTable out;
  out.ind = std::move(t.ind);
  out.user_name = std::move(t.user_name);
  out.age = std::move(t.age);
  out.date_joined = std::move(t.date_joined);
  ZeroNulls(out.age);
  ZeroNulls(out.date_joined);
  return out;
}

AnalyticsCache& AnalyticsCache::Process() {
  static AnalyticsCache cache;
  return cache;
}

void AnalyticsCache::ForgetTable(std::string_view root) {
  const std::string prefix = Key(root, "");
  MutexLock lock(mu_);
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && it->first.starts_with(prefix)) {
    bytes_ -= it->second.bytes;
    it = entries_.erase(it);
  }
}

void AnalyticsCache::Keep(std::string_view root, std::string_view path, AnalyticsColumns columns) {
  const size_t n = BytesOf(columns);
  std::string key = Key(root, path);
  MutexLock lock(mu_);
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second.bytes;
    entries_.erase(it);
  }
  if (bytes_ + n > kMaxBytes) return;  // read back from the lake instead
  entries_.emplace(std::move(key), Entry{std::move(columns), n});
  bytes_ += n;
}

std::optional<AnalyticsColumns> AnalyticsCache::Take(std::string_view root, std::string_view path) {
  const std::string key = Key(root, path);
  MutexLock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  std::optional<AnalyticsColumns> out(std::move(it->second.columns));
  bytes_ -= it->second.bytes;
  entries_.erase(it);
  return out;
}

size_t AnalyticsCache::bytes() const {
  MutexLock lock(mu_);
  return bytes_;
}

}  // namespace pinpipe::batch
