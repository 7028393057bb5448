#include "orchestrator/airflow_export.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <vector>

namespace pinpipe::orchestrator {
namespace {

const std::set<std::string, std::less<>> kPythonReserved = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
    "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
    "try", "while", "with", "yield",
    // names the generated file itself uses
    "dag", "datetime", "timedelta", "timezone", "DAG", "BashOperator", "cross_downstream",
    "default_args"};

// A Python identifier for each task id, unique within the file.
std::map<std::string, std::string> VariableNames(const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  std::set<std::string> used;
  for (const auto& id : ids) {
    std::string v;
    for (char c : id) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      (c >= '0' && c <= '9') || c == '_';
      v.push_back(ok ? c : '_');
    }
    if (v.empty() || (v[0] >= '0' && v[0] <= '9') || kPythonReserved.count(v)) v = "task_" + v;
    std::string unique = v;
    for (int n = 2; used.count(unique); ++n) unique = v + "_" + std::to_string(n);
    used.insert(unique);
    out[id] = unique;
  }
  return out;
}

std::string PythonList(const std::vector<std::string>& ids,
                       const std::map<std::string, std::string>& vars) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + vars.at(ids[i]);
  return s + "]";
}

std::string PythonDuration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return "timedelta(seconds=" + std::to_string(d.count() / 1000) + ")";
  return "timedelta(milliseconds=" + std::to_string(d.count()) + ")";
}

std::string PythonDate(TimePoint t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd(day);
  char buf[96];
  std::snprintf(buf, sizeof buf, "datetime(%d, %u, %u, tzinfo=timezone.utc)",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

std::string PythonStringLiteral(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));  // UTF-8 passes through (source is UTF-8)
        }
    }
  }
  return out + "\"";
}

std::string ShellQuote(std::string_view s) {
  const bool safe = !s.empty() && s.find_first_not_of(
                                      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_./:=@%+-,") == std::string_view::npos;
  if (safe) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string RenderAirflowDag(const DagDefinition& dag, const AirflowExportOptions& options) {
  auto order = dag.TopologicalOrder();
  std::vector<std::string> ids;
  if (order) {
    ids = *order;
  } else {
    for (const auto& t : dag.tasks()) ids.push_back(t.id);
  }
  const bool spark = !options.spark_command.empty();
  if (spark) std::erase_if(ids, [&](const std::string& id) { return !dag.Upstreams(id).empty(); });
  const auto vars = VariableNames(ids);

  std::string prefix = ShellQuote(options.binary);
  if (!options.config_file.empty()) prefix += " --config " + ShellQuote(options.config_file);

  // Airflow creates no task instances for a logical date before a task's start_date: a run
  // for such a date (`airflow dags test DAG <date>`, a backfill) "succeeds" with no task run.
  // Without catchup the scheduler only fires the latest interval whatever the start_date, so
  // an early one costs nothing; with catchup it would backfill every day since, so there the
  // day of the export stays the default.
  TimePoint start = dag.catchup
                        ? std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
                        : TimePoint(std::chrono::sys_days(std::chrono::year(2015) / 1 / 1));
  if (dag.start_date) {
    start = *dag.start_date;
  } else if (options.start_date) {
    start = *options.start_date;
  }
  const CronSchedule& cron = dag.schedule;
  const std::string schedule = cron.scheduled() || cron.once()
                                   ? PythonStringLiteral(cron.expression())
                                   : std::string("None");

  std::string py;
  py += "# Airflow DAG generated by `pinpipe dag export --airflow`: the same graph, schedule,\n";
  py += "# catchup, retries and retry_delay as pinpipe's DAG " + dag.id() + ".\n";
  py += "# Each task runs `pinpipe task run <task> --date {{ ds }}` on the worker.\n";
  py += "# Regenerate it rather than editing it. Needs Airflow >= 2.4.\n";
  py += "from datetime import datetime, timedelta, timezone\n\n";
  // Airflow 3's homes of the operator and helpers first (the old ones warn), then Airflow 2's.
  py += "try:\n";
  py += "    from airflow.providers.standard.operators.bash import BashOperator\n";
  py += "    from airflow.sdk import DAG, cross_downstream\n";
  py += "except ImportError:  # Airflow 2\n";
  py += "    from airflow import DAG\n";
  py += "    from airflow.models.baseoperator import cross_downstream\n";
  py += "    from airflow.operators.bash import BashOperator\n\n";
  py += "default_args = {\n";
  py += "    \"owner\": " + PythonStringLiteral(options.owner) + ",\n";
  py += "    \"retries\": " + std::to_string(dag.retries) + ",\n";
  py += "    \"retry_delay\": " + PythonDuration(dag.retry_delay) + ",\n";
  py += "}\n\n";
  py += "with DAG(\n";
  py += "    dag_id=" + PythonStringLiteral(dag.id()) + ",\n";
  if (!dag.description.empty()) py += "    description=" + PythonStringLiteral(dag.description) + ",\n";
  py += "    schedule=" + schedule + ",\n";
  py += "    start_date=" + PythonDate(start) + ",\n";
  py += std::string("    catchup=") + (dag.catchup ? "True" : "False") + ",\n";
  py += "    max_active_runs=1,\n";
  py += "    default_args=default_args,\n";
  py += "    tags=[\"pinpipe\"],\n";
  py += ") as dag:\n";
  for (const auto& id : ids) {
    const TaskDefinition* t = dag.FindTask(id);
    const std::string command =
        prefix + " task run " + ShellQuote(id) + " --dag " + ShellQuote(dag.id()) + " --date {{ ds }}";
    py += "    " + vars.at(id) + " = BashOperator(\n";
    py += "        task_id=" + PythonStringLiteral(id) + ",\n";
    py += "        bash_command=" + PythonStringLiteral(command) + ",\n";
    if (t && t->retries) py += "        retries=" + std::to_string(*t->retries) + ",\n";
    if (t && t->retry_delay) py += "        retry_delay=" + PythonDuration(*t->retry_delay) + ",\n";
    py += "    )\n";
  }

  if (spark) {
    py += "    spark_batch = BashOperator(\n";
    py += "        task_id=\"spark_batch\",\n";
    py += "        bash_command=" + PythonStringLiteral(options.spark_command) + ",\n";
    py += "    )\n\n";
    py += "    " + (ids.size() == 1 ? vars.at(ids[0]) : PythonList(ids, vars)) + " >> spark_batch\n";
    return py;
  }

  // Edges, grouped: upstreams that share the same downstream set are written together.
  std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> groups;
  for (const auto& id : ids) {
    auto downs = dag.Downstreams(id);
    if (downs.empty()) continue;
    bool merged = false;
    for (auto& [ups, ds] : groups) {
      if (ds == downs) {
        ups.push_back(id);
        merged = true;
        break;
      }
    }
    if (!merged) groups.push_back({{id}, downs});
  }
  if (!groups.empty()) py += "\n";
  for (const auto& [ups, downs] : groups) {
    if (ups.size() == 1) {
      py += "    " + vars.at(ups[0]) + " >> " +
            (downs.size() == 1 ? vars.at(downs[0]) : PythonList(downs, vars)) + "\n";
    } else if (downs.size() == 1) {
      py += "    " + PythonList(ups, vars) + " >> " + vars.at(downs[0]) + "\n";
    } else {
      py += "    cross_downstream(" + PythonList(ups, vars) + ", " + PythonList(downs, vars) + ")\n";
    }
  }
  return py;
}

namespace {

std::string TomlString(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Absolute(const std::string& path, const std::string& cwd) {
  if (path.empty() || path.starts_with("/")) return path;
  return (std::filesystem::path(cwd) / path).lexically_normal().string();
}

}  // namespace

bool IsExportSecretKey(std::string_view key) {
  const std::string_view name = key.substr(key.find('.') + 1);
  return IsSecretKey(key) || name.find("secret") != std::string_view::npos ||
         name.find("password") != std::string_view::npos ||
         name.find("key") != std::string_view::npos || name.find("token") != std::string_view::npos;
}

std::string AirflowConfigPath(const std::string& dag_file) {
  std::filesystem::path p(dag_file);
  return (p.parent_path() / (p.stem().string() + ".pinpipe.toml")).string();
}

std::string RenderAirflowConfig(const Config& cfg, const std::string& cwd) {
  std::string out =
      "# pinpipe configuration for the Airflow tasks (written by `pinpipe dag export --airflow`):\n"
      "# the effective settings at export time, paths absolute. Secrets are not written here:\n"
      "# pinpipe reads them from the PINPIPE_* variables named below (the BashOperators inherit\n"
      "# the worker's environment).\n";
  std::string section;
  for (const auto& k : KnownConfigKeys()) {
    const std::string_view key = k.key;
    const auto dot = key.find('.');
    const std::string sec(key.substr(0, dot));
    if (sec != section) {
      out += "\n[" + sec + "]\n";
      section = sec;
    }
    const std::string_view name = key.substr(dot + 1);
    std::string v = cfg.GetString(key);
    if (IsExportSecretKey(key)) {
      out += "# " + std::string(name) + ": secret, " +
             (v.empty() ? "unset at export" : "set at export") + "; supply it as " +
             ConfigEnvName(key) + "\n";
      continue;
    }
    if (key == "data.dir" || key == "dag.binary") v = Absolute(v, cwd);
    if (key == "lake.uri" && !v.empty() && !v.starts_with("s3://") && !v.starts_with("file://")) {
      v = Absolute(v, cwd);
    }
    out += std::string(name) + " = " + TomlString(v) + "\n";
  }
  return out;
}

}  // namespace pinpipe::orchestrator
