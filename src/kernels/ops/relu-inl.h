// SIMD body of relu; the spec is include/activa/ops/relu.h.
#if defined(ACTIVA_KERNELS_RELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_RELU_INL_H_
#undef ACTIVA_KERNELS_RELU_INL_H_
#else
#define ACTIVA_KERNELS_RELU_INL_H_
#endif

#include <hwy/highway.h>

#include "activa/ops/relu.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Relu> {
  static constexpr bool kWiden = false;  // exact in any type
  // Cost per element (table.h): a compare.
  static constexpr detail::Cost kCost{.forward = 1, .backward = 1};

  // x < 0 gives +0; -0 and NaN fail the test and pass through, as PyTorch's
  // clamp_min (max(0, x) returning x on ties) does: relu(-0) = -0.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Relu::Options&) {
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR
    // maxps(a, b) returns b when either is NaN or both are zeros: max(0, x)
    // is x for NaN and -0, as clamp_min gives, in one instruction.
    return hn::Max(hn::Zero(d), x);
#else
    return hn::IfThenElse(x < hn::Zero(d), hn::Zero(d), x);
#endif
  }

  // From the output y: 0 where y <= 0, else the upstream gradient (NaN y included).
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V y, V dy, const ops::Relu::Options&) {
    return hn::IfThenElse(y <= hn::Zero(d), hn::Zero(d), dy);
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_RELU_INL_H_
