// Tanh: the hyperbolic tangent, torch.nn.Tanh.
#pragma once

#include <cmath>
#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Tanh {
  struct Options {};
  static constexpr std::tuple<> params{};

  // Backward keeps the input, not the output as PyTorch does: 1 - y^2 from a
  // rounded output cancels near |y| = 1 and is 0 once y rounds to ±1 (|x| > 9 in
  // float32); 4e / (1 + e)^2 with e = exp(-2|x|) keeps full relative accuracy.
  // PyTorch's formula from the output is derivative_from_output
  // (kernels::backward_from_output).
  static constexpr OpInfo info{
      .name = "tanh",
      .module = "Tanh",
      .node = "TanhBackward0",
      .inplace_node = "TanhBackward0",
      .kind = Kind::pointwise,
      .saves = Saves::input,
      .formula = "tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))",
      .derivative = "tanh'(x) = 1 - tanh(x)^2",
      .plot_lo = -4,
      .plot_hi = 4,
      .kinks = {},
      .forward_ulp = {.float32 = 1, .float64 = 4},
      .backward_ulp = {.float32 = 2, .float64 = 6},
      .range = "(-1, 1)",
      .properties = {.monotonic = true, .smooth = true, .bounded = true, .zero_centred = true,
                     .negative_outputs = true, .saturation = Saturation::both},
      .en = {.advantages = {"Zero-centred (odd, outputs in (-1, 1)), which can improve convergence.",
                            "Smooth, with a gradient four times sigmoid's at 0 (tanh'(0) = 1)."},
             .drawbacks = {"Vanishing gradient in the hidden layers of deep networks: tanh'(x) tends to 0 "
                           "as |x| grows.",
                           "Costly to compute: exponentials per element."},
             .recommended = "Hidden layers of shallow or recurrent networks; it can also serve binary "
                            "classification, its two signs being the two classes."},
      .es = {.advantages = {"Centrada en cero, lo que puede mejorar la convergencia de la red.",
                            "Suaviza el gradiente"},
             .drawbacks = {"Sufre de desvanecimiento del gradiente para redes profundas (el gradiente se "
                           "hace muy pequeño) en capas ocultas.",
                           "Cálculo computacional costoso."},
             .recommended = "Se puede usar para clasificación binaria"},
  };

  template <class R>
  static constexpr R forward(const R& x, const Options& = {}) {
    using std::tanh;
    return tanh(x);
  }
  template <class R>
  static constexpr R derivative(const R& x, const Options& = {}) {
    using std::cosh;
    R c = cosh(x);
    return R(1) / (c * c);
  }
  // The derivative from the output y = tanh(x), as PyTorch's tanh_backward
  // computes it (kernels::backward_from_output).
  template <class R>
  static R derivative_from_output(const R& y, const Options& = {}) {
    return R(1) - y * y;
  }
};

}  // namespace ops

inline constexpr Functional<ops::Tanh> tanh{};
inline constexpr InPlace<ops::Tanh> tanh_{};
namespace nn {
using Tanh = Activation<ops::Tanh>;
}

}  // namespace activa
