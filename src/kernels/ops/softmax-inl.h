// SIMD body of softmax; the spec is include/activa/ops/softmax.h.
#if defined(ACTIVA_KERNELS_SOFTMAX_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_KERNELS_SOFTMAX_INL_H_
#undef ACTIVA_KERNELS_SOFTMAX_INL_H_
#else
#define ACTIVA_KERNELS_SOFTMAX_INL_H_
#endif

#include <limits>

#include <hwy/highway.h>

#include "activa/ops/softmax.h"
#include "src/kernels/drivers-inl.h"
#include "src/kernels/float_math-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <>
struct Body<ops::Softmax> {
  static constexpr bool kWiden = true;
  // Cost per element (table.h): forward, an exponential in double (two in rows
  // over 2,048); backward, a dot product and a multiply. Two threads break
  // even at ~3 Ki elements of float rows of 1,000 forward (with 32 they ran
  // from 1 Ki: 0.80x one thread's at 2,000 elements; Zen 5, `activa bench
  // --parallel-threshold 0`); double's forward ~4x float's time per element.
  static constexpr detail::Cost kCost{.forward = 10, .backward = 4};
  static constexpr detail::Cost kCost64{.forward = 32, .backward = 4};

  // exp(x - max), <= 1 so nothing overflows. x - max is exact in double for
  // float inputs, and a float result needs exp only to 2^-31 (ExpForFloat);
  // for double inputs its rounding error lo (TwoSum) would cost
  // |x - max| * 2^-53 relative, so it is put back: exp(hi + lo) = exp(hi)(1 + lo).
  // Where max is not finite (a NaN in the row, +inf, or all -inf) the value
  // is unspecified: Denominator makes the whole row NaN, as in PyTorch.
  template <class T, class D, class V>
  static HWY_INLINE V Numerator(D d, V x, V max) {
    const V hi = hn::Sub(x, max);
    if constexpr (sizeof(T) == 4) {
      return ExpForFloat(d, hi);
    } else {
      const V neg_max = hn::Neg(max);
      const V b = hn::Sub(hi, x);
      const V lo = hn::Add(hn::Sub(x, hn::Sub(hi, b)), hn::Sub(neg_max, b));
      const V safe_lo = hn::IfThenElseZero(hn::IsFinite(hi), lo);
      return hn::Mul(Exp<T>(d, hi), hn::Add(hn::Set(d, 1.0), safe_lo));
    }
  }

  // What Normalize divides by, once per slice, from the sum of its numerators
  // and its max. Float results: the reciprocal of the double sum, multiplied
  // (2^-52 relative, invisible after rounding to float; PyTorch multiplies by
  // the reciprocal too). Double results: the sum itself, divided, for a
  // correctly rounded quotient. NaN where max is not finite: every output of
  // such a row is NaN in PyTorch (x - max is NaN for some x, so is the sum),
  // and NaN times or over any numerator is NaN.
  template <class T, class D, class V>
  static HWY_INLINE V Denominator(D d, V sum, V max) {
    V den = sum;
    if constexpr (sizeof(T) == 4) den = hn::Div(hn::Set(d, 1.0), sum);
    return hn::IfThenElse(hn::IsFinite(max), den, hn::Set(d, std::numeric_limits<double>::quiet_NaN()));
  }
  template <class T, class D, class V>
  static HWY_INLINE V Normalize(D, V numerator, V denominator) {
    if constexpr (sizeof(T) == 4) {
      return hn::Mul(numerator, denominator);
    } else {
      return hn::Div(numerator, denominator);
    }
  }

  // Float rows' dx in float lanes, from dot = dh + dl (dh its float, dl the
  // rest; finite, so every dy is): y dh = p + pe exactly (pe by a fused
  // multiply-subtract), and dx = (y dy - p) - (pe + y dl), each bracket
  // rounded once (fused) and their difference once more. Where dy and dot
  // cancel, the first bracket's rounding is at most 2^-47 y |dot| (the
  // double dot product's own error is of that order too); elsewhere it is
  // two roundings: at most 0.9991 ULP measured over 3 million outputs of
  // random and cancelling rows against long double (accuracy_test prints its
  // rows' largest against MPFR, 0.988), within the spec's 2. Five operations
  // where an exact two-sum of dy - dh took nine (0.5 ULP): 1.25x at rows of
  // 1,000 in L1.
  // Where y = 0 (an output that underflowed), dx is a zero whose sign is that
  // of 0 dy - 0 dh, not always PyTorch's sign(dy - dot) (nor was the
  // two-sum's). Or-ing in the sign bit of dy - dh would fix it in two
  // operations (one ternary-logic op on AVX-512), measured 0.90x at rows of
  // 1,000 in L1; the README lists the difference instead.
  template <class D, class V>
  static HWY_INLINE V BackwardSplit(D d, V y, V dy, V dh, V dl) {
    const V p = hn::Mul(y, dh);
    const V c = Fma(d, y, dl, FmaSub(d, y, dh, p));
    return hn::Sub(FmaSub(d, y, dy, p), c);
  }

  // dx = y * (dy - sum(dy * y)), the sum supplied by the driver.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D, V y, V dy, V dot) {
    return hn::Mul(y, hn::Sub(dy, dot));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_SOFTMAX_INL_H_
