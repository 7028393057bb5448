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

namespace pinpipe::orchestrator {
namespace {

TEST(AirflowExportTest, ConfigurationBesideTheDagIsTheEffectiveOneWithAbsolutePathsAndNoSecrets) {
  EXPECT_EQ(AirflowConfigPath("/a/dags/pinterest_batch.py"), "/a/dags/pinterest_batch.pinpipe.toml");
  EXPECT_TRUE(IsExportSecretKey("s3.secret_access_key"));
  EXPECT_TRUE(IsExportSecretKey("s3.access_key_id"));
  EXPECT_TRUE(IsExportSecretKey("s3.session_token"));
  EXPECT_TRUE(IsExportSecretKey("http.api_key"));
  EXPECT_FALSE(IsExportSecretKey("data.dir"));
  EXPECT_FALSE(IsExportSecretKey("sink.topics_dir"));

  Config cfg;
  ASSERT_TRUE(cfg.Set("data.dir", "rel/data", "flag"));
  ASSERT_TRUE(cfg.Set("lake.uri", "../lake", "flag"));
  ASSERT_TRUE(cfg.Set("dag.parallelism", "3", "env PINPIPE_DAG_PARALLELISM"));
  ASSERT_TRUE(cfg.Set("s3.secret_access_key", "hunter2-very-secret", "env"));
  ASSERT_TRUE(cfg.Set("s3.access_key_id", "AKIDEXAMPLE", "flag"));
  ASSERT_TRUE(cfg.Set("sink.topics_dir", "raw \"topics\"", "flag"));
  const std::string toml = RenderAirflowConfig(cfg, "/work/pipe");
  EXPECT_EQ(toml.find("hunter2"), std::string::npos);
  EXPECT_EQ(toml.find("AKIDEXAMPLE"), std::string::npos);
  EXPECT_NE(toml.find("supply it as PINPIPE_S3_SECRET_ACCESS_KEY"), std::string::npos) << toml;
  EXPECT_NE(toml.find("supply it as PINPIPE_S3_ACCESS_KEY_ID"), std::string::npos);

  // Read back by pinpipe's own loader: the same effective values, paths absolute.
  TempDir dir;
  const std::string path = dir.File("dags/pinterest_batch.pinpipe.toml");
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << toml;
  ConfigSources src;
  src.file = path;
  src.read_environment = false;
  auto back = Config::Load(src);
  ASSERT_TRUE(back) << back.error().message() << "\n" << toml;
  EXPECT_EQ(back->DataDir(), "/work/pipe/rel/data");
  EXPECT_EQ(back->GetString("lake.uri"), "/work/lake");
  EXPECT_EQ(back->GetString("dag.parallelism"), "3");
  EXPECT_EQ(back->GetString("sink.topics_dir"), "raw \"topics\"");
  EXPECT_EQ(back->GetString("s3.secret_access_key"), "");
  for (const auto& k : KnownConfigKeys()) {
    if (IsExportSecretKey(k.key) || k.key == "data.dir" || k.key == "lake.uri") continue;
    EXPECT_EQ(back->GetString(k.key), cfg.GetString(k.key)) << k.key;
  }

  // The DAG's commands read that file.
  AirflowExportOptions opts;
  opts.binary = "/opt/pinpipe";
  opts.config_file = path;
  const std::string py = RenderAirflowDag(PinterestLike(), opts);
  EXPECT_NE(py.find("/opt/pinpipe --config " + path + " task run load"), std::string::npos) << py;
}

}  // namespace
}  // namespace pinpipe::orchestrator

namespace pinpipe::orchestrator {
namespace {

TEST(AirflowExportTest, SparkVariantKeepsTheRootTasksAndRunsTheRestAsOneSparkTask) {
  AirflowExportOptions opts;
  opts.binary = "/usr/bin/pinpipe";
  opts.spark_command = "spark-submit /jobs/pinterest_batch_spark.py --config /jobs/x.json";
  const std::string py = RenderAirflowDag(PinterestLike(), opts);
  EXPECT_NE(py.find("task_id=\"load\""), std::string::npos) << py;
  EXPECT_NE(py.find("task_id=\"spark_batch\""), std::string::npos) << py;
  EXPECT_NE(py.find("bash_command=\"spark-submit /jobs/pinterest_batch_spark.py --config /jobs/x.json\""),
            std::string::npos) << py;
  EXPECT_EQ(py.find("clean_pin"), std::string::npos) << py;
  EXPECT_EQ(py.find("analyze"), std::string::npos) << py;
  EXPECT_NE(py.find("    load >> spark_batch\n"), std::string::npos) << py;
}

TEST(AirflowExportTest, StartDateLetsPastDatesRunTheirTasksWithoutCatchup) {
  // Airflow creates no task instance for a logical date before start_date.
  DagDefinition dag = PinterestLike();
  EXPECT_NE(RenderAirflowDag(dag, {}).find("start_date=datetime(2015, 1, 1"), std::string::npos);
}

}  // namespace
}  // namespace pinpipe::orchestrator
