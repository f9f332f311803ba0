// The schema every activation fills in. An activation is one struct in
// include/activa/ops/<name>.h holding:
//   - `Options`: PyTorch's constructor arguments with PyTorch's defaults;
//   - `params`: a tuple of Param descriptors over Options (the reflection C++20
//     lacks), read by the CLI, module printing, docs and tests;
//   - `info`: a constexpr OpInfo record (names, kind, what backward keeps, text,
//     plot range, kinks, error budgets);
//   - a reference forward and derivative templated on the number type, so the
//     same text runs in double and in MPFR for correctly rounded expectations.
// This header is free of Highway and of the tensor layer.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>

namespace activa {

class Tensor;

// How an activation maps its input to its output.
enum class Kind : std::uint8_t {
  pointwise,  // y[i] = f(x[i]; options)
  weighted,   // y[i] = f(x[i]; w[channel(i)]) with a learnable weight, channel = dim 1
  along_dim,  // each slice along `dim` maps to a slice (softmax)
};

// What backward reads besides the upstream gradient.
enum class Saves : std::uint8_t { input, output };

// Largest error allowed, in units in the last place of the result, against a
// correctly rounded reference. Tests read these; they are contracts.
struct ErrorBudget {
  double float32 = 1;
  double float64 = 1;
};

struct OpInfo {
  std::string_view name;         // functional name: "leaky_relu"
  std::string_view module;       // nn module name: "LeakyReLU"
  std::string_view node;         // autograd node name: "LeakyReluBackward0"
  Kind kind = Kind::pointwise;
  Saves saves = Saves::input;    // what backward keeps alive
  std::string_view formula;      // plain-text formula
  std::string_view derivative;   // plain-text derivative
  double plot_lo = -6, plot_hi = 6;
  std::span<const double> kinks;  // points where the derivative jumps
  ErrorBudget forward_ulp;
  ErrorBudget backward_ulp;      // against the exact derivative times the upstream gradient
};

// Describes one member of an op's Options: its PyTorch name and meaning.
template <class Options, class Member>
struct Param {
  std::string_view name;
  Member Options::*member;
  std::string_view doc;
  bool in_repr = true;  // shown in the module's repr, as PyTorch's extra_repr does
};

// The functional form of an activation, e.g. `activa::sigmoid(x)`. Declared with
// each op's spec; defined in activa/functional.h.
template <class Op>
struct Functional {
  Tensor operator()(const Tensor& x, const typename Op::Options& options = {}) const
    requires(Op::info.kind == Kind::pointwise);
  Tensor operator()(const Tensor& x, const Tensor& weight) const
    requires(Op::info.kind == Kind::weighted);
  Tensor operator()(const Tensor& x, std::int64_t dim) const
    requires(Op::info.kind == Kind::along_dim);
};

// The in-place functional form (`activa::relu_(x)`), as PyTorch has it for
// pointwise activations. Defined in activa/functional.h.
template <class Op>
struct InPlace {
  Tensor& operator()(Tensor& x, const typename Op::Options& options = {}) const
    requires(Op::info.kind == Kind::pointwise);
};

namespace nn {
// The module of an activation (`nn::Sigmoid`, `nn::PReLU`); defined in activa/nn/activation.h.
template <class Op>
class Activation;
}  // namespace nn

}  // namespace activa
