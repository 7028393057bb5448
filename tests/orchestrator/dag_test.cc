#include "orchestrator/dag.h"

#include <gtest/gtest.h>

#include "orchestrator/dag_registry.h"
#include "orchestrator/fault_injection.h"

namespace pinpipe::orchestrator {
namespace {

TaskFn Noop() {
  return [](const TaskContext&) -> Result<TaskStats> { return TaskStats{}; };
}

TEST(DagTest, ChainSyntax) {
  DagDefinition dag("d");
  for (const char* t : {"load", "clean_pin", "clean_geo", "clean_user", "analyze"}) dag.AddTask(t, Noop());
  ASSERT_TRUE(dag.AddDependencies("load >> [clean_pin, clean_geo, clean_user] >> analyze"));
  EXPECT_EQ(dag.edges().size(), 6u);
  EXPECT_EQ(dag.Upstreams("analyze"), (std::vector<std::string>{"clean_pin", "clean_geo", "clean_user"}));
  EXPECT_EQ(dag.Downstreams("load"), (std::vector<std::string>{"clean_pin", "clean_geo", "clean_user"}));
  auto order = dag.TopologicalOrder();
  ASSERT_TRUE(order);
  EXPECT_EQ(order->front(), "load");
  EXPECT_EQ(order->back(), "analyze");
  EXPECT_TRUE(dag.Validate());
}

TEST(DagTest, ValidationErrors) {
  DagDefinition cyc("c");
  cyc.AddTask("a", Noop()).AddTask("b", Noop());
  ASSERT_TRUE(cyc.AddDependencies("a >> b; b >> a"));
  EXPECT_FALSE(cyc.Validate());

  DagDefinition unknown("u");
  unknown.AddTask("a", Noop());
  unknown.AddEdge("a", "missing");
  EXPECT_FALSE(unknown.Validate());

  DagDefinition dup("d");
  dup.AddTask("a", Noop()).AddTask("a", Noop());
  EXPECT_FALSE(dup.Validate());

  DagDefinition bad("b");
  EXPECT_FALSE(bad.AddDependencies("a >> [b, ] >> c"));
  EXPECT_FALSE(bad.AddDependencies("a >> >> c"));
}

TEST(DagRegistryTest, RegisterFindResolve) {
  DagRegistry reg;
  DagDefinition a("one");
  a.AddTask("t", Noop());
  ASSERT_TRUE(reg.Register(a));
  EXPECT_FALSE(reg.Register(a));  // duplicate id
  EXPECT_EQ((*reg.Resolve(""))->id(), "one");
  DagDefinition b("two");
  b.AddTask("t", Noop()).AddTask("u", Noop());
  ASSERT_TRUE(reg.Register(b));
  EXPECT_FALSE(reg.Resolve(""));  // ambiguous
  EXPECT_FALSE(reg.Resolve("three"));
  EXPECT_FALSE(reg.FindDagOfTask("t"));  // in both
  EXPECT_EQ((*reg.FindDagOfTask("t", "two"))->id(), "two");
  EXPECT_EQ((*reg.FindDagOfTask("u"))->id(), "two");
  EXPECT_FALSE(reg.FindDagOfTask("nope"));
}

TEST(FaultInjectionTest, SpecAndWrapping) {
  auto spec = ParseFailureSpec("clean_geo:2, load");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->at("clean_geo"), 2);
  EXPECT_EQ(spec->at("load"), kFailAlways);
  EXPECT_FALSE(ParseFailureSpec("x:abc"));
  EXPECT_TRUE(ParseFailureSpec("")->empty());

  DagDefinition dag("d");
  dag.AddTask("clean_geo", Noop());
  InjectFailures(dag, *spec);
  TaskContext ctx;
  ctx.task_id = "clean_geo";
  for (int attempt : {1, 2, 3}) {
    ctx.attempt = attempt;
    EXPECT_EQ(dag.tasks()[0].fn(ctx).has_value(), attempt == 3) << attempt;
  }
}

}  // namespace
}  // namespace pinpipe::orchestrator
