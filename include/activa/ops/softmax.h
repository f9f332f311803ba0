// Softmax along one dimension, torch.nn.Softmax.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <tuple>

#include "activa/spec.h"

namespace activa {
namespace ops {

struct Softmax {
  struct Options {
    // nullopt: PyTorch's legacy implicit choice, dim 0 for 0-, 1- and 3-D inputs, else 1.
    std::optional<std::int64_t> dim;
  };
  static constexpr std::tuple params{
      Param<Options, std::optional<std::int64_t>>{"dim", &Options::dim,
                                                  "dimension whose slices sum to 1"},
  };

  // y = exp(x - max) / sum(exp(x - max)) per slice: stable at any magnitude.
  // A slice holding NaN, or +inf (inf - inf), or only -inf gives NaN, as in
  // PyTorch. Backward keeps the output, as PyTorch does:
  // dx = y * (dy - sum(dy * y)). Sums run in double in a fixed order (the
  // forward ones compensated, so long rows stay within budget); float32
  // finds a long row's max and sum in one pass (online rescaling). The
  // backward budget holds where dy - sum(dy * y) does not cancel; where it
  // does, the error is y times that of the dot product, ~2^-53 * sum|dy * y|
  // (float rows longer than 32, whose outputs run in float lanes from the
  // dot product as a pair of floats, add up to 2^-46 * y * |sum(dy * y)|).
  static constexpr OpInfo info{
      .name = "softmax",
      .module = "Softmax",
      .node = "SoftmaxBackward0",
      .inplace_node = "",
      .kind = Kind::along_dim,
      .saves = Saves::output,
      .formula = "softmax(x)_i = exp(x_i) / sum_j exp(x_j)",
      .derivative = "d softmax_i / d x_j = softmax_i * (delta_ij - softmax_j)",
      .plot_lo = -6,
      .plot_hi = 6,
      .kinks = {},
      .forward_ulp = {.float32 = 1, .float64 = 4},
      .backward_ulp = {.float32 = 2, .float64 = 8},
      .range = "(0, 1), each slice summing to 1",
      .properties = {.monotonic = true, .smooth = true, .bounded = true, .zero_centred = false,
                     .negative_outputs = false, .saturation = Saturation::both},
      .en = {.advantages = {"Turns scores into probabilities that sum to 1, one per class.",
                            "Smooth; with the cross-entropy loss the gradient is simply y - target."},
             .drawbacks = {"Couples every output of a slice: not a per-neuron activation for hidden layers.",
                           "Saturates: a wide gap between scores drives every gradient towards 0.",
                           "An exponential per element and a sum per slice."},
             .recommended = "The last layer of a multi-class classifier."},
      // The lecture's slides on softmax give its use and what it computes; no drawbacks.
      .es = {.advantages = {"La función softmax convierte las salidas en un rango de probabilidades que "
                            "suman 1"},
             .drawbacks = {},
             .recommended = "Se utiliza comúnmente como función de activación para la última capa de la red "
                            "neuronal en el caso de clasificación de múltiples clases."},
  };

  template <class R>
  static void forward(std::span<const R> x, std::span<R> y) {
    using std::exp;
    R m = x[0];
    for (const R& v : x) m = v > m ? v : m;
    R sum(0);
    for (std::size_t i = 0; i < x.size(); ++i) sum = sum + exp(x[i] - m);
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = exp(x[i] - m) / sum;
  }
  template <class R>
  static void backward(std::span<const R> y, std::span<const R> dy, std::span<R> dx) {
    R dot(0);
    for (std::size_t i = 0; i < y.size(); ++i) dot = dot + dy[i] * y[i];
    for (std::size_t i = 0; i < y.size(); ++i) dx[i] = y[i] * (dy[i] - dot);
  }
};

}  // namespace ops

inline constexpr Functional<ops::Softmax> softmax{};
namespace nn {
using Softmax = Activation<ops::Softmax>;
}

}  // namespace activa
