#include "orchestrator/fault_injection.h"

#include <charconv>

namespace pinpipe::orchestrator {

Result<std::map<std::string, int, std::less<>>> ParseFailureSpec(std::string_view spec) {
  std::map<std::string, int, std::less<>> out;
  size_t start = 0;
  for (size_t i = 0; i <= spec.size(); ++i) {
    if (i != spec.size() && spec[i] != ',') continue;
    std::string_view item = spec.substr(start, i - start);
    start = i + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    int n = kFailAlways;
    if (const size_t colon = item.find(':'); colon != std::string_view::npos) {
      const std::string_view num = item.substr(colon + 1);
      const auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
      if (ec != std::errc() || p != num.data() + num.size() || n < 0) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "PINPIPE_TEST_FAIL_TASK: invalid count in '" + std::string(item) +
                             "' (expected task[:attempts])");
      }
      item = item.substr(0, colon);
    }
    out[std::string(item)] = n;
  }
  return out;
}

void InjectFailures(DagDefinition& dag, const std::map<std::string, int, std::less<>>& failures) {
  for (auto& task : dag.mutable_tasks()) {
    const auto it = failures.find(task.id);
    if (it == failures.end() || it->second == 0) continue;
    const int n = it->second;
    task.fn = [n, inner = std::move(task.fn)](const TaskContext& ctx) -> Result<TaskStats> {
      if (ctx.attempt <= n) {
        return MakeError(ErrorCode::kInternal,
                         "injected failure of task " + ctx.task_id + " (attempt " +
                             std::to_string(ctx.attempt) + ", PINPIPE_TEST_FAIL_TASK)");
      }
      return inner(ctx);
    };
  }
}

}  // namespace pinpipe::orchestrator
