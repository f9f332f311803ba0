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
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Elu> {
  static constexpr bool kWiden = true;

  // alpha * expm1(x) on the negative side: exact-to-rounding for tiny x, -alpha
  // as x -> -inf. NaN fails x > 0 and propagates through expm1.
  template <class T, class D, class V>
  static V Forward(D d, V x, const ops::Elu::Options& o) {
    const V alpha = hn::Set(d, o.alpha);
    return hn::IfThenElse(x > hn::Zero(d), x, hn::Mul(alpha, Expm1<T>(d, x)));
  }

  // PyTorch tests x <= 0: elu'(0) = alpha, and a NaN input passes dy through.
  template <class T, class D, class V>
  static V Backward(D d, V x, V dy, const ops::Elu::Options& o) {
    const V alpha = hn::Set(d, o.alpha);
    return hn::IfThenElse(x <= hn::Zero(d), hn::Mul(hn::Mul(dy, alpha), Exp<T>(d, x)), dy);
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_ELU_INL_H_
