// ELU: the exponential linear unit, torch.nn.ELU.
#pragma once

#include <cmath>
#include <string_view>
#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Elu {
  struct Options {
    double alpha = 1.0;
    bool inplace = false;  // module and functional form only (HasInplaceOption)
  };
  static constexpr std::tuple params{
      Param<Options, double>{"alpha", &Options::alpha, "value approached as x -> -inf"},
  };
  static constexpr double kKinks[] = {0.0};

  // Backward keeps the input, as PyTorch does. The negative side is
  // alpha * expm1(x), not alpha * (exp(x) - 1), which loses all relative accuracy
  // for tiny negative x. elu'(0) = alpha (PyTorch tests x <= 0); at NaN the
  // gradient is the upstream gradient.
  static constexpr OpInfo info{
      .name = "elu",
      .module = "ELU",
      .node = "EluBackward0",
      .inplace_node = "EluBackward1",
      .kind = Kind::pointwise,
      .saves = Saves::input,
      .formula = "elu(x) = x if x > 0, alpha * (exp(x) - 1) if x <= 0",
      .derivative = "elu'(x) = 1 if x > 0, alpha * exp(x) if x <= 0",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = kKinks,
      .forward_ulp = {.float32 = 1, .float64 = 3},
      .backward_ulp = {.float32 = 2, .float64 = 4},
      .range = "(-alpha, inf)",
      .properties = {.monotonic = true, .smooth = false, .bounded = false, .zero_centred = false,
                     .negative_outputs = true, .saturation = Saturation::negative},
      .en = {.advantages = {"Learns better with negative values: outputs down to -alpha pull the mean "
                            "activation towards 0.",
                            "Smooth negative side, saturating gently to -alpha (derivative continuous at 0 "
                            "when alpha = 1)."},
             .drawbacks = {"Costlier to compute: an exponential for x <= 0.", "Sensitive to alpha."},
             .recommended = "Deep networks that need a smooth negative activation."},
      .es = {.advantages = {"Mejora el aprendizaje con valores negativos.", "Suaviza la activación negativa."},
             .drawbacks = {"Cálculo más costoso.", "Sensibilidad al parámetro α."},
             .recommended = "Se recomienda en redes profundas, cuando se necesita una activación negativa "
                            "suavizada."},
  };

  // The default argument is built from a template parameter, so only where it
  // is used: clang rejects `const Options& = {}` here (Options' member
  // initializers are needed inside this very class).
  template <class R, class O = Options>
  static constexpr R forward(const R& x, const O& o = O{}) {
    using std::expm1;
    return x > R(0) ? x : R(o.alpha) * expm1(x);
  }
  template <class R, class O = Options>
  static R derivative(const R& x, const O& o = O{}) {
    using std::exp;
    return x <= R(0) ? R(o.alpha) * exp(x) : R(1);  // 1 at NaN, as PyTorch tests x <= 0
  }
  // The derivative from the output y = elu(x), as PyTorch's elu_backward with
  // is_result computes it (kernels::backward_from_output): alpha * exp(x) =
  // y + alpha where y <= 0. Only for alpha >= 0, where y <= 0 exactly when
  // x <= 0; PyTorch refuses a negative alpha there too (from_output_error).
  template <class R, class O = Options>
  static R derivative_from_output(const R& y, const O& o = O{}) {
    return y <= R(0) ? y + R(o.alpha) : R(1);
  }
  template <class O = Options>
  static std::string_view from_output_error(const O& o) {
    return o.alpha < 0 ? "elu backward from the output needs alpha >= 0 (with a negative alpha the output "
                         "does not tell the two sides apart); call backward with the input instead"
                       : "";
  }
};

}  // namespace ops

inline constexpr Functional<ops::Elu> elu{};
inline constexpr InPlace<ops::Elu> elu_{};
namespace nn {
using ELU = Activation<ops::Elu>;
}

}  // namespace activa
