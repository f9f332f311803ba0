// activa completion bash: prints the bash completion script
// (cli/completion/activa.bash, installed as
// share/bash-completion/completions/activa). The script asks activa for its
// candidates, `activa completion words -- WORDS...`: the words typed after
// "activa" before the one being completed in, the candidates for it out, one
// per line, or __files__ / __dirs__ for a path. They are read from the command
// line definition itself (every subcommand's options and their value names)
// and from the list of activations, so they never go stale.
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "activa/error.h"
#include "activa/kernels.h"
#include "activa/ops/all.h"
#include "cli/command.h"
#include "cli/suggest.h"

namespace activa::cli {
namespace {

// Identical to cli/completion/activa.bash (a test checks).
constexpr std::string_view kBashScript = R"BASH(# bash completion for activa. The candidates (commands, their options, function
# names, option values) come from activa itself, `activa completion words --
# WORDS...`, so they follow the activa being completed.
# Installed as share/bash-completion/completions/activa; or, for this shell only:
#   source <(activa completion bash)
_activa() {
  local cur=${COMP_WORDS[COMP_CWORD]} words
  words=$("${COMP_WORDS[0]}" completion words -- "${COMP_WORDS[@]:1:COMP_CWORD-1}" 2>/dev/null) || return 0
  case $words in
    __files__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    __dirs__) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    *) mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur") ;;
  esac
}
complete -F _activa activa
)BASH";

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

const CLI::Option* option_named(const CLI::App& app, std::string_view word) {
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& n : o->get_lnames()) {
      if (word == "--" + n) return o;
    }
    for (const std::string& n : o->get_snames()) {
      if (word == "-" + n) return o;
    }
  }
  return nullptr;
}

// Candidates for the value of option `o`: paths by its value name (DIR,
// FILE), activations for a function positional or an option naming them,
// the choices of --lang, --dtype and --target (this CPU's SIMD targets).
std::string values_of(const CLI::Option& o) {
  const std::string type = o.get_type_name();
  if (contains(type, "DIR")) return "__dirs__\n";
  if (contains(type, "FILE")) return "__files__\n";
  const std::string name = o.get_lnames().empty() ? "" : "--" + o.get_lnames().front();
  if (name == "--lang") return "en\nes\n";
  if (name == "--dtype") return "float32\nfloat64\n";
  if (name == "--target") {
    std::string out;
    for (const std::string& t : kernels::targets()) out += t + "\n";
    return out;
  }
  if ((o.get_positional() && (contains(type, "NAME") || contains(type, "FUNCTION"))) || contains(name, "activation") ||
      name == "--functions") {
    std::string out;
    for (const std::string& n : op_names()) out += n + "\n";
    return out;
  }
  return "";
}

std::string candidates(const CLI::App& top, std::span<const std::string> words) {
  const CLI::App* command = nullptr;
  for (const std::string& w : words) {
    for (const CLI::App* sub : top.get_subcommands([](const CLI::App*) { return true; })) {
      if (!command && sub->get_name() == w) command = sub;
    }
  }
  std::string out;
  if (command == nullptr) {
    for (const CLI::App* sub : top.get_subcommands([](const CLI::App*) { return true; })) out += sub->get_name() + "\n";
    return out + "--help\n--version\n";
  }
  if (!words.empty()) {
    const CLI::Option* previous = option_named(*command, words.back());
    if (previous != nullptr && previous->get_items_expected_min() > 0) return values_of(*previous);
  }
  for (const CLI::Option* o : command->get_options()) {
    if (o->get_positional()) {
      if (!o->nonpositional()) out += values_of(*o);
      continue;
    }
    for (const std::string& n : o->get_lnames()) out += "--" + n + "\n";
  }
  if (command->get_name() == "completion") out += "bash\n";
  return out;
}

}  // namespace

Command add_completion(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("completion", "Print the bash completion script for activa.");
  auto shell = std::make_shared<std::string>();
  app->add_option("SHELL", *shell, "the shell: bash")->required()->type_name("SHELL");
  app->footer(
      "Examples:\n"
      "  source <(activa completion bash)        # this shell only\n"
      "  activa completion bash > ~/.local/share/bash-completion/completions/activa");
  return {app, [&parent, shell](std::span<const std::string> trailing) -> std::string {
            if (*shell == "words") return candidates(parent, trailing);
            reject_trailing("completion", trailing);
            if (*shell != "bash") {
              throw Error("completion: no script for '" + *shell + "' (only bash: activa completion bash)");
            }
            return std::string(kBashScript);
          }};
}

}  // namespace activa::cli
