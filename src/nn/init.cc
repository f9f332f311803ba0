#include "activa/nn/init.h"

#include <cmath>
#include <string>

#include "activa/error.h"
#include "activa/functional.h"

namespace activa {

Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

namespace nn::init {

std::int64_t fan_in(const Tensor& weight) {
  if (weight.dim() < 2) {
    throw Error("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape " +
                shape_string(weight.shape()) + ")");
  }
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < weight.dim(); ++d) receptive *= weight.size(d);
  return weight.size(1) * receptive;
}

void uniform_(Tensor& t, double lo, double hi, Generator& gen) {
  activa::detail::with_dtype(t.dtype(), [&]<class T>() {
    for (T& v : t.data<T>()) v = static_cast<T>(gen.uniform(lo, hi));
  });
}

void kaiming_uniform_(Tensor& t, double a, Generator& gen) {
  const std::int64_t fan = fan_in(t);
  if (fan == 0) return;  // PyTorch warns and leaves an empty tensor alone
  const double gain = std::sqrt(2.0 / (1 + a * a));
  const double bound = gain * std::sqrt(3.0 / static_cast<double>(fan));
  uniform_(t, -bound, bound, gen);
}

}  // namespace nn::init
}  // namespace activa
