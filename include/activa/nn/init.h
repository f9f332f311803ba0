// Parameter initialisation, torch.nn.init's names and formulas. Values are
// drawn in double from a Generator (activa/random.h) and rounded once to the
// tensor's type, so a seed gives the same parameters on every machine.
#pragma once

#include <cstdint>

#include "activa/random.h"
#include "activa/tensor.h"

namespace activa::nn::init {

// fan_in of a weight: size(1) times the product of dims 2.. (a Linear weight
// [out, in] has fan_in = in). Needs at least 2 dims, as PyTorch's.
std::int64_t fan_in(const Tensor& weight);

// Fills t with U(lo, hi). t's data is overwritten in place, without autograd.
void uniform_(Tensor& t, double lo, double hi, Generator& gen = default_generator());

// He et al.'s uniform initialisation for a leaky_relu of slope a:
// U(-bound, bound) with bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)).
// nn::Linear uses a = sqrt(5): bound = 1 / sqrt(fan_in).
void kaiming_uniform_(Tensor& t, double a = 0, Generator& gen = default_generator());

}  // namespace activa::nn::init
