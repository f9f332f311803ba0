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

// x > 0 ? x : x * s, leaky_relu's forward with its slope s.
// For 0 < s <= 1 that is max(x, x * s): the rounded product lies between 0
// and x (x's sign, a magnitude of no more than x's), so the max picks x for
// x > 0 and the product otherwise, equal values, zeros and infinities alike
// (a product equal to x is x). x86's maxps returns its second operand where
// either is NaN, here the product (x's NaN, quieted), as the select does, and
// so does Highway's scalar Max: the same bits on every target, in two
// instructions instead of a compare, a multiply and a blend.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ScaleNegative(D d, V x, hn::TFromD<D> s) {
  const V product = hn::Mul(x, hn::Set(d, s));
#if HWY_ARCH_X86
  if (s > 0 && s <= 1) return hn::Max(x, product);
#endif
  return hn::IfThenElse(x > hn::Zero(d), x, product);
}

template <>
struct Body<ops::LeakyRelu> {
  static constexpr bool kWiden = false;  // one product in the element type, as PyTorch
  // Cost per element (table.h): a compare and a multiply.
  static constexpr detail::Cost kCost{.forward = 1, .backward = 2};

  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::LeakyRelu::Options& o) {
    return ScaleNegative(d, x, static_cast<hn::TFromD<D>>(o.negative_slope));
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
