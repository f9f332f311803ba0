// activa list: every activation in the list (activa/ops/all.h) with its kind,
// the options `activa eval` takes for it and their defaults, its formula and
// its derivative, all read from the op's spec.
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "activa/ops/all.h"
#include "cli/command.h"
#include "cli/op_options.h"

namespace activa::cli {
namespace {

std::string_view kind_text(Kind kind) {
  switch (kind) {
    case Kind::pointwise: return "pointwise";
    case Kind::weighted: return "pointwise, with a learnable weight per channel (dim 1)";
    case Kind::along_dim: return "along a dim: each slice maps to a slice";
  }
  return "";
}

template <class Op>
void describe(std::ostringstream& os) {
  constexpr std::string_view kIndent = "  ";
  constexpr std::string_view kOptionsIndent = "               ";  // under the options' text
  os << Op::info.name << " (activa::nn::" << Op::info.module << ", torch.nn." << Op::info.module << ")\n";
  os << kIndent << "kind:        " << kind_text(Op::info.kind) << '\n';
  os << kIndent << "formula:     " << Op::info.formula << '\n';
  os << kIndent << "derivative:  " << Op::info.derivative << '\n';
  const std::vector<OptionSpec> options = options_of<Op>();
  os << kIndent << "options:     ";
  if (options.empty()) os << "none\n";
  for (std::size_t i = 0; i < options.size(); ++i) {
    const OptionSpec& o = options[i];
    os << (i ? std::string(kIndent) + std::string(kOptionsIndent) : "") << o.flag << ' ' << o.value_name
       << "  " << o.doc << "; default " << o.default_text << '\n';
  }
}

}  // namespace

Command add_list(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "list", "List the activation functions: parameters with defaults, formula, derivative.");
  app->footer("Example:\n  activa list");
  return {app, [](std::span<const std::string> trailing) {
            reject_trailing("list", trailing);
            std::ostringstream os;
            bool first = true;
            AllOps::for_each([&]<class Op>() {
              os << (first ? "" : "\n");
              first = false;
              describe<Op>(os);
            });
            return std::move(os).str();
          }};
}

}  // namespace activa::cli
