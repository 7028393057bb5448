#include "cli/command_tree.h"

#include <cstdio>
#include <optional>

#include "cli/cli_context.h"
#include "common/config.h"

namespace pinpipe::cli {
namespace {

const CLI::App* FindSubcommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->check_name(name)) return sub;
  }
  return nullptr;
}

bool HasPositionals(const CLI::App& app) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_positional()) return true;
  }
  return false;
}

std::string Path(const CLI::App* app) {
  std::string path;
  for (; app; app = app->get_parent()) path = app->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

struct Unknown {
  const CLI::App* parent;
  std::string word;
};

// Replays argv over the tree: options are skipped (with their value when they take one),
// known command names descend. The first word that is neither, where a command is expected
// (the current command has subcommands and no positional arguments), is an unknown command.
std::optional<Unknown> FindUnknownCommand(const CLI::App& root, int argc, char** argv) {
  const CLI::App* cur = &root;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") return std::nullopt;
    if (word.size() > 1 && word[0] == '-') {
      if (word.find('=') != std::string::npos) continue;
      const CLI::Option* opt = FindOption(*cur, word);
      if (opt && opt->get_expected_max() > 0) ++i;  // its value (flags expect none)
      continue;
    }
    if (const CLI::App* sub = FindSubcommand(*cur, word)) {
      cur = sub;
      continue;
    }
    if (HasPositionals(*cur) || VisibleSubcommands(*cur).empty()) return std::nullopt;
    return Unknown{cur, word};
  }
  return std::nullopt;
}

}  // namespace

std::string ParsedCommandPath(const CLI::App& app) {
  const CLI::App* cur = &app;
  while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
  return Path(cur);
}

std::vector<const CLI::App*> VisibleSubcommands(const CLI::App& app) {
  // Option groups are nameless subcommands in CLI11: their options belong to the command.
  return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty() && !s->get_name().empty(); });
}

const CLI::Option* FindOption(const CLI::App& app, const std::string& name) {
  for (const CLI::App* a = &app; a; a = a->get_parent()) {
    if (const CLI::Option* o = a->get_option_no_throw(name)) return o;
  }
  return nullptr;
}

bool IsMetaCommand(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) {
    const std::string& n = sub->get_name();
    if (n == "help" || n == "completion" || n == "man") return true;
  }
  return false;
}

int ReportUsageError(const CLI::App& app, int argc, char** argv, const CLI::ParseError& error) {
  if (auto unknown = FindUnknownCommand(app, argc, argv)) {
    std::vector<std::string> names;
    for (const CLI::App* s : VisibleSubcommands(*unknown->parent)) names.push_back(s->get_name());
    std::vector<std::string_view> views(names.begin(), names.end());
    std::string_view near = ClosestMatch(unknown->word, views);
    std::string path = Path(unknown->parent);
    std::string hint = near.empty() ? "" : "; did you mean " + std::string(near) + "?";
    std::fprintf(stderr, "%s: unknown command '%s'%s\n", path.c_str(), unknown->word.c_str(),
                 hint.c_str());
    std::string sub = path.size() > 7 ? path.substr(8) : "";
    std::fprintf(stderr, "Run 'pinpipe help%s%s' for the list of commands.\n",
                 sub.empty() ? "" : " ", sub.c_str());
    return kExitUsage;
  }
  std::string path = ParsedCommandPath(app);
  std::string message = error.what();
  if (dynamic_cast<const CLI::RequiredError*>(&error) && message == "A subcommand is required") {
    const CLI::App* cur = &app;
    while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
    message = "a command is required:";
    for (const CLI::App* s : VisibleSubcommands(*cur)) message += " " + s->get_name();
  }
  std::fprintf(stderr, "%s: %s\n", path.c_str(), message.c_str());
  std::string sub = path.size() > 7 ? path.substr(8) : "";
  std::fprintf(stderr, "Run 'pinpipe help%s%s' for usage.\n", sub.empty() ? "" : " ", sub.c_str());
  return kExitUsage;
}

}  // namespace pinpipe::cli
