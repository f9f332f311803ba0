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
#include "src/kernels/float_math-inl.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Float32 tanh'(x) for |x| < kPiecesEnd (7.875): piecewise polynomials in |x|
// (float_math-inl.h, EvaluatePieces) of the spec's own derivative, computed at
// compile time (taylor.h).
inline constexpr auto kTanhDerivativePieces =
    detail::MakePieceTable<6, true>([](const auto& u) { return ops::Tanh::derivative(u); });

template <>
struct Body<ops::Tanh> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): forward, an exponential and a division in
  // double-float; backward, a polynomial of degree 6 and its lookups.
  static constexpr detail::Cost kCost{.forward = 16, .backward = 4};

  // tanh(|x|) = -m / (m + 2) with m = expm1(-2|x|) in [-1, 0]: no cancellation
  // (expm1 keeps tiny |x| exact), saturates to 1 once m rounds to -1. The sign
  // is copied back, so tanh(-0) = -0. NaN propagates.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Tanh::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      // Past |x| = 32, m = -1 to far below float precision.
      const V z = hn::Max(hn::Mul(hn::Set(d, -2.0f), hn::Abs(x)), hn::Set(d, -64.0f));
      const Pair<V> m = Expm1Pair(d, ExpReduce(d, z));
      const Pair<V> den = FastTwoSum(hn::Set(d, 2.0f), m.hi);
      // m / (m + 2) <= 0 is -tanh(|x|); CopySign takes its magnitude
      // (rounding to nearest is symmetric, so negating first changes no bit).
      const V q = Divide(d, m, {den.hi, hn::Add(den.lo, m.lo)});
      return hn::IfThenElse(hn::IsNaN(x), x, hn::CopySign(q, x));
    } else {
      const V m = Expm1<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
      return hn::CopySign(hn::Mul(hn::Neg(m), hn::Div(hn::Set(d, 1.0), hn::Add(m, hn::Set(d, 2.0)))), x);
    }
  }

  // tanh'(x) = 1 - tanh^2, even: from its pieces for |x| < 7.875, else
  // 4e / (1 + e)^2 with e = exp(-2|x|) (float_math-inl.h, ExpOverSquareTail);
  // no cancellation either way.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Tanh::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const auto pieces = [&](V u) {
        const Pair<V> g = EvaluatePieces(d, kTanhDerivativePieces, u);
        return hn::Add(g.hi, g.lo);
      };
      return hn::Mul(dy, Piecewise(d, x, pieces, [&] { return DerivativeTail(d, x); }));
    } else {
      const V e = Exp<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
      const V t = hn::Add(hn::Set(d, 1.0), e);
      return hn::Mul(dy, hn::Mul(hn::Mul(hn::Set(d, 4.0), e), hn::Div(hn::Set(d, 1.0), hn::Mul(t, t))));
    }
  }

  template <class D, class V>
  static HWY_NOINLINE V DerivativeTail(D d, V x) {
    return hn::IfThenElse(hn::IsNaN(x), x, ExpOverSquareTail(d, hn::Mul(hn::Set(d, -2.0f), hn::Abs(x)), 2));
  }

  // From the output (PointwiseBackwardFromOutput): dy * (1 - y^2), the
  // derivative rounded once by a fused multiply-add (y^2 rounded first would
  // cancel near |y| = 1). NaN propagates.
  template <class T, class D, class V>
  static HWY_INLINE V BackwardFromOutput(D d, V y, V dy, const ops::Tanh::Options&) {
    return hn::Mul(dy, NegFma(d, y, y, hn::Set(d, hn::TFromD<D>(1))));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_TANH_INL_H_
