// ReLU: the rectified linear unit, torch.nn.ReLU.
#pragma once

#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Relu {
  struct Options {
    bool inplace = false;  // module and functional form only (HasInplaceOption)
  };
  static constexpr std::tuple<> params{};
  static constexpr double kKinks[] = {0.0};

  // Backward keeps the output, as PyTorch does: y > 0 exactly where x > 0.
  // NaN: forward propagates it; backward passes the upstream gradient through
  // (PyTorch's threshold_backward tests y <= 0, false for NaN). relu'(0) = 0.
  // relu(-0) = -0, as PyTorch's clamp_min.
  static constexpr OpInfo info{
      .name = "relu",
      .module = "ReLU",
      .node = "ReluBackward0",
      .inplace_node = "ReluBackward0",
      .kind = Kind::pointwise,
      .saves = Saves::output,
      .formula = "relu(x) = x if x > 0, 0 if x <= 0",
      .derivative = "relu'(x) = 1 if x > 0, 0 if x <= 0",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = kKinks,
      .forward_ulp = {.float32 = 0, .float64 = 0},
      .backward_ulp = {.float32 = 0, .float64 = 0},
      .range = "[0, inf)",
      .properties = {.monotonic = true, .smooth = false, .bounded = false, .zero_centred = false,
                     .negative_outputs = false, .saturation = Saturation::negative},
      .en = {.advantages = {"Simple and cheap: a comparison per element, no exponential.",
                            "Prevents the vanishing gradient: relu'(x) = 1 for every x > 0, however deep "
                            "the network."},
             .drawbacks = {"No negative outputs.",
                           "Dead units: a neuron whose input stays <= 0 gets a zero gradient and stops "
                           "learning."},
             .recommended = "Hidden layers of deep networks: MLPs, convolutional networks, and "
                            "classification problems that need no negative activation."},
      .es = {.advantages = {"Simple y eficiente computacionalmente.",
                            "Previene el desvanecimiento del gradiente."},
             .drawbacks = {"No tiene salida negativas", "Puede producir neuronas muertas (cuando x ≤ 0)"},
             .recommended = "Se recomienda en capas ocultas para redes profundas: MLP, Redes "
                            "convolucionales y problemas de clasificación que no requieran la activación "
                            "negativa."},
  };

  // O = Options as a template parameter: clang rejects `const Options& = {}`
  // where Options has member initializers (see leaky_relu.h).
  template <class R, class O = Options>
  static R forward(const R& x, const O& = O{}) {
    return x < R(0) ? R(0) : x;  // NaN and -0 pass through
  }
  template <class R, class O = Options>
  static R derivative(const R& x, const O& = O{}) {
    return x <= R(0) ? R(0) : R(1);  // 1 at NaN: the upstream gradient passes
  }
};

}  // namespace ops

inline constexpr Functional<ops::Relu> relu{};
inline constexpr InPlace<ops::Relu> relu_{};
namespace nn {
using ReLU = Activation<ops::Relu>;
}

}  // namespace activa
