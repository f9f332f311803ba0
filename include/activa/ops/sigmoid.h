// Sigmoid: the logistic function, torch.nn.Sigmoid.
#pragma once

#include <cmath>
#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Sigmoid {
  struct Options {};
  static constexpr std::tuple<> params{};

  // Backward keeps the input, not the output as PyTorch does: sigmoid'(x) from a
  // rounded output y as y(1 - y) is 0 once y rounds to 1 (x > 16.6 in float32),
  // while the true derivative exp(-|x|) / (1 + exp(-|x|))^2 is a normal float
  // up to x = 87. Accuracy needs the input. PyTorch's formula from the output is
  // derivative_from_output (kernels::backward_from_output).
  static constexpr OpInfo info{
      .name = "sigmoid",
      .module = "Sigmoid",
      .node = "SigmoidBackward0",
      .inplace_node = "SigmoidBackward0",
      .kind = Kind::pointwise,
      .saves = Saves::input,
      .formula = "sigmoid(x) = 1 / (1 + exp(-x))",
      .derivative = "sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x))",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = {},
      .forward_ulp = {.float32 = 1, .float64 = 3},
      .backward_ulp = {.float32 = 2, .float64 = 6},
      .range = "(0, 1)",
      .properties = {.monotonic = true, .smooth = true, .bounded = true, .zero_centred = false,
                     .negative_outputs = false, .saturation = Saturation::both},
      .en = {.advantages = {"Its output, in (0, 1), reads as a probability: the natural output of a binary "
                            "classifier."},
             .drawbacks = {"Vanishing gradient in the hidden layers of deep networks: sigmoid'(x) <= 0.25 "
                           "and tends to 0 as |x| grows, so gradients shrink layer after layer.",
                           "Not zero-centred (every output is positive), which can slow training down.",
                           "Costly to compute: an exponential per element."},
             .recommended = "The output layer of a binary classifier (with binary cross-entropy)."},
      .es = {.advantages = {"Útil en clasificación binaria ya que produce una salida entre 0 y 1, "
                            "interpretada como probabilidad."},
             .drawbacks = {"Sufre de desvanecimiento del gradiente para redes profundas (el gradiente se "
                           "hace muy pequeño) en capas ocultas.",
                           "No está centrada en cero, lo que puede hacer que el entrenamiento sea más lento.",
                           "Cálculo computacional costoso."},
             .recommended = "Se recomienda en capa de salida para clasificación binaria."},
  };

  template <class R>
  static constexpr R forward(const R& x, const Options& = {}) {
    using std::exp;
    return R(1) / (R(1) + exp(-x));
  }
  template <class R>
  static constexpr R derivative(const R& x, const Options& = {}) {
    return forward(x) * forward(R(0) - x);  // = s(1 - s) without cancellation
  }
  // The derivative from the output y = sigmoid(x), as PyTorch's
  // sigmoid_backward computes it (kernels::backward_from_output).
  template <class R>
  static R derivative_from_output(const R& y, const Options& = {}) {
    return y * (R(1) - y);
  }
};

}  // namespace ops

inline constexpr Functional<ops::Sigmoid> sigmoid{};
inline constexpr InPlace<ops::Sigmoid> sigmoid_{};
namespace nn {
using Sigmoid = Activation<ops::Sigmoid>;
}

}  // namespace activa
