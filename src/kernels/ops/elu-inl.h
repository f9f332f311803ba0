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
#include "src/kernels/pieces.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Float32 ELU for -7.875 < x <= 0: alpha x g(-x), with g(u) = (1 - e^-u) / u
// in [0.12, 1] from its pieces (float_math-inl.h, EvaluatePieces), computed
// at compile time from the spec's formula with alpha = 1 (pieces.h): 1 at 0,
// so that the result keeps its relative accuracy through 0.

template <>
struct Body<ops::Elu> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): forward, a polynomial of degree 5 and its
  // lookups; backward, an exponential from a 16-entry table (1.2x-1.35x
  // sigmoid's backward per element; with 10, two threads ran at 4 Ki
  // elements, 0.73x-0.81x one thread's).
  static constexpr detail::Cost kCost{.forward = 4, .backward = 5};
  static constexpr detail::Cost kCost64 = detail::kDoubleExpCost;  // double: an exponential

  // alpha * expm1(x) on the negative side: exact-to-rounding for tiny x, -alpha
  // as x -> -inf. NaN propagates. Float32: for u = -x < 7.875, alpha x (hi +
  // lo) with alpha x = p + e exactly (two-product): p hi + (e hi + p lo), the
  // sum rounded once (e hi + p lo is at most 1/16 of it). Zeros keep PyTorch's
  // signs (elu(-0) = +0; a product that rounds to 0 keeps its sign). Lanes
  // with x > 0 (u < 0) compute values that are discarded. Past 7.875,
  // expm1(x) = e - 1 with e = e^x < 3.8e-4, as an exact pair.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Elu::Options& o) {
    using F = hn::TFromD<D>;
    const V alpha = hn::Set(d, static_cast<F>(o.alpha));
    if constexpr (sizeof(F) == 4) {
      const bool unit = o.alpha == 1;  // PyTorch's default: alpha x = x exactly
      const auto pieces = [&](V v) ACTIVA_INLINE_LAMBDA {  // v = x: the pieces are mirrored (pieces.h)
        const Pair<V> g = EvaluatePieces<detail::kEluPieces, /*kReduce=*/true>(d, v);
        // x lo + 0: +0 where x = -0, as p hi + (e hi + p lo) gives.
        if (unit) return Fma(d, x, g.hi, Fma(d, x, g.lo, hn::Zero(d)));
        const V p = hn::Mul(alpha, x);
        const V e = FmaSub(d, alpha, x, p);
        return Fma(d, p, g.hi, Fma(d, e, g.hi, hn::Mul(p, g.lo)));
      };
      constexpr float kDirection = decltype(detail::kEluPieces)::kDirection;  // -1: the pieces take x itself
      const V neg = Piecewise<kDirection>(d, x, pieces, [&] { return ForwardTail(d, x, alpha); });
      return hn::IfThenElse(x <= hn::Zero(d), neg, x);  // x where x > 0 or NaN
    } else {
      return hn::IfThenElse(x > hn::Zero(d), x, hn::Mul(alpha, Expm1<T>(d, x)));
    }
  }

  // e - 1 with e = e^x (CoarseExp: its 2^-18 is below 2^-29 of the result),
  // for x <= -7.875 (NaN: discarded by the caller).
  template <class D, class V>
  static HWY_NOINLINE V ForwardTail(D d, V x, V alpha) {
    const V e = CoarseExp(d, x);
    const Pair<V> m = FastTwoSum(hn::Set(d, -1.0f), e);
    return Fma(d, alpha, m.hi, hn::Mul(alpha, m.lo));
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
