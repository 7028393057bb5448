#include "orchestrator/dag.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace pinpipe::orchestrator {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One ">>"-separated element: "name" or "[a, b, c]".
Result<std::vector<std::string>> ParseGroup(std::string_view g, std::string_view chain) {
  g = Trim(g);
  auto bad = [&] {
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid dependency chain '" + std::string(chain) + "'");
  };
  std::vector<std::string> out;
  if (!g.empty() && g.front() == '[') {
    if (g.back() != ']') return bad();
    g = g.substr(1, g.size() - 2);
    size_t start = 0;
    for (size_t i = 0; i <= g.size(); ++i) {
      if (i == g.size() || g[i] == ',') {
        const std::string_view item = Trim(g.substr(start, i - start));
        if (item.empty()) return bad();
        out.emplace_back(item);
        start = i + 1;
      }
    }
  } else {
    if (g.empty() || g.find_first_of("[], \t") != std::string_view::npos) return bad();
    out.emplace_back(g);
  }
  return out;
}

}  // namespace

DagDefinition& DagDefinition::AddTask(std::string task_id, TaskFn fn) {
  tasks_.push_back(TaskDefinition{std::move(task_id), std::move(fn), std::nullopt, std::nullopt});
  return *this;
}

DagDefinition& DagDefinition::AddEdge(std::string upstream, std::string downstream) {
  const std::pair<std::string, std::string> e{std::move(upstream), std::move(downstream)};
  if (std::find(edges_.begin(), edges_.end(), e) == edges_.end()) edges_.push_back(e);
  return *this;
}

Status DagDefinition::AddDependencies(std::string_view chains) {
  size_t start = 0;
  for (size_t i = 0; i <= chains.size(); ++i) {
    if (i != chains.size() && chains[i] != ';' && chains[i] != '\n') continue;
    const std::string_view chain = Trim(chains.substr(start, i - start));
    start = i + 1;
    if (chain.empty()) continue;
    std::vector<std::string> previous;
    size_t pos = 0;
    while (true) {
      const size_t arrow = chain.find(">>", pos);
      PINPIPE_ASSIGN_OR_RETURN(auto group, ParseGroup(chain.substr(pos, arrow - pos), chain));
      for (const auto& up : previous) {
        for (const auto& down : group) AddEdge(up, down);
      }
      previous = std::move(group);
      if (arrow == std::string_view::npos) break;
      pos = arrow + 2;
    }
  }
  return OkStatus();
}

const TaskDefinition* DagDefinition::FindTask(std::string_view task_id) const {
  for (const auto& t : tasks_) {
    if (t.id == task_id) return &t;
  }
  return nullptr;
}

std::vector<std::string> DagDefinition::Upstreams(std::string_view task_id) const {
  std::vector<std::string> out;
  for (const auto& [up, down] : edges_) {
    if (down == task_id) out.push_back(up);
  }
  return out;
}

std::vector<std::string> DagDefinition::Downstreams(std::string_view task_id) const {
  std::vector<std::string> out;
  for (const auto& [up, down] : edges_) {
    if (up == task_id) out.push_back(down);
  }
  return out;
}

Result<std::vector<std::string>> DagDefinition::TopologicalOrder() const {
  std::map<std::string, int, std::less<>> indegree;
  for (const auto& t : tasks_) indegree[t.id] = 0;
  for (const auto& e : edges_) ++indegree[e.second];
  std::vector<std::string> order;
  std::set<std::string> done;
  // Kahn's algorithm, scanning in declaration order so the result is stable.
  while (order.size() < tasks_.size()) {
    bool progressed = false;
    for (const auto& t : tasks_) {
      if (done.count(t.id) || indegree[t.id] != 0) continue;
      done.insert(t.id);
      order.push_back(t.id);
      for (const auto& d : Downstreams(t.id)) --indegree[d];
      progressed = true;
    }
    if (!progressed) {
      return MakeError(ErrorCode::kInvalidArgument, "DAG '" + id_ + "' has a dependency cycle");
    }
  }
  return order;
}

Status DagDefinition::Validate() const {
  if (id_.empty()) return MakeError(ErrorCode::kInvalidArgument, "a DAG needs an id");
  std::set<std::string, std::less<>> ids;
  for (const auto& t : tasks_) {
    if (t.id.empty()) return MakeError(ErrorCode::kInvalidArgument, "DAG '" + id_ + "': empty task id");
    if (!ids.insert(t.id).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "DAG '" + id_ + "': duplicate task id '" + t.id + "'");
    }
    if (!t.fn) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "DAG '" + id_ + "': task '" + t.id + "' has no function");
    }
  }
  for (const auto& [up, down] : edges_) {
    for (const auto* id : {&up, &down}) {
      if (!ids.count(*id)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "DAG '" + id_ + "': dependency on unknown task '" + *id + "'");
      }
    }
    if (up == down) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "DAG '" + id_ + "': task '" + up + "' depends on itself");
    }
  }
  if (retries < 0) return MakeError(ErrorCode::kInvalidArgument, "retries must be >= 0");
  auto order = TopologicalOrder();
  if (!order) return std::unexpected(order.error());
  return OkStatus();
}

bool IsRetryable(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kUnsupported:
      return false;
    default:
      return true;
  }
}

}  // namespace pinpipe::orchestrator
