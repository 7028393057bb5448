#include "http/router.h"

#include <array>
#include <stdexcept>

#include "http/metrics.h"

namespace pinpipe::http {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

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

// The path's segments, split once per request; more than kMaxSegments means no route matches
// (Add refuses longer patterns).
struct PathSegments {
  static constexpr size_t kMaxSegments = 16;
  std::array<std::string_view, kMaxSegments> seg;
  size_t count = 0;
  bool too_long = false;

  explicit PathSegments(std::string_view path) {
    ForEachSegment(path, [&](std::string_view s) {
      if (count == kMaxSegments) return !(too_long = true);
      seg[count++] = s;
      return true;
    });
  }
};

bool Matches(const Router::Route& r, const PathSegments& path) {
  if (path.too_long || r.segments.size() != path.count) return false;
  for (size_t k = 0; k < path.count; ++k) {
    const std::string& want = r.segments[k];
    if (r.is_param[k] ? path.seg[k].empty() : path.seg[k] != want) return false;
  }
  return true;
}

// Decodes the parameters from index `first` that hold a '%' into *decoded and points them at
// it; false on a malformed escape. Two passes, so that no view is taken before the buffer
// stops growing.
bool DecodeParams(std::vector<NameValue>* params, size_t first, std::string* decoded) {
  decoded->clear();
  std::array<std::pair<size_t, size_t>, PathSegments::kMaxSegments> spans{};  // offset, length
  for (size_t i = first; i < params->size(); ++i) {
    std::string_view v = (*params)[i].value;
    if (v.find('%') == std::string_view::npos) continue;
    const size_t start = decoded->size();
    for (size_t j = 0; j < v.size(); ++j) {
      if (v[j] != '%') {
        decoded->push_back(v[j]);
        continue;
      }
      if (j + 2 >= v.size()) return false;
      const int hi = HexDigit(v[j + 1]), lo = HexDigit(v[j + 2]);
      if (hi < 0 || lo < 0) return false;
      decoded->push_back(static_cast<char>(hi * 16 + lo));
      j += 2;
    }
    spans[i - first] = {start, decoded->size() - start};
  }
  for (size_t i = first; i < params->size(); ++i) {
    if ((*params)[i].value.find('%') == std::string_view::npos) continue;
    const auto [off, len] = spans[i - first];
    (*params)[i].value = std::string_view(*decoded).substr(off, len);
  }
  return true;
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
    r.is_param.push_back(IsParam(seg));
    if (!IsParam(seg)) ++r.literal_count;
    return true;
  });
  if (r.segments.size() > PathSegments::kMaxSegments) {
    throw std::invalid_argument("route pattern has too many segments: " + r.pattern);
  }
  r.handler = std::move(handler);
  if (by_length_.size() <= r.segments.size()) by_length_.resize(r.segments.size() + 1);
  by_length_[r.segments.size()].push_back(static_cast<int>(routes_.size()));
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(std::string_view method, std::string_view path,
                           std::vector<NameValue>* params, std::string* decoded) const {
  Match m;
  const PathSegments segs(path);
  if (segs.too_long || segs.count >= by_length_.size()) return m;  // 404
  const std::vector<int>& candidates = by_length_[segs.count];
  // Best path match: most literal segments, then the first added.
  int best_for_method = -1, best_any = -1;
  for (int i : candidates) {
    const Route& r = routes_[static_cast<size_t>(i)];
    if (!Matches(r, segs)) continue;
    if (best_any < 0 || r.literal_count > routes_[best_any].literal_count) best_any = i;
    if (r.method == method &&
        (best_for_method < 0 || r.literal_count > routes_[best_for_method].literal_count)) {
      best_for_method = i;
    }
  }
  if (best_for_method >= 0) {
    const Route& r = routes_[best_for_method];
    const size_t first = params->size();
    bool escaped = false;
    for (size_t k = 0; k < segs.count; ++k) {
      if (!r.is_param[k]) continue;
      const std::string& want = r.segments[k];
      params->push_back({std::string_view(want).substr(1, want.size() - 2), segs.seg[k]});
      escaped |= segs.seg[k].find('%') != std::string_view::npos;
    }
    // Decoded once, here, as JAX-RS hands the REST Proxy's resources their @PathParam values
    // (decoded unless @Encoded), so every handler sees the name the client meant: a consumer
    // group "my group" arrives as /consumers/my%20group. A malformed escape is a 400, as Jetty
    // (the REST Proxy's server) answers a path like /%foo/bar% (jetty/jetty.project#4033).
    if (escaped && !DecodeParams(params, first, decoded)) {
      params->resize(first);
      m.status = 400;
      return m;
    }
    m.route = &r;
    m.route_id = best_for_method;
    m.status = 200;
    return m;
  }
  if (best_any < 0) return m;  // 404
  // 405: list the methods of every route matching the path.
  m.status = 405;
  std::vector<std::string_view> methods;
  for (int i : candidates) {
    const Route& r = routes_[static_cast<size_t>(i)];
    if (!Matches(r, segs)) continue;
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
