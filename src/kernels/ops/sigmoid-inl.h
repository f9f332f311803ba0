// SIMD body of sigmoid; the spec is include/activa/ops/sigmoid.h.
#if defined(ACTIVA_KERNELS_SIGMOID_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_SIGMOID_INL_H_
#undef ACTIVA_KERNELS_SIGMOID_INL_H_
#else
#define ACTIVA_KERNELS_SIGMOID_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/sigmoid.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Sigmoid> {
  static constexpr bool kWiden = true;  // float32 computes in double: <= 0.5 ULP + 2^-29

  // With e = exp(-|x|) in (0, 1]: sigmoid(|x|) = 1 / (1 + e) and
  // sigmoid(-|x|) = e / (1 + e); neither cancels, and e / (1 + e) keeps
  // subnormal results down to x = -745. NaN: e is NaN and so is the result.
  template <class T, class D, class V>
  static V Forward(D d, V x, const ops::Sigmoid::Options&) {
    const V e = Exp<T>(d, hn::Neg(hn::Abs(x)));
    const V r = Reciprocal<T>(d, hn::Add(hn::Set(d, 1.0), e));
    return hn::IfThenElse(x >= hn::Zero(d), r, hn::Mul(e, r));
  }

  // sigmoid'(x) = e / (1 + e)^2, symmetric in x: full relative accuracy for all x.
  template <class T, class D, class V>
  static V Backward(D d, V x, V dy, const ops::Sigmoid::Options&) {
    const V e = Exp<T>(d, hn::Neg(hn::Abs(x)));
    const V t = hn::Add(hn::Set(d, 1.0), e);
    return hn::Mul(dy, hn::Mul(e, Reciprocal<T>(d, hn::Mul(t, t))));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_SIGMOID_INL_H_
