// Walking CLI11's app tree: the path of the command being run, "did you mean" for an unknown
// command, the usage-error report with exit status 2. The help, completion and man page
// commands (cmd_help.cc) walk the same tree, so they never disagree with the parser.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace pinpipe::cli {

// "pinpipe sink status" for the deepest command parsed so far.
std::string ParsedCommandPath(const CLI::App& app);

// The visible (not hidden) subcommands of `app`, in definition order.
std::vector<const CLI::App*> VisibleSubcommands(const CLI::App& app);

// Options of `app` and, for subcommands, those they fall through to (the global ones).
const CLI::Option* FindOption(const CLI::App& app, const std::string& name);

// True when the command being run needs no configuration (help, completion, man).
bool IsMetaCommand(const CLI::App& app);

// Prints a usage error after a failed parse — an unknown command with the nearest known one,
// or CLI11's message with the command's path — and returns exit status 2.
int ReportUsageError(const CLI::App& app, int argc, char** argv, const CLI::ParseError& error);

}  // namespace pinpipe::cli
