// SIMD body of elu; the spec is include/activa/ops/elu.h.
#if defined(ACTIVA_KERNELS_ELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_ELU_INL_H_
#undef ACTIVA_KERNELS_ELU_INL_H_
#else
#define ACTIVA_KERNELS_ELU_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/elu.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/float_math-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Elu> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): an exponential (expm1) per element.
  static constexpr detail::Cost kCost{.forward = 10, .backward = 10};

  // alpha * expm1(x) on the negative side: exact-to-rounding for tiny x, -alpha
  // as x -> -inf. NaN propagates.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Elu::Options& o) {
    using F = hn::TFromD<D>;
    const V alpha = hn::Set(d, static_cast<F>(o.alpha));
    if constexpr (sizeof(F) == 4) {
      // Below -40, expm1 is -1 to far below float precision.
      const Pair<V> m = Expm1Pair(d, ExpReduce(d, hn::Max(hn::Min(x, hn::Zero(d)), hn::Set(d, -40.0f))));
      const V neg = Fma(d, alpha, m.hi, hn::Mul(alpha, m.lo));
      return hn::IfThenElse(hn::IsNaN(x), x, hn::IfThenElse(x > hn::Zero(d), x, neg));
    } else {
      return hn::IfThenElse(x > hn::Zero(d), x, hn::Mul(alpha, Expm1<T>(d, x)));
    }
  }

  // PyTorch tests x <= 0: elu'(0) = alpha, and a NaN input passes dy through.
  // dy * alpha is rounded first, as in PyTorch.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Elu::Options& o) {
    using F = hn::TFromD<D>;
    const V alpha = hn::Set(d, static_cast<F>(o.alpha));
    V e;
    if constexpr (sizeof(F) == 4) {
      const ExpScaled<D> parts = ExpTable(d, hn::Max(hn::Min(x, hn::Zero(d)), hn::Set(d, -110.0f)));
      e = Scale(d, hn::Add(parts.m.hi, parts.m.lo), parts.k);
    } else {
      e = Exp<T>(d, x);
    }
    return hn::IfThenElse(x <= hn::Zero(d), hn::Mul(hn::Mul(dy, alpha), e), dy);
  }

  // From the output (PointwiseBackwardFromOutput): dy * (y + alpha) where
  // y <= 0 (alpha >= 0, checked by the API), else dy (NaN y too, as PyTorch
  // tests y <= 0). y + alpha is exact as y -> -alpha (Sterbenz), else one rounding.
  template <class T, class D, class V>
  static HWY_INLINE V BackwardFromOutput(D d, V y, V dy, const ops::Elu::Options& o) {
    const V alpha = hn::Set(d, static_cast<hn::TFromD<D>>(o.alpha));
    return hn::IfThenElse(y <= hn::Zero(d), hn::Mul(dy, hn::Add(y, alpha)), dy);
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_ELU_INL_H_
