// SIMD body of prelu; the spec is include/activa/ops/prelu.h.
#if defined(ACTIVA_KERNELS_PRELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_PRELU_INL_H_
#undef ACTIVA_KERNELS_PRELU_INL_H_
#else
#define ACTIVA_KERNELS_PRELU_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/prelu.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Prelu> {
  static constexpr bool kWiden = false;  // one product in the element type, as PyTorch
  // Cost per element (table.h): a multiply; backward also sums the weight
  // gradient in double.
  static constexpr detail::Cost kCost{.forward = 2, .backward = 4};

  // leaky_relu with the channel's weight as its slope, but always as a select:
  // leaky_relu's max form (ScaleNegative), chosen per row of 64 floats, ran
  // slower at [1, 64, 64] (the compiler moved each row's loop out of line
  // behind two branches).
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, hn::TFromD<D> w) {
    return hn::IfThenElse(x > hn::Zero(d), x, hn::Mul(hn::Set(d, w), x));
  }

  // d/dx: dy where x > 0, else w * dy (NaN x included, as PyTorch).
  template <class T, class D, class V>
  static HWY_INLINE V BackwardInput(D d, V x, V w, V dy) {
    return hn::IfThenElse(x > hn::Zero(d), dy, hn::Mul(w, dy));
  }

  // The term summed into dw: x * dy where x <= 0 (or NaN), else 0. Runs in
  // double, where the product of two floats is exact.
  template <class T, class D, class V>
  static HWY_INLINE V WeightTerm(D d, V x, V dy) {
    return hn::IfThenElse(x > hn::Zero(d), hn::Zero(d), hn::Mul(x, dy));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_PRELU_INL_H_
