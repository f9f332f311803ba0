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
#include "src/kernels/float_math-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Sigmoid> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): an exponential and a division in double-float.
  static constexpr detail::Cost kCost{.forward = 16, .backward = 16};

  // With e = exp(-|x|) in (0, 1]: sigmoid(|x|) = 1 / (1 + e) and
  // sigmoid(-|x|) = e / (1 + e); neither cancels, and e / (1 + e) keeps
  // subnormal results down to x = -745 (float: -103.9). NaN propagates.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      // e = 2^k m; the numerator is 1, or m with 2^k applied last.
      const ExpScaled<D> e = ExpTable(d, hn::Max(NegAbs(d, x), hn::Set(d, -110.0f)));
      const auto neg = x < hn::Zero(d);
      const Pair<V> n{hn::IfThenElse(neg, e.m.hi, hn::Set(d, 1.0f)), hn::IfThenElseZero(neg, e.m.lo)};
      const auto k = hn::IfThenElseZero(hn::RebindMask(hn::RebindToSigned<D>(), neg), e.k);
      const V y = Scale(d, Divide(d, n, OnePlus(d, e)), k);
      return hn::IfThenElse(hn::IsNaN(x), x, y);
    } else {
      const V e = Exp<T>(d, NegAbs(d, x));
      const V r = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), e));
      return hn::IfThenElse(x >= hn::Zero(d), r, hn::Mul(e, r));
    }
  }

  // sigmoid'(x) = e / (1 + e)^2, symmetric in x: full relative accuracy for all x.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const ExpScaled<D> e = ExpTable(d, hn::Max(NegAbs(d, x), hn::Set(d, -110.0f)));
      const V g = Scale(d, Divide(d, e.m, Square(d, OnePlus(d, e))), e.k);
      return hn::Mul(dy, hn::IfThenElse(hn::IsNaN(x), x, g));
    } else {
      const V e = Exp<T>(d, NegAbs(d, x));
      const V t = hn::Add(hn::Set(d, 1.0), e);
      return hn::Mul(dy, hn::Mul(e, hn::Div(hn::Set(d, 1.0), hn::Mul(t, t))));
    }
  }

  // From the output (PointwiseBackwardFromOutput): dy * (y - y^2), the
  // derivative rounded once by a fused multiply-add; NaN propagates.
  template <class T, class D, class V>
  static HWY_INLINE V BackwardFromOutput(D d, V y, V dy, const ops::Sigmoid::Options&) {
    return hn::Mul(dy, NegFma(d, y, y, y));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_SIGMOID_INL_H_
