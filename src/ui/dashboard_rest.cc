// The dashboard's REST Proxy page: requests by route and status, latency quantiles and the
// rejections by status code — all from the HTTP server's per-shard, per-route counters
// (http::Metrics: single-writer atomics the reactors bump anyway), summed once a second by the
// sampler for the sparklines and on demand for the document.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "ui/api_json.h"
#include "ui/dashboard.h"

namespace pinpipe::ui {
namespace {

std::string RouteKey(const http::Metrics::RouteLabel& l) {
  return l.method.empty() ? l.route : l.method + " " + l.route;
}

// rest.<METHOD route>.<what>: one series per route that has answered a request.
std::string RouteSeries(const http::Metrics::RouteLabel& l, std::string_view what) {
  return "rest." + RouteKey(l) + "." + std::string(what);
}

std::vector<double> Bounds() { return {http::Metrics::kBuckets.begin(), http::Metrics::kBuckets.end()}; }

}  // namespace

void Dashboard::AddRestSource() {
  // Per route: the request and rejection rates, and p99 of the last second (from the
  // difference of its histogram between two passes): three series per route that answered.
  auto prev = std::make_shared<std::map<std::string, std::vector<uint64_t>>>();
  sampler_.AddSource("rest", [this, prev](Sample& s) {
    if (!http_metrics_) return;
    const std::vector<double> bounds = Bounds();
    for (const auto& t : http_metrics_->Totals()) {
      if (t.count == 0) continue;
      s.Counter(RouteSeries(t.label, "requests"), static_cast<double>(t.count));
      s.Counter(RouteSeries(t.label, "rejected"), static_cast<double>(t.by_class[3] + t.by_class[4]));
      std::vector<uint64_t> now(t.buckets.begin(), t.buckets.end());
      // A route first seen now had answered nothing at the previous pass (as for counters).
      auto& before = (*prev)[RouteKey(t.label)];
      if (before.empty()) before.assign(now.size(), 0);
      if (before.size() == now.size()) {
        std::vector<uint64_t> delta(now.size());
        for (size_t b = 0; b < now.size(); ++b) delta[b] = now[b] - before[b];
        s.Gauge(RouteSeries(t.label, "p99_ms"), QuantileFromBuckets(bounds, delta, 0.99) * 1000);
      }
      before = std::move(now);
    }
  });
}

http::Response Dashboard::RestProxy() {
  const int64_t now = history_.last_time();
  const std::vector<double> bounds = Bounds();
  const auto latest = history_.Latest("rest.");
  auto latest_of = [&](const std::string& name) {
    auto it = latest.find(name);
    return it == latest.end() ? NAN : it->second;
  };
  JsonWriter w;
  w.BeginObject().Key("time").Int(now).Key("buckets").BeginArray();
  for (double b : bounds) w.Double(b);
  w.EndArray();
  std::map<int, uint64_t> rejected;  // status code -> count, over the REST routes
  uint64_t requests = 0, class4 = 0, class5 = 0;
  w.Key("routes").BeginArray();
  if (http_metrics_) {
    for (const auto& t : http_metrics_->Totals()) {
      if (t.count == 0) continue;
      // The dashboard's own routes are listed (flagged) but kept out of the REST totals.
      const bool ui = t.label.route.starts_with("/ui");
      if (!ui) {
        requests += t.count;
        class4 += t.by_class[3];
        class5 += t.by_class[4];
      }
      std::vector<uint64_t> counts(t.buckets.begin(), t.buckets.end());
      w.BeginObject().Field("method", std::string_view(t.label.method)).Field("route", std::string_view(t.label.route));
      w.Field("ui", ui).Key("requests").Int(static_cast<int64_t>(t.count));
      w.Key("by_class").BeginObject();
      for (size_t c = 0; c < t.by_class.size(); ++c) {
        if (t.by_class[c]) w.Key(fmt::format("{}xx", c + 1)).Int(static_cast<int64_t>(t.by_class[c]));
      }
      w.EndObject().Key("errors").BeginObject();
      for (size_t c = 0; c < t.by_code.size(); ++c) {
        if (!t.by_code[c]) continue;
        w.Key(std::to_string(http::Metrics::kErrorCodes[c])).Int(static_cast<int64_t>(t.by_code[c]));
        if (!ui) rejected[http::Metrics::kErrorCodes[c]] += t.by_code[c];
      }
      w.EndObject();
      // Since the server started (the whole histogram), and the last second (the sampler's).
      w.Key("p50_ms");
      AppendNumber(w, QuantileFromBuckets(bounds, counts, 0.5) * 1000);
      w.Key("p99_ms");
      AppendNumber(w, QuantileFromBuckets(bounds, counts, 0.99) * 1000);
      w.Key("mean_ms");
      AppendNumber(w, static_cast<double>(t.sum_ns) / 1e6 / static_cast<double>(t.count));
      w.Key("histogram").BeginArray();
      for (uint64_t n : counts) w.Int(static_cast<int64_t>(n));
      w.EndArray();
      const std::string req = RouteSeries(t.label, "requests"), p99 = RouteSeries(t.label, "p99_ms");
      w.Key("rate");
      AppendNumber(w, latest_of(req));
      w.Key("p99_ms_now");
      AppendNumber(w, latest_of(p99));
      w.Key("series").BeginObject().Key("requests");
      AppendSeries(w, req, history_.Query(req, 300, now));
      w.Key("p99_ms");
      AppendSeries(w, p99, history_.Query(p99, 300, now));
      w.Key("rejected");
      const std::string rej = RouteSeries(t.label, "rejected");
      AppendSeries(w, rej, history_.Query(rej, 300, now));
      w.EndObject().EndObject();
    }
  }
  w.EndArray();
  w.Key("totals").BeginObject().Key("requests").Int(static_cast<int64_t>(requests));
  w.Key("4xx").Int(static_cast<int64_t>(class4)).Key("5xx").Int(static_cast<int64_t>(class5));
  w.EndObject();
  // 429 is the REST Proxy's back-pressure answer (a full partition queue, the connection cap).
  w.Key("rejections").BeginArray();
  for (const auto& [code, n] : rejected) w.BeginObject().Key("code").Int(code).Key("count").Int(static_cast<int64_t>(n)).EndObject();
  w.EndArray().EndObject();
  return http::Response::Json(200, w.Take());
}

}  // namespace pinpipe::ui
