// The subcommands of the activa executable. Each registers itself on the
// top-level app and returns how to run it once the command line is parsed.
// A run computes its whole output before returning it, so that a failure
// (activa::Error, naming the problem) leaves standard output empty.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "activa/error.h"

namespace activa::cli {

// `run` gets the arguments that followed a "--" once the subcommand had all
// its positionals: CLI11 hands those back to the top-level app.
struct Command {
  CLI::App* app = nullptr;
  std::function<std::string(std::span<const std::string> trailing)> run;
};

// For subcommands that take no positional arguments.
inline void reject_trailing(std::string_view command, std::span<const std::string> trailing) {
  if (!trailing.empty()) {
    throw Error(std::string(command) + ": unexpected argument '" + trailing.front() + "'");
  }
}

Command add_list(CLI::App& parent);  // cli/list.cc
Command add_eval(CLI::App& parent);  // cli/eval.cc
Command add_tour(CLI::App& parent);  // cli/tour.cc
Command add_bench(CLI::App& parent);  // cli/bench.cc
Command add_train(CLI::App& parent);  // cli/train.cc
Command add_study(CLI::App& parent);  // cli/study.cc
Command add_plot(CLI::App& parent);  // cli/plot.cc
Command add_info(CLI::App& parent);  // cli/info.cc
Command add_completion(CLI::App& parent);  // cli/completion.cc

}  // namespace activa::cli
