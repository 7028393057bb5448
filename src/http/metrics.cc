#include "http/metrics.h"

#include <fmt/format.h>

namespace pinpipe::http {
namespace {

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Shard::Observe(int route_id, int status, uint64_t latency_ns) {
  RouteStats& s = routes[route_id];
  int cls = status / 100 - 1;
  if (cls < 0 || cls > 4) cls = 4;
  s.by_class[cls].Add(1);
  if (status >= 400) {
    for (size_t i = 0; i < kErrorCodes.size(); ++i) {
      if (kErrorCodes[i] == status) {
        s.by_code[i].Add(1);
        break;
      }
    }
  }
  const double secs = static_cast<double>(latency_ns) * 1e-9;
  size_t b = 0;
  while (b < kBuckets.size() && secs > kBuckets[b]) ++b;
  s.buckets[b].Add(1);
  s.sum_ns.Add(latency_ns);
  s.count.Add(1);
}

void Metrics::Configure(std::vector<RouteLabel> labels, size_t shards) {
  labels.push_back({"unmatched", ""});
  labels_ = std::move(labels);
  shards_.clear();
  for (size_t i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->routes = std::make_unique<RouteStats[]>(labels_.size());
    shards_.push_back(std::move(shard));
  }
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  RenderPrometheus(&out);
  return out;
}

std::vector<Metrics::RouteTotals> Metrics::Totals() const {
  std::vector<RouteTotals> out(labels_.size());
  for (size_t r = 0; r < labels_.size(); ++r) {
    RouteTotals& t = out[r];
    t.label = labels_[r];
    for (const auto& s : shards_) {
      const RouteStats& rs = s->routes[r];
      for (size_t c = 0; c < t.by_class.size(); ++c) t.by_class[c] += rs.by_class[c].Get();
      for (size_t c = 0; c < t.by_code.size(); ++c) t.by_code[c] += rs.by_code[c].Get();
      for (size_t b = 0; b < t.buckets.size(); ++b) t.buckets[b] += rs.buckets[b].Get();
      t.count += rs.count.Get();
      t.sum_ns += rs.sum_ns.Get();
    }
  }
  return out;
}

void Metrics::RenderPrometheus(std::string* out) const {
  auto sum = [&](auto get) {
    uint64_t total = 0;
    for (const auto& s : shards_) total += get(*s);
    return total;
  };
  out->append("# HELP pinpipe_http_requests_total HTTP requests answered, by route and status class.\n"
              "# TYPE pinpipe_http_requests_total counter\n");
  for (size_t r = 0; r < labels_.size(); ++r) {
    const std::string route = EscapeLabel(labels_[r].route), method = EscapeLabel(labels_[r].method);
    for (int c = 0; c < 5; ++c) {
      uint64_t n = sum([&](const Shard& s) { return s.routes[r].by_class[c].Get(); });
      if (n == 0) continue;
      fmt::format_to(std::back_inserter(*out),
                     "pinpipe_http_requests_total{{route=\"{}\",method=\"{}\",code=\"{}xx\"}} {}\n",
                     route, method, c + 1, n);
    }
  }
  out->append("# HELP pinpipe_http_request_duration_seconds Time from a parsed request to its "
              "queued response.\n"
              "# TYPE pinpipe_http_request_duration_seconds histogram\n");
  for (size_t r = 0; r < labels_.size(); ++r) {
    uint64_t count = sum([&](const Shard& s) { return s.routes[r].count.Get(); });
    if (count == 0) continue;
    const std::string labels = fmt::format("route=\"{}\",method=\"{}\"", EscapeLabel(labels_[r].route),
                                           EscapeLabel(labels_[r].method));
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += sum([&](const Shard& s) { return s.routes[r].buckets[b].Get(); });
      if (b < kBuckets.size()) {
        fmt::format_to(std::back_inserter(*out),
                       "pinpipe_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                       kBuckets[b], cumulative);
      } else {
        fmt::format_to(std::back_inserter(*out),
                       "pinpipe_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels,
                       cumulative);
      }
    }
    uint64_t sum_ns = sum([&](const Shard& s) { return s.routes[r].sum_ns.Get(); });
    fmt::format_to(std::back_inserter(*out), "pinpipe_http_request_duration_seconds_sum{{{}}} {}\n",
                   labels, static_cast<double>(sum_ns) * 1e-9);
    fmt::format_to(std::back_inserter(*out), "pinpipe_http_request_duration_seconds_count{{{}}} {}\n",
                   labels, count);
  }
  fmt::format_to(std::back_inserter(*out),
                 "# HELP pinpipe_http_bytes_received_total Bytes read from HTTP clients.\n"
                 "# TYPE pinpipe_http_bytes_received_total counter\n"
                 "pinpipe_http_bytes_received_total {}\n"
                 "# HELP pinpipe_http_bytes_sent_total Bytes written to HTTP clients.\n"
                 "# TYPE pinpipe_http_bytes_sent_total counter\n"
                 "pinpipe_http_bytes_sent_total {}\n"
                 "# HELP pinpipe_http_connections_accepted_total TCP connections accepted.\n"
                 "# TYPE pinpipe_http_connections_accepted_total counter\n"
                 "pinpipe_http_connections_accepted_total {}\n"
                 "# HELP pinpipe_http_connections_active Open HTTP connections.\n"
                 "# TYPE pinpipe_http_connections_active gauge\n"
                 "pinpipe_http_connections_active {}\n",
                 sum([](const Shard& s) { return s.bytes_in.Get(); }),
                 sum([](const Shard& s) { return s.bytes_out.Get(); }),
                 sum([](const Shard& s) { return s.connections_accepted.Get(); }),
                 static_cast<int64_t>(sum([](const Shard& s) { return s.active_connections_delta.Get(); })));
}

}  // namespace pinpipe::http
