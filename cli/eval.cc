// activa eval FUNCTION [options] VALUES: runs one activation forward through
// the tensor API on VALUES, backward with --grad-output (default ones), and
// prints the output, the gradient w.r.t. the input and, for a weighted op, the
// gradient w.r.t. its weight: as tensors (PyTorch's print, no autograd
// suffixes) or, with --json, as one JSON object.
//
// VALUES are taken from the subcommand's extras, in order, so that negative
// numbers ("-5", "-inf", "-.5") are values rather than unknown options; "--"
// is accepted (not required) before them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "activa/error.h"
#include "activa/functional.h"
#include "activa/nn/activation.h"
#include "activa/ops/all.h"
#include "activa/tensor.h"
#include "cli/command.h"
#include "cli/op_options.h"
#include "cli/suggest.h"
#include "cli/values.h"

namespace activa::cli {
namespace {

// The command line of one `eval`, as CLI11 fills it.
struct EvalArgs {
  std::string function;
  std::map<std::string, std::string> option_text;    // an op option's flag -> its text
  std::map<std::string, CLI::Option*> op_options;    // every op option, to see which were given
  std::string dtype = "float32";
  std::string grad_output;
  CLI::Option* grad_output_option = nullptr;
  bool json = false;
};

// Everything one evaluation prints.
struct Evaluation {
  std::string function;
  DType dtype = DType::float32;
  Shape shape;
  std::vector<std::pair<std::string, std::string>> params;  // name -> JSON value
  Tensor output, grad_input;
  Tensor grad_weight;  // weighted ops only
};

std::string in_quotes(std::string_view text) {
  std::string s(1, '\'');
  s.append(text);
  s += '\'';
  return s;
}

// ---- JSON text ----
// Round-trip digits for the element type: 9 significant for float32, 17 for
// float64; non-finite values as the strings "nan", "inf", "-inf".
std::string json_number(double v, DType dtype) {
  if (std::isnan(v)) return "\"nan\"";
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.*g", dtype == DType::float32 ? 9 : 17, v);
  return buf;
}

void append_array(std::string& out, const std::vector<double>& v, std::span<const std::int64_t> shape,
                  DType dtype, std::size_t& next) {
  if (shape.empty()) {
    out += json_number(v[next++], dtype);
    return;
  }
  out += '[';
  for (std::int64_t i = 0; i < shape[0]; ++i) {
    out += i ? ", " : "";
    append_array(out, v, shape.subspan(1), dtype, next);
  }
  out += ']';
}

// The tensor's values as JSON arrays nested as its shape.
std::string json_array(const Tensor& t) {
  std::string out;
  std::size_t next = 0;
  append_array(out, t.to_vector(), t.shape(), t.dtype(), next);
  return out;
}

// A parameter's value: shortest round-trip digits for doubles (they are given as doubles).
std::string json_value(double v) {
  return std::isfinite(v) ? nn::detail::python_repr(v) : json_number(v, DType::float64);
}
[[maybe_unused]] std::string json_value(std::int64_t v) { return std::to_string(v); }
std::string json_value(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "null"; }

std::string to_json(const Evaluation& ev) {
  using nlohmann::json;
  std::string shape = "[";
  for (std::size_t i = 0; i < ev.shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(ev.shape[i]);
  std::string params = "{";
  for (std::size_t i = 0; i < ev.params.size(); ++i) {
    params += (i ? ", " : "") + json(ev.params[i].first).dump() + ": " + ev.params[i].second;
  }
  std::string s = "{\n";
  s += "  \"function\": " + json(ev.function).dump() + ",\n";
  s += "  \"dtype\": " + json(std::string(dtype_name(ev.dtype))).dump() + ",\n";
  s += "  \"shape\": " + shape + "],\n";
  s += "  \"params\": " + params + "},\n";
  s += "  \"output\": " + json_array(ev.output) + ",\n";
  s += "  \"grad_input\": " + json_array(ev.grad_input);
  if (ev.grad_weight.defined()) s += ",\n  \"grad_weight\": " + json_array(ev.grad_weight);
  return s + "\n}\n";
}

std::string to_text(const Evaluation& ev) {
  std::ostringstream os;
  os << ev.output << '\n' << ev.grad_input << '\n';
  if (ev.grad_weight.defined()) os << ev.grad_weight << '\n';
  return std::move(os).str();
}

// ---- evaluation ----
DType parse_dtype(std::string_view text) {
  for (DType d : {DType::float32, DType::float64}) {
    if (text == dtype_name(d)) return d;
  }
  throw Error("eval: unknown dtype " + in_quotes(text) + " (expected float32 or float64)");
}

bool given(const EvalArgs& args, const std::string& flag) { return args.op_options.at(flag)->count() > 0; }

// Options of other ops are registered too (one eval subcommand serves all);
// giving one that this op lacks is an error.
template <class Op>
void reject_foreign_options(const EvalArgs& args) {
  const std::vector<OptionSpec> accepted = options_of<Op>();
  std::string accepted_flags;
  for (const OptionSpec& o : accepted) accepted_flags += (accepted_flags.empty() ? "" : ", ") + o.flag;
  for (const auto& [flag, option] : args.op_options) {
    if (option->count() == 0) continue;
    bool ok = false;
    for (const OptionSpec& o : accepted) ok = ok || o.flag == flag;
    if (!ok) {
      throw Error("eval: " + std::string(Op::info.name) + " takes no parameter " + flag +
                  (accepted.empty() ? "" : " (its parameters: " + accepted_flags + ")"));
    }
  }
}

// Runs f(); a library error gets the op's name in front unless it has it.
template <class F>
auto in_op(std::string_view op, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.starts_with(std::string(op) + ":")) throw;
    throw Error(std::string(op) + ": " + message);
  }
}

Tensor grad_output_for(const EvalArgs& args, const Tensor& y, Sources& sources) {
  if (args.grad_output_option->count() == 0) return ones(y.shape(), {.dtype = y.dtype()});
  const Values g = read_values(std::span(&args.grad_output, 1), "--grad-output", sources);
  if (g.shape != y.shape()) {
    throw Error("eval: --grad-output has shape " + shape_string(g.shape) + " but the output has shape " +
                shape_string(y.shape()));
  }
  return from_values(g.data, g.shape, {.dtype = y.dtype()});
}

template <class Op>
Evaluation evaluate(const EvalArgs& args, const Values& values, DType dtype, Sources& sources) {
  Evaluation ev;
  ev.function = Op::info.name;
  ev.dtype = dtype;
  ev.shape = values.shape;
  const Tensor x = from_values(values.data, values.shape, {.dtype = dtype, .requires_grad = true});
  Tensor y, weight;
  if constexpr (Op::info.kind == Kind::weighted) {
    std::vector<double> w;
    if (given(args, "--weight")) {
      const Values parsed = read_values(std::span(&args.option_text.at("--weight"), 1), "--weight", sources);
      if (parsed.shape.size() != 1) throw Error("eval: --weight must be a flat list of numbers");
      w = parsed.data;
    } else {
      const typename Op::Options defaults{};
      w.assign(static_cast<std::size_t>(defaults.num_parameters), defaults.init);
    }
    weight = from_values(w, {static_cast<std::int64_t>(w.size())}, {.dtype = dtype, .requires_grad = true});
    y = in_op(Op::info.name, [&] { return Functional<Op>{}(x, weight); });
    std::string given_weight = "[";
    for (std::size_t i = 0; i < w.size(); ++i) given_weight += (i ? ", " : "") + json_value(w[i]);
    ev.params.emplace_back("weight", given_weight + "]");
  } else {
    typename Op::Options options{};
    for_each_param<Op>([&](const auto& p) {
      const std::string flag = flag_of(p.name);
      if (given(args, flag)) parse_into(args.option_text.at(flag), flag, options.*(p.member));
    });
    if constexpr (Op::info.kind == Kind::along_dim) {
      // The dim used: the given one, else PyTorch's implicit choice, as nn::Softmax makes it.
      if (!options.dim) options.dim = nn::detail::implicit_softmax_dim(x.dim());
      y = in_op(Op::info.name, [&] { return Functional<Op>{}(x, *options.dim); });
    } else {
      y = in_op(Op::info.name, [&] { return Functional<Op>{}(x, options); });
    }
    for_each_param<Op>([&](const auto& p) { ev.params.emplace_back(p.name, json_value(options.*(p.member))); });
  }
  const Tensor g = grad_output_for(args, y, sources);
  in_op(Op::info.name, [&] { y.backward(g); });
  ev.output = y.detach();
  ev.grad_input = x.grad().defined() ? x.grad() : zeros(x.shape(), {.dtype = dtype});
  if (weight.defined()) {
    ev.grad_weight = weight.grad().defined() ? weight.grad() : zeros(weight.shape(), {.dtype = dtype});
  }
  return ev;
}

std::string run(const EvalArgs& args, const std::vector<std::string>& extras) {
  std::optional<Evaluation> ev;
  const bool known = AllOps::visit(args.function, [&]<class Op>() {
    reject_foreign_options<Op>(args);
    const DType dtype = parse_dtype(args.dtype);
    Sources sources(std::cin);
    const Values values = read_values(extras, "VALUES", sources);
    ev = evaluate<Op>(args, values, dtype, sources);
  });
  if (!known) {
    throw unknown_function("eval", args.function);
  }
  return args.json ? to_json(*ev) : to_text(*ev);
}

// Registers every op's options once; an option shared by several ops lists each.
void add_op_options(CLI::App& app, EvalArgs& args) {
  add_op_flags(app, []<class Op>() { return options_of<Op>(); }, args.option_text, args.op_options, "Parameters");
}

// The usage line names VALUES, which CLI11 sees as extras.
class EvalFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = CLI::Formatter::make_usage(app, std::move(name));
    const std::size_t end = usage.find_last_not_of('\n') + 1;
    return usage.insert(end, " VALUES...");
  }
};

}  // namespace

Command add_eval(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand("eval", "Evaluate an activation and its gradient on VALUES.");
  app->formatter(std::make_shared<EvalFormatter>());
  app->allow_extras();
  auto args = std::make_shared<EvalArgs>();
  app->add_option("FUNCTION", args->function, "the activation: " + function_names())
      ->required()
      ->type_name("NAME");
  add_op_options(*app, *args);
  app->add_option("--dtype", args->dtype, "element type: float32 or float64 (default float32)")
      ->type_name("TYPE");
  args->grad_output_option =
      app->add_option("--grad-output", args->grad_output,
                      "upstream gradient G, shaped as the output: 1,0.5,2 or a JSON array or @FILE or - "
                      "(default: ones)")
          ->type_name("G");
  app->add_flag("--json", args->json,
                "print one JSON object: function, dtype, shape, params, output, grad_input (grad_weight)");
  app->footer(
      "FUNCTION is one of: " + function_names() + ".\n"
      "VALUES: numbers (-5 0 5), or one nested JSON array ('[[2.0,1.0,4],[5.0,3.0,5.0]]'), or\n"
      "@FILE holding such an array (or numbers separated by whitespace), or - for standard\n"
      "input. nan, inf, -inf are accepted (in JSON as strings). The shape comes from the\n"
      "nesting; plain numbers make a 1-D tensor. Prints the output, the gradient w.r.t. the\n"
      "input after backward(G) and, for prelu, the gradient w.r.t. its weight.\n"
      "\n"
      "Examples:\n"
      "  activa eval sigmoid -5 0 5\n"
      "  activa eval leaky_relu --negative-slope 0.3 -5 0 5\n"
      "  activa eval softmax --dim 1 '[[2.0,1.0,4],[5.0,3.0,5.0]]'\n"
      "  activa eval prelu --weight 0.1,0.2 --json '[[-1,2],[3,-4]]'\n"
      "  echo '1 2 3' | activa eval tanh --dtype float64 -");
  return {app, [app, args](std::span<const std::string> trailing) {
            // A "--" given before FUNCTION stays among the extras, as CLI11 keeps it.
            std::vector<std::string> extras = app->remaining(false);
            if (const auto mark = std::find(extras.begin(), extras.end(), "--"); mark != extras.end()) {
              extras.erase(mark);
            }
            for (const std::string& e : extras) {
              if (e.size() > 1 && e.starts_with('-') && !is_number(e)) {
                throw Error("eval: unknown option " + in_quotes(e));
              }
            }
            extras.insert(extras.end(), trailing.begin(), trailing.end());  // values, whatever they look like
            return run(*args, extras);
          }};
}

}  // namespace activa::cli
