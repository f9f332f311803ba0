// SIMD body of leaky_relu; the spec is include/activa/ops/leaky_relu.h.
#if defined(ACTIVA_KERNELS_LEAKY_RELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_LEAKY_RELU_INL_H_
#undef ACTIVA_KERNELS_LEAKY_RELU_INL_H_
#else
#define ACTIVA_KERNELS_LEAKY_RELU_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/leaky_relu.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::LeakyRelu> {
  static constexpr bool kWiden = false;  // one product in the element type, as PyTorch
  // Cost per element (table.h): a compare and a multiply.
  static constexpr detail::Cost kCost{.forward = 1, .backward = 2};

  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::LeakyRelu::Options& o) {
    const V slope = hn::Set(d, static_cast<hn::TFromD<D>>(o.negative_slope));
    return hn::IfThenElse(x > hn::Zero(d), x, hn::Mul(x, slope));
  }

  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::LeakyRelu::Options& o) {
    const V slope = hn::Set(d, static_cast<hn::TFromD<D>>(o.negative_slope));
    return hn::IfThenElse(x > hn::Zero(d), dy, hn::Mul(dy, slope));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_LEAKY_RELU_INL_H_
