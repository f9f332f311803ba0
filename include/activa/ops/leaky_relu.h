// LeakyReLU: ReLU with a fixed slope for negative inputs, torch.nn.LeakyReLU.
#pragma once

#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct LeakyRelu {
  struct Options {
    double negative_slope = 0.01;
    bool inplace = false;  // module and functional form only (HasInplaceOption)
  };
  static constexpr std::tuple params{
      Param<Options, double>{"negative_slope", &Options::negative_slope,
                             "slope for x <= 0 (fixed, not learned)"},
  };
  static constexpr double kKinks[] = {0.0};

  // Backward keeps the input, as PyTorch does. The slope is rounded to the
  // element type first and the product is one rounding, as in PyTorch, so
  // results match it bit for bit. leaky_relu'(0) = negative_slope; at NaN the
  // gradient is negative_slope * upstream (PyTorch tests x > 0).
  static constexpr OpInfo info{
      .name = "leaky_relu",
      .module = "LeakyReLU",
      .node = "LeakyReluBackward0",
      .inplace_node = "LeakyReluBackward1",
      .kind = Kind::pointwise,
      .saves = Saves::input,
      .formula = "leaky_relu(x) = x if x > 0, negative_slope * x if x <= 0",
      .derivative = "leaky_relu'(x) = 1 if x > 0, negative_slope if x <= 0",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = kKinks,
      .forward_ulp = {.float32 = 0.5, .float64 = 0.5},
      .backward_ulp = {.float32 = 0.5, .float64 = 0.5},
      .range = "(-inf, inf) (for negative_slope > 0)",
      .properties = {.monotonic = true, .smooth = false, .bounded = false, .zero_centred = false,
                     .negative_outputs = true, .saturation = Saturation::none},
      .en = {.advantages = {"No dead units: for x <= 0 the gradient is negative_slope, not 0.",
                            "The slope of the negative side is under control, and fixed."},
             .drawbacks = {"Can be a little less efficient than ReLU (a multiply for x <= 0).",
                           "negative_slope is one more hyperparameter to tune."},
             .recommended = "Hidden layers of deep networks that need negative activations."},
      .es = {.advantages = {"No produce neuronas muertas",
                            "Se tiene control de la pendiente para la parte negativa α, es fijo."},
             .drawbacks = {"Puede ser menos eficiente que ReLU.", "Se requiere ajustar el parámetro α."},
             .recommended = "Se recomienda en capas ocultas para redes profundas con activaciones "
                            "negativas."},
  };

  // The default argument is built from a template parameter, so only where it
  // is used: clang rejects `const Options& = {}` here (Options' member
  // initializers are needed inside this very class).
  template <class R, class O = Options>
  static R forward(const R& x, const O& o = O{}) {
    return x > R(0) ? x : R(o.negative_slope) * x;
  }
  template <class R, class O = Options>
  static R derivative(const R& x, const O& o = O{}) {
    return x > R(0) ? R(1) : R(o.negative_slope);
  }
};

}  // namespace ops

inline constexpr Functional<ops::LeakyRelu> leaky_relu{};
inline constexpr InPlace<ops::LeakyRelu> leaky_relu_{};
namespace nn {
using LeakyReLU = Activation<ops::LeakyRelu>;
}

}  // namespace activa
