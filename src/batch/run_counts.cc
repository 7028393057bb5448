#include "batch/run_counts.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/file_system.h"
#include "common/json_writer.h"

namespace pinpipe::batch {
namespace {

std::string CountsPath(const std::string& dir, std::string_view kind) {
  return dir + "/clean_" + std::string(kind) + ".counts.json";
}

void ReadIntMap(simdjson::dom::element doc, const char* key, std::map<std::string, int64_t>& out) {
  simdjson::dom::object o;
  if (doc[key].get_object().get(o) != simdjson::SUCCESS) return;
  for (auto [k, v] : o) {
    int64_t n = 0;
    if (v.get_int64().get(n) == simdjson::SUCCESS) out[std::string(k)] = n;
  }
}

}  // namespace

Status WriteCleanCounts(const std::string& report_dir, std::string_view kind, const CleanCounts& c) {
  PINPIPE_RETURN_IF_ERROR(FileSystem::Default()->MkdirAll(report_dir));
  JsonWriter w;
  w.BeginObject().Key("records_in").Int(c.records_in).Key("rows_out").Int(c.rows_out);
  w.Key("quarantined").Int(c.quarantined).Key("duplicates").Int(c.duplicates).EndObject();
  return FileSystem::Default()->WriteFileAtomically(CountsPath(report_dir, kind), w.Take());
}

std::optional<CleanCounts> ReadCleanCounts(const std::string& report_dir, std::string_view kind) {
  auto text = FileSystem::Default()->ReadFileToString(CountsPath(report_dir, kind));
  if (!text) return std::nullopt;
  std::map<std::string, int64_t> m;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  if (p.parse(*text).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object o;
  if (doc.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  for (auto [k, v] : o) {
    int64_t n = 0;
    if (v.get_int64().get(n) == simdjson::SUCCESS) m[std::string(k)] = n;
  }
  return CleanCounts{m["records_in"], m["rows_out"], m["quarantined"], m["duplicates"]};
}

Status WriteRunSummary(const std::string& report_dir, const RunSummary& s) {
  JsonWriter w;
  w.BeginObject().Field("logical_date", std::string_view(s.logical_date)).Field("run_id", std::string_view(s.run_id));
  for (const auto* part : {&s.counts, &s.tables}) {
    w.Key(part == &s.counts ? "counts" : "tables").BeginObject();
    for (const auto& [k, v] : *part) w.Key(k).Int(v);
    w.EndObject();
  }
  w.EndObject();
  return FileSystem::Default()->WriteFileAtomically(report_dir + "/run_summary.json", w.Take());
}

std::optional<RunSummary> PreviousRunSummary(const std::string& reports_root, std::string_view logical_date) {
  namespace fs = std::filesystem;
  std::vector<std::string> dates;
  std::error_code ec;
  for (auto it = fs::directory_iterator(reports_root, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string d = it->path().filename().string();
    std::error_code e2;
    if (d < logical_date && fs::is_regular_file(it->path() / "run_summary.json", e2)) dates.push_back(d);
  }
  std::sort(dates.rbegin(), dates.rend());
  simdjson::dom::parser p;
  for (const auto& d : dates) {
    auto text = FileSystem::Default()->ReadFileToString(reports_root + "/" + d + "/run_summary.json");
    simdjson::dom::element doc;
    if (!text || p.parse(*text).get(doc) != simdjson::SUCCESS) continue;
    RunSummary s;
    std::string_view v;
    if (doc["logical_date"].get_string().get(v) == simdjson::SUCCESS) s.logical_date = std::string(v);
    if (doc["run_id"].get_string().get(v) == simdjson::SUCCESS) s.run_id = std::string(v);
    ReadIntMap(doc, "counts", s.counts);
    ReadIntMap(doc, "tables", s.tables);
    return s;
  }
  return std::nullopt;
}

}  // namespace pinpipe::batch
