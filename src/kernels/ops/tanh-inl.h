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
#include "src/kernels/pieces.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Float32 tanh and tanh' for |x| < kPiecesEnd (7.875): piecewise polynomials
// in |x| (float_math-inl.h, EvaluatePieces) of the spec's own formulas,
// computed at compile time (pieces.h); tanh's as tanh(u) / u, which is 1 at 0,
// so that tanh(u) = u (hi + lo) keeps its relative accuracy through 0.

template <>
struct Body<ops::Tanh> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): a polynomial of degree 5 (forward) or 6
  // (backward) and its lookups.
  static constexpr detail::Cost kCost{.forward = 4, .backward = 4};
  static constexpr detail::Cost kCost64 = detail::kDoubleExpCost;  // double: an exponential

  // Float32: tanh(x) = x g(u), u = |x| < 7.875, with g = hi + lo from the
  // pieces of tanh(u) / u (in [0.12, 1]): x hi + x lo, x lo rounded first (it
  // is at most 1/16 of the sum: 1/32 ULP), the sum rounded once, so its sign
  // is x's; at x = -0, piece 0's value is hi = 1 and lo = 0 exactly (taylor.h,
  // Economize's from_zero), and -0 + -0 = -0. Past 7.875, tanh(u) = 1 - 2e / (1 +
  // e) with e = exp(-2u) < 1.5e-7: 1 - 2e, as 2e^2 is below 2^-43 (e from
  // CoarseExp: 2^-18 of e is 2^-40 of the result), x's sign copied on. NaN
  // propagates.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Tanh::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const auto pieces = [&](V u) ACTIVA_INLINE_LAMBDA {
        const Pair<V> g = EvaluatePieces<detail::kTanhPieces, /*kReduce=*/true>(d, u);
        return Fma(d, x, g.hi, hn::Mul(x, g.lo));
      };
      return Piecewise(d, hn::Abs(x), pieces, [&] { return ForwardTail(d, x); });
    } else {
      const V m = Expm1<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
      return hn::CopySign(hn::Div(m, hn::Add(m, hn::Set(d, 2.0))), x);
    }
  }

  template <class D, class V>
  static HWY_NOINLINE V ForwardTail(D d, V x) {
    const V e = CoarseExp(d, hn::Mul(hn::Set(d, -2.0f), hn::Abs(x)));
    return hn::IfThenElse(hn::IsNaN(x), x, hn::CopySign(NegFma(d, e, hn::Set(d, 2.0f), hn::Set(d, 1.0f)), x));
  }

  // tanh'(x) = 1 - tanh^2, even: from its pieces for |x| < 7.875, else
  // 4e / (1 + e)^2 with e = exp(-2|x|) (float_math-inl.h, ExpOverSquareTail);
  // no cancellation either way.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Tanh::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const auto pieces = [&](V u) ACTIVA_INLINE_LAMBDA {
        const Pair<V> g = EvaluatePieces<detail::kTanhDerivativePieces>(d, u);
        return hn::Add(g.hi, g.lo);
      };
      return hn::Mul(dy, Piecewise(d, hn::Abs(x), pieces, [&] { return DerivativeTail(d, x); }));
    } else {
      const V e = Exp<T>(d, hn::Mul(hn::Set(d, -2.0), hn::Abs(x)));
      const V t = hn::Add(hn::Set(d, 1.0), e);
      return hn::Mul(dy, hn::Div(hn::Mul(hn::Set(d, 4.0), e), hn::Mul(t, t)));
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
    return hn::Mul(dy, NegFma(d, y, y, SetUnloaded(d, hn::TFromD<D>(1))));
  }
};

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_KERNELS_TANH_INL_H_
