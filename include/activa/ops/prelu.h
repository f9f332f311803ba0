// PReLU: leaky ReLU whose negative slope is learned, torch.nn.PReLU.
#pragma once

#include <cstdint>
#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Prelu {
  struct Options {
    std::int64_t num_parameters = 1;  // 1, or the number of channels (dim 1 of the input)
    double init = 0.25;               // initial value of every slope
  };
  static constexpr std::tuple params{
      Param<Options, std::int64_t>{"num_parameters", &Options::num_parameters,
                                   "number of slopes: 1, or one per channel (dim 1)"},
      Param<Options, double>{"init", &Options::init, "initial value of the slopes",
                             /*in_repr=*/false},
  };
  static constexpr double kKinks[] = {0.0};

  // y = x if x > 0 else w[c] * x, with c the index along dim 1 (no channel dim
  // below 2-D: then w must hold one value). Backward keeps the input and the
  // weight, as PyTorch does: dx = dy if x > 0 else w * dy; dw[c] sums x * dy
  // over x <= 0 (accumulated in double). At NaN, dx = w * dy and dw is NaN.
  static constexpr OpInfo info{
      .name = "prelu",
      .module = "PReLU",
      .node = "PreluKernelBackward0",
      .inplace_node = "",
      .kind = Kind::weighted,
      .saves = Saves::input,
      .formula = "prelu(x) = x if x > 0, w * x if x <= 0 (w learned)",
      .derivative = "prelu'(x) = 1 if x > 0, w if x <= 0; d/dw = 0 if x > 0, x if x <= 0",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = kKinks,
      .forward_ulp = {.float32 = 0.5, .float64 = 0.5},
      .backward_ulp = {.float32 = 0.5, .float64 = 0.5},
      .range = "(-inf, inf) (for w > 0)",
      .properties = {.monotonic = true, .smooth = false, .bounded = false, .zero_centred = false,
                     .negative_outputs = true, .saturation = Saturation::none},
      .en = {.advantages = {"Like Leaky ReLU, but the model learns the slope (one, or one per channel).",
                            "Avoids dead units."},
             .drawbacks = {"More parameters to fit.", "Needs more data and more training time."},
             .recommended = "Deep networks that need finer control of the negative activation."},
      .es = {.advantages = {"Similar a Leaky ReLU, pero α se ajusta por el modelo.", "Evita neuronas muertas."},
             .drawbacks = {"Más parámetros que se deben de ajustar.",
                           "Requiere más datos y tiempo para el entrenamiento."},
             .recommended = "Se recomienda en redes profundas, cuando se requiere un control más fino de la "
                            "activación negativa."},
  };

  template <class R>
  static R forward(const R& x, const R& w) {
    return x > R(0) ? x : w * x;
  }
  template <class R>
  static R derivative(const R& x, const R& w) {
    return x > R(0) ? R(1) : w;
  }
  template <class R>
  static R weight_derivative(const R& x, const R&) {
    return x > R(0) ? R(0) : x;
  }
};

}  // namespace ops

inline constexpr Functional<ops::Prelu> prelu{};
namespace nn {
using PReLU = Activation<ops::Prelu>;
}

}  // namespace activa
