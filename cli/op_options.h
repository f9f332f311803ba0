// The command-line options of each activation, derived from its spec with no
// code per op:
//   - pointwise and along-dim ops: one option per Param, named after it
//     (negative_slope -> --negative-slope), typed by the Param's member;
//   - weighted ops (prelu): the learnable weight itself, --weight W[,W...]; its
//     default is num_parameters copies of init, as the module starts with.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <CLI/CLI.hpp>

#include "activa/nn/activation.h"
#include "activa/ops/all.h"
#include "cli/values.h"

namespace activa::cli {

struct OptionSpec {
  std::string flag;          // "--negative-slope"
  std::string name;          // the parameter's name: "negative_slope"
  std::string value_name;    // placeholder in help: "NUM", "INT", "W[,W...]"
  std::string doc;           // what it means, from the Param descriptor
  std::string default_text;  // "0.01"
};

inline std::string flag_of(std::string_view param_name) {
  std::string flag = "--" + std::string(param_name);
  for (char& c : flag) c = c == '_' ? '-' : c;
  return flag;
}

// Calls f(param) for each Param descriptor of Op, in declaration order.
template <class Op, class F>
void for_each_param(F&& f) {
  std::apply([&](const auto&... p) { (f(p), ...); }, Op::params);
}

// ---- what the CLI knows about each Param member type ----
inline std::string_view value_name(std::type_identity<double>) { return "NUM"; }
inline std::string_view value_name(std::type_identity<std::int64_t>) { return "INT"; }
inline std::string_view value_name(std::type_identity<std::optional<std::int64_t>>) { return "INT"; }

inline void parse_into(std::string_view text, std::string_view what, double& out) {
  out = parse_number(text, what);
}
inline void parse_into(std::string_view text, std::string_view what, std::int64_t& out) {
  out = parse_integer(text, what);
}
inline void parse_into(std::string_view text, std::string_view what, std::optional<std::int64_t>& out) {
  out = parse_integer(text, what);
}

// An along-dim op's unset dim: PyTorch's legacy implicit choice, spelled out
// from nn::detail::implicit_softmax_dim.
inline std::string implicit_dim_text() {
  std::string s = "None: PyTorch's legacy implicit dim (";
  for (std::int64_t ndim = 1; ndim <= 4; ++ndim) {
    s += (ndim > 1 ? ", " : "") + std::to_string(nn::detail::implicit_softmax_dim(ndim)) + " for " +
         std::to_string(ndim) + (ndim == 1 ? "-D input" : "-D");
  }
  return s + ")";
}

template <class Op, class P>
OptionSpec option_of(const P& param) {
  using Member = std::remove_cvref_t<decltype(std::declval<typename Op::Options>().*(param.member))>;
  const Member value = typename Op::Options{}.*(param.member);
  std::string default_text = nn::detail::python_repr(value);
  if constexpr (Op::info.kind == Kind::along_dim && std::is_same_v<Member, std::optional<std::int64_t>>) {
    if (param.member == &Op::Options::dim && !value) default_text = implicit_dim_text();
  }
  return {flag_of(param.name), std::string(param.name), std::string(value_name(std::type_identity<Member>{})),
          std::string(param.doc), default_text};
}

template <class Op>
std::vector<OptionSpec> options_of() {
  std::vector<OptionSpec> out;
  if constexpr (Op::info.kind == Kind::weighted) {
    const typename Op::Options defaults{};
    std::string default_text;
    for (std::int64_t i = 0; i < defaults.num_parameters; ++i) {
      default_text += (i ? "," : "") + nn::detail::python_repr(defaults.init);
    }
    out.push_back({"--weight", "weight", "W[,W...]",
                   "the learnable weight: 1 value, or one per channel (dim 1 of the input)", default_text});
  } else {
    for_each_param<Op>([&](const auto& p) { out.push_back(option_of<Op>(p)); });
  }
  return out;
}

// Registers the options of every op in `group`, each flag once: its help
// lists what it means for each op that has it. specs_of.template
// operator()<Op>() gives an op's options; the text of a flag goes to
// texts[flag], its CLI11 option (to see whether it was given) to options[flag].
template <class SpecsOf>
void add_op_flags(CLI::App& app, const SpecsOf& specs_of, std::map<std::string, std::string>& texts,
                  std::map<std::string, CLI::Option*>& options, const std::string& group) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<OptionSpec, std::string>> docs;  // flag -> (spec, help text)
  AllOps::for_each([&]<class Op>() {
    for (const OptionSpec& o : specs_of.template operator()<Op>()) {
      auto [it, fresh] = docs.try_emplace(o.flag, o, "");
      if (fresh) order.push_back(o.flag);
      it->second.second += (fresh ? "" : "; ") + std::string(Op::info.name) + ": " + o.doc + " (default " +
                           o.default_text + ")";
    }
  });
  for (const std::string& flag : order) {
    const auto& [spec, help] = docs.at(flag);
    options[flag] = app.add_option(flag, texts[flag], help)->type_name(spec.value_name)->group(group);
  }
}

// "sigmoid, tanh, ..." in list order.
inline std::string function_names() {
  std::string s;
  AllOps::for_each([&]<class Op>() { s += (s.empty() ? "" : ", ") + std::string(Op::info.name); });
  return s;
}

}  // namespace activa::cli
