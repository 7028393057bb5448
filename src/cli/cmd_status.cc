// pinpipe status: a terminal summary of a running server, from the dashboard's JSON API
// (/ui/api/overview, topics, sink) and /healthz — the same numbers the web overview shows.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/cli_context.h"
#include "cli/rest_client.h"

namespace pinpipe::cli {
namespace {

double Num(const emulator::JsonValue* v) {
  if (!v || !v->is_number()) return NAN;
  return v->as_double().value_or(NAN);
}
std::string Str(const emulator::JsonValue* v) { return v && v->is_string() ? v->text() : std::string(); }

std::string Format(double v, std::string_view unit) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  if (unit == "bytes") {
    const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (std::fabs(v) >= 1024 && i < 4) {
      v /= 1024;
      ++i;
    }
    std::snprintf(buf, sizeof buf, i ? "%.1f %s" : "%.0f %s", v, u[i]);
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f %s", v, std::string(unit).c_str());
  } else {
    std::snprintf(buf, sizeof buf, "%.2f %s", v, std::string(unit).c_str());
  }
  return buf;
}

int RunStatus(const CliContext& ctx) {
  RestClient rest = ClientFor(ctx, ctx.LoadConfigOrExit());
  auto overview = rest.GetJson("/ui/api/overview");
  if (!overview) {
    PrintError(overview.error());
    return kExitFailure;
  }
  std::string health = "ok";
  if (auto h = rest.Call("GET", "/healthz"); !h) health = "degraded: " + h.error().message();
  std::printf("pinpipe at %s — health: %s\n\n", rest.url().c_str(), health.c_str());
  if (const auto* cards = overview->Find("cards")) {
    for (const auto& c : cards->items()) {
      std::string state = Str(c.Find("state"));
      std::printf("  %-18s %16s  %s\n", Str(c.Find("label")).c_str(),
                  Format(Num(c.Find("value")), Str(c.Find("unit"))).c_str(), state == "ok" || state == "idle" ? "" : state.c_str());
    }
  }
  if (auto topics = rest.GetJson("/ui/api/topics"); topics) {
    const auto* list = topics->Find("topics");
    std::printf("\n  %-32s %6s %14s %12s %10s  %s\n", "topic", "parts", "records", "size", "rec/s", "groups (lag)");
    for (const auto& t : list ? list->items() : std::vector<emulator::JsonValue>{}) {
      std::string groups;
      if (const auto* g = t.Find("groups")) {
        for (const auto& x : g->items()) groups += Str(x.Find("group")) + ": " + Format(Num(x.Find("lag")), "") + " ";
      }
      std::printf("  %-32s %6.0f %14.0f %12s %10s  %s\n", Str(t.Find("name")).c_str(), Num(t.Find("partition_count")),
                  Num(t.Find("records")), Format(Num(t.Find("size_bytes")), "bytes").c_str(),
                  Format(Num(t.Find("records_per_s")), "").c_str(), groups.c_str());
    }
  }
  if (const auto* run = overview->Find("last_run"); run && run->is_object()) {
    std::printf("\n  last DAG run: %s %s %s\n", Str(run->Find("dag_id")).c_str(), Str(run->Find("run_id")).c_str(),
                Str(run->Find("state")).c_str());
  } else {
    std::printf("\n  last DAG run: none\n");
  }
  return health == "ok" ? 0 : kExitFailure;
}

}  // namespace

void RegisterStatusCommands(CLI::App& app, CliContext& ctx) {
  auto* status = app.add_subcommand("status", "Summary of a running server: rates, latencies, lag, topics, last DAG run");
  status->callback([&ctx] { std::exit(RunStatus(ctx)); });
}

}  // namespace pinpipe::cli
