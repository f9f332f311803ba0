// The schema every activation fills in. An activation is one struct in
// include/activa/ops/<name>.h holding:
//   - `Options`: PyTorch's constructor arguments with PyTorch's defaults;
//   - `params`: a tuple of Param descriptors over Options (the reflection C++20
//     lacks), read by the CLI, module printing, docs and tests;
//   - `info`: a constexpr OpInfo record (names, kind, what backward keeps, text,
//     plot range, kinks, error budgets, range, properties, and the lecture's
//     advantages, drawbacks and recommended use in Spanish with activa's English);
//   - a reference forward and derivative templated on the number type, so the
//     same text runs in double and in MPFR for correctly rounded expectations.
// This header is free of Highway and of the tensor layer.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <span>
#include <string_view>
#include <tuple>
#include <type_traits>

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

// Shape of f over the reals (for a per-slice op, of one output as a function
// of its own input), as `activa info` and the docs state it.
enum class Saturation : std::uint8_t {
  none,      // f' stays away from 0 on both sides
  negative,  // f' -> 0 (or is 0) as x -> -inf only
  both,      // f' -> 0 as x -> -inf and as x -> +inf
};
struct Properties {
  bool monotonic = false;         // non-decreasing everywhere
  bool smooth = false;            // derivative continuous everywhere (no kinks)
  bool bounded = false;           // output bounded below and above
  bool zero_centred = false;      // odd, f(-x) = -f(x): zero mean output for symmetric input
  bool negative_outputs = false;  // some x gives f(x) < 0
  Saturation saturation = Saturation::none;
};

// A judgement of the activation in one language: the lecture's own words in
// Spanish ("Consideraciones"), activa's in English. Empty entries end a list.
struct Prose {
  std::array<std::string_view, 4> advantages;
  std::array<std::string_view, 4> drawbacks;
  std::string_view recommended;  // recommended use
};

struct OpInfo {
  std::string_view name;         // functional name: "leaky_relu"
  std::string_view module;       // nn module name: "LeakyReLU"
  std::string_view node;         // autograd node name: "LeakyReluBackward0"
  // The node of the in-place form (relu_, elu_) under autograd: PyTorch's,
  // "EluBackward1" where its in-place backward reads the output; empty for
  // ops without one (prelu, softmax).
  std::string_view inplace_node;
  Kind kind = Kind::pointwise;
  Saves saves = Saves::input;    // what backward keeps alive
  std::string_view formula;      // plain-text formula
  std::string_view derivative;   // plain-text derivative
  double plot_lo = -6, plot_hi = 6;
  std::span<const double> kinks;  // points where the derivative jumps
  ErrorBudget forward_ulp;
  ErrorBudget backward_ulp;      // against the exact derivative times the upstream gradient
  std::string_view range;        // the set of outputs: "(0, 1)"
  Properties properties;
  Prose en;                      // advantages, drawbacks, use: in English
  Prose es;                      // the same, quoted from the lecture (Spanish)
};

// An op whose derivative can also be computed from its output y = f(x), as
// PyTorch's autograd does for sigmoid and tanh (and for in-place elu): its
// spec has derivative_from_output(y, options), the same derivative as a
// function of y. kernels::backward_from_output runs it.
template <class Op>
concept DerivesFromOutput = requires(const typename Op::Options& o) {
  Op::template derivative_from_output<double>(0.0, o);
};

// An op whose Options have PyTorch's `inplace` flag (nn.ReLU(inplace=True),
// F.elu(x, inplace=True)): the module and the functional form then apply the
// op to their input in place (activa::relu_). Not a kernel option: kernels
// ignore it, and it is not among `params`.
template <class Op>
concept HasInplaceOption = requires(typename Op::Options o) {
  { o.inplace } -> std::same_as<bool&>;
};

// Describes one member of an op's Options: its PyTorch name and meaning.
template <class Options, class Member>
struct Param {
  std::string_view name;
  Member Options::*member;
  std::string_view doc;
  bool in_repr = true;  // shown in the module's repr, as PyTorch's extra_repr does
};

// Op's options with every double member rounded to T: the values a kernel of
// element type T computes with, as PyTorch converts scalars to the element
// type (leaky_relu's slope 0.01 is 0.01f in float32).
template <class Op, class T>
typename Op::Options options_as(typename Op::Options o) {
  std::apply(
      [&](const auto&... p) {
        (([&] {
           if constexpr (std::is_same_v<std::remove_cvref_t<decltype(o.*(p.member))>, double>) {
             o.*(p.member) = static_cast<double>(static_cast<T>(o.*(p.member)));
           }
         }()),
         ...);
      },
      Op::params);
  return o;
}

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
