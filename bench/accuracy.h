// The accuracy side of the comparison (activa_compare --accuracy): activa's
// float32 kernels and every installed baseline's, run on the same inputs and
// measured in ULPs against the spec's reference formula evaluated in double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/baselines/baselines.h"

namespace activa::bench {

// Sweeps every `stride`-th float32 bit pattern x (0, stride, 2 stride, ...
// below 2^32: all of them for stride 1) through the forward of each function
// in `functions`, its backward (from x, or for relu from relu(x) rounded to
// float, against the derivative at x) and its backward_y (from y, f(x)
// rounded to float, against the exact derivative at y: sigmoid, tanh, elu),
// upstream gradient 1; softmax forward as the row [x, 0], prelu forward with
// the weight 0.25, as the exhaustive test does.
// Returns a Markdown table: per function, direction and implementation, the
// largest error in ULPs where the exact value and the result are both
// finite, how many results err by more than 1 ULP, how many differ from the
// exact value where either is NaN or infinite (the specs follow PyTorch's scalar code: ELU's
// derivative at NaN is 1, leaky_relu's the slope), and the worst input.
std::string accuracy_table(const std::vector<Baseline>& baselines, const std::vector<std::string>& functions,
                           std::uint64_t stride, int threads);

}  // namespace activa::bench
