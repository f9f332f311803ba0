// SIMD body of tanh; the spec is include/activa/ops/tanh.h.
#if defined(ACTIVA_KERNELS_TANH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_TANH_INL_H_
#undef ACTIVA_KERNELS_TANH_INL_H_
#else
#define ACTIVA_KERNELS_TANH_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/tanh.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Tanh> {
  static constexpr bool kWiden = true;

  // tanh(|x|) = -m / (m + 2) with m = expm1(-2|x|) in [-1, 0]: no cancellation
  // (expm1 keeps tiny |x| exact), saturates to 1 once m rounds to -1. The sign
  // is copied back, so tanh(-0) = -0. NaN propagates through expm1.
  template <class T, class D, class V>
  static V Forward(D d, V x, const ops::Tanh::Options&) {
    const V m = Expm1<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
    return hn::CopySign(hn::Mul(hn::Neg(m), Reciprocal<T>(d, hn::Add(m, hn::Set(d, 2.0)))), x);
  }

  // tanh'(x) = 1 - tanh^2 = 4e / (1 + e)^2 with e = exp(-2|x|): no cancellation.
  template <class T, class D, class V>
  static V Backward(D d, V x, V dy, const ops::Tanh::Options&) {
    const V e = Exp<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
    const V t = hn::Add(hn::Set(d, 1.0), e);
    return hn::Mul(dy, hn::Mul(hn::Mul(hn::Set(d, 4.0), e), Reciprocal<T>(d, hn::Mul(t, t))));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_TANH_INL_H_
