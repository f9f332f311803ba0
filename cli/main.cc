// activa: the command-line face of the library.
//   activa list                      the activations, their parameters, formulas, derivatives
//   activa eval FUNCTION ... VALUES  forward and backward of one activation
//   activa tour                      the lecture's examples, computed live
//   activa bench                     activa's kernels timed here, against the bandwidth limit
//   activa plot FUNCTION...          functions and derivatives as figures (PNG, SVG, PDF) or braille text
//   activa info FUNCTION             one activation in full: properties, memory, cost, the lecture's advice
//   activa completion bash           the bash completion script
// Exit status: 0 on success (--help and --version included); 2 on bad input,
// with one line "activa: error: ..." on standard error and nothing on standard
// output; 1 on an internal failure.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "activa/error.h"
#include "activa/version.h"
#include "cli/command.h"
#include "cli/suggest.h"

namespace {

constexpr int kBadInput = 2;
constexpr int kInternal = 1;

int fail(std::string message, int status) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::fprintf(stderr, "activa: %s\n", message.c_str());
  return status;
}

// The first argument that is not an option names the subcommand; before it
// only --help and --version may come. CLI11 would report an unknown command
// or option there as a missing subcommand.
void check_subcommand(int argc, char** argv, const std::vector<activa::cli::Command>& commands) {
  std::string names;
  for (const activa::cli::Command& c : commands) names += (names.empty() ? "" : ", ") + c.app->get_name();
  bool help_or_version = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help" || arg == "--version") {
      help_or_version = true;
      continue;
    }
    if (arg.starts_with('-')) throw activa::Error("unknown option '" + std::string(arg) + "'");
    for (const activa::cli::Command& c : commands) {
      if (c.app->get_name() == arg) return;
    }
    std::vector<std::string> known;
    for (const activa::cli::Command& c : commands) known.push_back(c.app->get_name());
    const std::string guess = activa::cli::nearest(arg, known);
    throw activa::Error("unknown command '" + std::string(arg) + "'" +
                        (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (expected one of: " + names + ")");
  }
  if (!help_or_version) throw activa::Error("missing command (expected one of: " + names + ")");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Activation functions of neural networks and their gradients, computed as PyTorch does.",
               "activa"};
  app.set_version_flag("--version", std::string("activa ") + activa::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  activa list\n"
      "  activa eval sigmoid -5 0 5\n"
      "  activa tour\n"
      "  activa bench --functions relu --sizes 16Mi\n"
      "  activa train --activation leaky_relu --negative-slope 0.1\n"
      "  activa study --out study/\n"
      "  activa plot relu leaky_relu elu:alpha=0.5 -o relus.png\n"
      "  activa info sigmoid --lang es\n"
      "  source <(activa completion bash)\n"
      "Run 'activa COMMAND --help' for a command's options.");
  const std::vector<activa::cli::Command> commands = {
      activa::cli::add_list(app), activa::cli::add_eval(app), activa::cli::add_tour(app),
      activa::cli::add_bench(app), activa::cli::add_train(app), activa::cli::add_study(app),
      activa::cli::add_plot(app), activa::cli::add_info(app), activa::cli::add_completion(app)};
  app.allow_extras();  // after the subcommands, which must not inherit it: see Command::run

  std::string output;
  try {
    check_subcommand(argc, argv, commands);
    app.parse(argc, argv);
    for (const activa::cli::Command& c : commands) {
      if (c.app->parsed()) output = c.run(app.remaining(false));
    }
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    return fail(std::string("error: ") + e.what(), kBadInput);
  } catch (const std::invalid_argument& e) {  // activa::Error
    return fail(std::string("error: ") + e.what(), kBadInput);
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what(), kInternal);
  }
  std::fwrite(output.data(), 1, output.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : kInternal;
}
