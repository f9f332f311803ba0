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
  static HWY_INLINE V Forward(D d, V x, V w) {
    return hn::IfThenElse(UpperBranch(d, x), x, hn::Mul(w, x));
  }

  // PyTorch's test: the upper branch (slope 1) where x > 0; x <= 0 and NaN
  // take the weight's.
  template <class D, class V>
  static HWY_INLINE auto UpperBranch(D d, V x) {
    return x > hn::Zero(d);
  }

  // d/dx: dy where upper, else w * dy.
  template <class D, class V, class M>
  static HWY_INLINE V BackwardInput(D, M upper, V w, V dy) {
    return hn::IfThenElse(upper, dy, hn::Mul(w, dy));
  }

  // acc plus the term summed into dw, x * dy where not upper, in double
  // (AddProductUnless: for float, exact and fused). Upper lanes leave acc as
  // it is: adding their 0 would only turn a -0 into +0, and a channel's sum of
  // its units starts at +0 (dispatch.cc), so dw has the bits of the sum of
  // every term.
  template <class T, class DC, class M, class V>
  static HWY_INLINE V AddWeightTerm(DC dc, M upper, V x, V dy, V acc) {
    return AddProductUnless<T>(dc, upper, acc, x, dy);
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_PRELU_INL_H_
