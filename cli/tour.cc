// activa tour: the lecture "Funciones de activación" (Redes Neuronales, Sabino
// Miranda, UACM) as a walk-through, in its order. For each activation: formula
// and derivative (from the spec), the lecture's example as C++ (the module,
// options and input the lecture uses), its output computed now, and the
// gradient at the example's points:
//   - pointwise and weighted ops: y.sum().backward(), so x.grad() = f'(x)
//     (and, for a weighted op, weight.grad() sums df/dw);
//   - along-dim ops (softmax): y.sum() is constant (each slice sums to 1) and
//     its gradient 0, so the upstream gradient is one-hot at index 0 of each
//     slice: x.grad() is the gradient of y[.., 0, ..], y_0 * (delta_0j - y_j).
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "activa/error.h"
#include "activa/nn/activation.h"
#include "activa/ops/all.h"
#include "activa/tensor.h"
#include "cli/command.h"
#include "cli/op_options.h"
#include "cli/plot.h"

namespace activa::cli {
namespace {

// One of the lecture's examples: its data, nothing derivable from the spec.
struct LectureExample {
  std::string_view function;
  std::string_view variable;                                // the lecture's variable name
  std::vector<std::pair<std::string_view, double>> options;  // as the lecture passes them
  std::vector<double> input;
  Shape shape;
};

const std::vector<LectureExample>& lecture_examples() {
  static const std::vector<LectureExample> kExamples = {
      {"sigmoid", "sigmoide", {}, {-5.0, 0, 5.0}, {3}},
      {"tanh", "tanh", {}, {-5.0, 0, 5.0}, {3}},
      {"relu", "relu", {}, {-5.0, 0, 5.0}, {3}},
      {"leaky_relu", "laekyrelu", {{"negative_slope", 0.3}}, {-5.0, 0, 5.0}, {3}},
      {"elu", "elu", {{"alpha", 1}}, {-5.0, 0, 5.0}, {3}},
      {"prelu", "prelu", {}, {-5.0, 0, 5.0}, {3}},  // nn.PReLU(): init 0.25 by default
      {"softmax", "softmax", {{"dim", 1}}, {2.0, 1.0, 4, 5.0, 3.0, 5.0}, {2, 3}},
  };
  return kExamples;
}

void assign(double v, double& member) { member = v; }
void assign(double v, std::int64_t& member) { member = static_cast<std::int64_t>(v); }
void assign(double v, std::optional<std::int64_t>& member) { member = static_cast<std::int64_t>(v); }

std::string cpp_literal(double v) { return nn::detail::python_repr(v); }
std::string cpp_literal(std::int64_t v) { return std::to_string(v); }
std::string cpp_literal(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "std::nullopt"; }

// A nested initializer list for activa::tensor: {{2.0, 1.0, 4.0}, {5.0, 3.0, 5.0}}.
std::string cpp_tensor_literal(const std::vector<double>& v, std::span<const std::int64_t> shape,
                               std::size_t& next) {
  if (shape.empty()) return cpp_literal(v[next++]);
  std::string s = "{";
  for (std::int64_t i = 0; i < shape[0]; ++i) s += (i ? ", " : "") + cpp_tensor_literal(v, shape.subspan(1), next);
  return s + "}";
}
std::string cpp_tensor_literal(const std::vector<double>& v, const Shape& shape) {
  std::size_t next = 0;
  return cpp_tensor_literal(v, shape, next);
}

// The module's Options from the lecture's (name, value) pairs, and their C++
// designated-initializer text ("{.negative_slope = 0.3}", empty if none).
template <class Op>
std::pair<typename Op::Options, std::string> options_of_example(const LectureExample& e) {
  typename Op::Options options{};
  std::string text;
  for (const auto& [name, value] : e.options) {
    bool found = false;
    for_each_param<Op>([&](const auto& p) {
      if (p.name != name) return;
      found = true;
      assign(value, options.*(p.member));
      text += (text.empty() ? "{." : ", .") + std::string(name) + " = " + cpp_literal(options.*(p.member));
    });
    if (!found) throw Error("tour: " + std::string(Op::info.name) + " has no parameter " + std::string(name));
  }
  return {options, text.empty() ? "" : text + "}"};
}

// 1 at index 0 along `dim`, 0 elsewhere.
Tensor one_hot_first(const Shape& shape, std::int64_t dim) {
  std::int64_t inner = 1;
  for (std::size_t i = static_cast<std::size_t>(dim) + 1; i < shape.size(); ++i) inner *= shape[i];
  const std::int64_t size = shape[static_cast<std::size_t>(dim)];
  Tensor g = zeros(shape);
  std::span<float> data = g.data<float>();
  for (std::int64_t i = 0; i < g.numel(); ++i) data[static_cast<std::size_t>(i)] = (i / inner) % size == 0;
  return g;
}

template <class Op>
void walk(const LectureExample& e, int number, std::ostringstream& os) {
  constexpr std::string_view kCode = "    ";
  const auto [options, options_text] = options_of_example<Op>(e);
  const std::string var(e.variable);
  const nn::Activation<Op> m(options);
  const Tensor x = from_values(e.input, e.shape, {.requires_grad = true});
  const Tensor y = m(x);

  os << number << ". " << Op::info.name << ": activa::nn::" << Op::info.module << " (torch.nn."
     << Op::info.module << ")\n";
  os << "   formula:     " << Op::info.formula << '\n';
  os << "   derivative:  " << Op::info.derivative << "\n\n";
  os << kCode << "activa::nn::" << Op::info.module << ' ' << var
     << (options_text.empty() ? "" : "(" + options_text + ")") << ";\n";
  os << kCode << "auto x = activa::tensor(" << cpp_tensor_literal(e.input, e.shape)
     << ", {.requires_grad = true});\n";
  os << kCode << "auto y = " << var << "(x);\n";
  os << kCode << "std::cout << y << '\\n';\n";
  os << y << "\n\n";

  if constexpr (Op::info.kind == Kind::along_dim) {
    const std::int64_t dim = activa::detail::wrap_dim(
        options.dim ? *options.dim : nn::detail::implicit_softmax_dim(x.dim()), x.dim());
    const Tensor g = one_hot_first(x.shape(), dim);
    y.backward(g);
    os << kCode << "auto g = activa::tensor(" << cpp_tensor_literal(g.to_vector(), g.shape())
       << ");  // one-hot: index 0 along dim " << dim << "\n";
    os << kCode << "y.backward(g);  // x.grad() = gradient of y at index 0 of each slice "
          "(y.sum() is constant: its gradient is 0)\n";
  } else {
    y.sum().backward();
    os << kCode << "y.sum().backward();  // x.grad() = " << Op::info.name << "'(x)"
       << (Op::info.kind == Kind::weighted ? "; weight().grad() = sum of d/dw" : "") << '\n';
  }
  os << kCode << "std::cout << x.grad() << '\\n';\n";
  os << x.grad() << '\n';
  if constexpr (Op::info.kind == Kind::weighted) {
    os << kCode << "std::cout << " << var << ".weight().grad() << '\\n';\n";
    os << m.weight().grad() << '\n';
  }
}

// The function of each example with the example's options (those that shape
// its curve: an along-dim op's dim does not), for its figure.
std::vector<Curve> lecture_curves() {
  std::vector<Curve> curves;
  for (const LectureExample& e : lecture_examples()) {
    Curve& c = curves.emplace_back(Curve{std::string(e.function), {}});
    AllOps::visit(e.function, [&]<class Op>() {
      if constexpr (Op::info.kind != Kind::along_dim) {
        for (const auto& [name, value] : e.options) c.params.emplace_back(name, value);
      }
    });
  }
  return curves;
}

std::string tour() {
  std::ostringstream os;
  os << "The activation functions of the lecture \"Funciones de activación\" (Redes Neuronales,\n"
        "Sabino Miranda, UACM), in its order: formula, derivative, the lecture's example in C++\n"
        "with its output computed now, and the gradient at the example's points.\n";
  int number = 0;
  for (const LectureExample& e : lecture_examples()) {
    os << '\n';
    const bool known = AllOps::visit(e.function, [&]<class Op>() { walk<Op>(e, ++number, os); });
    if (!known) throw Error("tour: the lecture's " + std::string(e.function) + " is not in the op list");
  }
  return std::move(os).str();
}

}  // namespace

Command add_tour(CLI::App& parent) {
  CLI::App* app = parent.add_subcommand(
      "tour", "Walk through the lecture's activations: formula, derivative, example, output, gradient.");
  auto plots = std::make_shared<std::string>();
  app->add_option("--plots", *plots, "also write the lecture's figure of each function, DIR/<function>.png")
      ->type_name("DIR");
  app->footer("Examples:\n  activa tour | less\n  activa tour --plots figures/");
  return {app, [plots](std::span<const std::string> trailing) {
            reject_trailing("tour", trailing);
            return tour() + (plots->empty() ? "" : "\n" + write_figures(*plots, lecture_curves()));
          }};
}

}  // namespace activa::cli
