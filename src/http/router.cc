#include "http/router.h"

#include "http/metrics.h"

namespace pinpipe::http {
namespace {

bool IsParam(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

// Splits "/a/b/" into {"a", "b", ""}; the leading '/' is implied.
template <typename Fn>
void ForEachSegment(std::string_view path, Fn fn) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    if (!fn(path.substr(0, slash))) return;
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

Router::Router() : metrics_(std::make_shared<Metrics>()) {}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.handler = std::move(handler);
      return;
    }
  }
  Route r;
  r.method = std::string(method);
  r.pattern = std::string(pattern);
  ForEachSegment(pattern, [&](std::string_view seg) {
    r.segments.emplace_back(seg);
    if (!IsParam(seg)) ++r.literal_count;
    return true;
  });
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           std::vector<NameValue>* params) const {
  Match m;
  // Best path match: most literal segments, then the first added.
  int best_for_method = -1, best_any = -1;
  for (size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    size_t k = 0;
    bool ok = true;
    ForEachSegment(path, [&](std::string_view seg) {
      if (k >= r.segments.size()) return ok = false;
      const std::string& want = r.segments[k++];
      if (IsParam(want) ? seg.empty() : seg != want) return ok = false;
      return true;
    });
    if (!ok || k != r.segments.size()) continue;
    if (best_any < 0 || r.literal_count > routes_[best_any].literal_count) best_any = static_cast<int>(i);
    if (r.method == method &&
        (best_for_method < 0 || r.literal_count > routes_[best_for_method].literal_count)) {
      best_for_method = static_cast<int>(i);
    }
  }
  if (best_for_method >= 0) {
    const Route& r = routes_[best_for_method];
    size_t k = 0;
    ForEachSegment(path, [&](std::string_view seg) {
      const std::string& want = r.segments[k++];
      if (IsParam(want)) {
        params->push_back({std::string_view(want).substr(1, want.size() - 2), seg});
      }
      return true;
    });
    m.route = &r;
    m.route_id = best_for_method;
    m.status = 200;
    return m;
  }
  if (best_any < 0) return m;  // 404
  // 405: list the methods of every route matching the path.
  m.status = 405;
  std::vector<std::string_view> methods;
  for (const Route& r : routes_) {
    size_t k = 0;
    bool ok = true;
    ForEachSegment(path, [&](std::string_view seg) {
      if (k >= r.segments.size()) return ok = false;
      const std::string& want = r.segments[k++];
      if (IsParam(want) ? seg.empty() : seg != want) return ok = false;
      return true;
    });
    if (!ok || k != r.segments.size()) continue;
    bool dup = false;
    for (auto x : methods) dup |= x == r.method;
    if (dup) continue;
    methods.push_back(r.method);
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
  }
  return m;
}

}  // namespace pinpipe::http
