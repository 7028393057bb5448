#include "orchestrator/airflow_export.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include "test_util.h"

namespace pinpipe::orchestrator {
namespace {

using testing::TempDir;

TaskFn Noop() {
  return [](const TaskContext&) -> Result<TaskStats> { return TaskStats{}; };
}

DagDefinition PinterestLike() {
  DagDefinition dag("pinterest_batch");
  dag.description = "Daily batch \"with quotes\"";
  dag.schedule = *CronSchedule::Parse("@daily");
  dag.retries = 1;
  dag.retry_delay = std::chrono::minutes(2);
  for (const char* t : {"load", "clean_pin", "clean_geo", "clean_user", "analyze"}) dag.AddTask(t, Noop());
  (void)dag.AddDependencies("load >> [clean_pin, clean_geo, clean_user] >> analyze");
  return dag;
}

// Runs a command, returning its exit status and output.
int RunCommand(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  return pclose(p);
}

// Parses the generated file with Python's ast (no Airflow needed): task ids, edges, settings.
const char* kParser = R"py(
import ast, sys
tree = ast.parse(open(sys.argv[1]).read())
var_to_id = {}
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
       getattr(node.value.func, "id", "") == "BashOperator":
        kw = {k.arg: ast.literal_eval(k.value) for k in node.value.keywords if k.arg in ("task_id", "bash_command")}
        var_to_id[node.targets[0].id] = kw["task_id"]
        print("task", kw["task_id"], kw["bash_command"])
def names(n):
    if isinstance(n, ast.List): return [e.id for e in n.elts]
    return [n.id]
def edges(n):
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.RShift):
        left = edges(n.left)
        for u in left:
            for d in names(n.right): print("edge", var_to_id[u], var_to_id[d])
        return names(n.right)
    return names(n)
for node in ast.walk(tree):
    if isinstance(node, ast.Expr):
        if isinstance(node.value, ast.BinOp): edges(node.value)
        elif isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "cross_downstream":
            for u in names(node.value.args[0]):
                for d in names(node.value.args[1]): print("edge", var_to_id[u], var_to_id[d])
    if isinstance(node, ast.keyword) and node.arg in ("schedule", "catchup", "retries", "dag_id"):
        print("kw", node.arg, ast.literal_eval(node.value))
    if isinstance(node, ast.keyword) and node.arg == "retry_delay":
        print("kw retry_delay", ast.unparse(node.value))
    if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "default_args":
        for k, v in zip(node.value.keys, node.value.values):
            key = ast.literal_eval(k)
            print("kw", key, ast.unparse(v) if key == "retry_delay" else ast.literal_eval(v))
)py";

std::set<std::string> Lines(const std::string& text, const std::string& prefix) {
  std::set<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.rfind(prefix, 0) == 0) out.insert(line.substr(prefix.size()));
    start = end + 1;
  }
  return out;
}

TEST(AirflowExportTest, CompilesAndDeclaresTheGraph) {
  TempDir dir;
  AirflowExportOptions opts;
  opts.binary = "/opt/pin pipe/pinpipe";  // a space: must be shell-quoted
  opts.config_file = "/etc/pinpipe.toml";
  const std::string py = RenderAirflowDag(PinterestLike(), opts);
  const std::string file = dir.File("pinterest_batch.py");
  std::ofstream(file) << py;
  std::string out;
  ASSERT_EQ(RunCommand("/usr/bin/python3 -m py_compile " + file, &out), 0) << out << "\n" << py;
  std::ofstream(dir.File("parse.py")) << kParser;
  out.clear();
  ASSERT_EQ(RunCommand("/usr/bin/python3 " + dir.File("parse.py") + " " + file, &out), 0) << out;

  EXPECT_EQ(Lines(out, "edge "),
            (std::set<std::string>{"load clean_pin", "load clean_geo", "load clean_user",
                                   "clean_pin analyze", "clean_geo analyze", "clean_user analyze"}));
  const auto tasks = Lines(out, "task ");
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_TRUE(tasks.count("analyze '/opt/pin pipe/pinpipe' --config /etc/pinpipe.toml task run analyze "
                          "--dag pinterest_batch --date {{ ds }}"))
      << out;
  const auto kw = Lines(out, "kw ");
  EXPECT_TRUE(kw.count("schedule @daily")) << out;
  EXPECT_TRUE(kw.count("catchup False"));
  EXPECT_TRUE(kw.count("retries 1"));
  EXPECT_TRUE(kw.count("retry_delay timedelta(seconds=120)"));
  EXPECT_TRUE(kw.count("dag_id pinterest_batch"));
}

TEST(AirflowExportTest, OddTaskNamesAndCrossEdges) {
  TempDir dir;
  DagDefinition dag("odd");
  dag.schedule = *CronSchedule::Parse("*/5 * * * *");
  dag.catchup = true;
  dag.retries = 3;
  dag.retry_delay = std::chrono::milliseconds(1500);
  for (const char* t : {"a-1", "a.1", "class", "9lives", "x", "y"}) dag.AddTask(t, Noop());
  ASSERT_TRUE(dag.AddDependencies("[a-1, a.1] >> [class, 9lives]; class >> x; 9lives >> y"));
  const std::string py = RenderAirflowDag(dag, {});
  const std::string file = dir.File("odd.py");
  std::ofstream(file) << py;
  std::string out;
  ASSERT_EQ(RunCommand("/usr/bin/python3 -m py_compile " + file, &out), 0) << out << "\n" << py;
  std::ofstream(dir.File("parse.py")) << kParser;
  out.clear();
  ASSERT_EQ(RunCommand("/usr/bin/python3 " + dir.File("parse.py") + " " + file, &out), 0) << out << py;
  EXPECT_EQ(Lines(out, "edge "),
            (std::set<std::string>{"a-1 class", "a-1 9lives", "a.1 class", "a.1 9lives",
                                   "class x", "9lives y"}));
  const auto kw = Lines(out, "kw ");
  EXPECT_TRUE(kw.count("schedule */5 * * * *"));
  EXPECT_TRUE(kw.count("catchup True"));
  EXPECT_TRUE(kw.count("retry_delay timedelta(milliseconds=1500)"));
}

TEST(AirflowExportTest, Quoting) {
  EXPECT_EQ(PythonStringLiteral("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
  EXPECT_EQ(ShellQuote("/usr/bin/pinpipe"), "/usr/bin/pinpipe");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
  EXPECT_EQ(ShellQuote(""), "''");
}

}  // namespace
}  // namespace pinpipe::orchestrator
