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

// Float32 sigmoid and its derivative for |x| < kPiecesEnd (7.875), where
// nearly every input of a trained network lies: piecewise polynomials in |x|
// (float_math-inl.h, EvaluatePieces) whose tables are the Taylor coefficients
// of the spec's own formulas, computed at compile time (taylor.h).
inline constexpr detail::PieceTable kSigmoidPieces =
    detail::MakePieceTable([](const auto& u) { return ops::Sigmoid::forward(-u); });
inline constexpr detail::PieceTable kSigmoidDerivativePieces =
    detail::MakePieceTable([](const auto& u) { return ops::Sigmoid::derivative(u); });

template <>
struct Body<ops::Sigmoid> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): a polynomial of degree 5 and its lookups
  // (one thread is faster up to ~9 Ki elements, measured with 1 and 2).
  static constexpr detail::Cost kCost{.forward = 4, .backward = 4};

  // Float32: for |x| < 7.875, g = sigmoid(-|x|) from its pieces, and
  // sigmoid(x) = g where x < 0, else 1 - g. With m = +1 where x < 0, else
  // -1, and s = 0 or 1, that is s + m g.hi + m g.lo: s + m g.hi is exact
  // (g.hi is a multiple of 2^-24 in [0, 1/2]), so one fused multiply-add
  // rounds the result once (at most 0.67 ULP, tests/exhaustive_test.cc). A
  // lane's result depends on its own input only: a vector with lanes on
  // both sides of 7.875 takes both paths and blends.
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const V u = hn::Abs(x);
      const auto near = u < hn::Set(d, detail::kPiecesEnd);
      const auto pieces = [&] {
        const Pair<V> g = EvaluatePieces(d, kSigmoidPieces, u);
        const V m = hn::Xor(hn::And(x, hn::SignBit(d)), hn::Set(d, -1.0f));
        const V s = Fma(d, m, hn::Set(d, -0.5f), hn::Set(d, 0.5f));
        return Fma(d, m, g.lo, Fma(d, m, g.hi, s));
      };
      if (HWY_LIKELY(hn::AllTrue(d, near))) return pieces();
      if (hn::AllFalse(d, near)) return ForwardTail(d, x);
      return hn::IfThenElse(near, pieces(), ForwardTail(d, x));
    } else {
      const V e = Exp<T>(d, NegAbs(d, x));
      const V r = hn::Div(hn::Set(d, 1.0), hn::Add(hn::Set(d, 1.0), e));
      return hn::IfThenElse(x >= hn::Zero(d), r, hn::Mul(e, r));
    }
  }

  // sigmoid'(x), even: from its pieces for |x| < 7.875, else
  // DerivativeTail.
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const V u = hn::Abs(x);
      const auto near = u < hn::Set(d, detail::kPiecesEnd);
      const auto pieces = [&] {
        const Pair<V> g = EvaluatePieces(d, kSigmoidDerivativePieces, u);
        return hn::Add(g.hi, g.lo);
      };
      if (HWY_LIKELY(hn::AllTrue(d, near))) return hn::Mul(dy, pieces());
      if (hn::AllFalse(d, near)) return hn::Mul(dy, DerivativeTail(d, x));
      return hn::Mul(dy, hn::IfThenElse(near, pieces(), DerivativeTail(d, x)));
    } else {
      const V e = Exp<T>(d, NegAbs(d, x));
      const V t = hn::Add(hn::Set(d, 1.0), e);
      return hn::Mul(dy, hn::Mul(e, hn::Div(hn::Set(d, 1.0), hn::Mul(t, t))));
    }
  }

  // Float32 past the pieces, |x| >= 7.875 (infinities and NaN too), where
  // e = exp(-|x|) <= 3.8e-4: no division, as 1 / (1 + e) = 1 + d with
  // d = e^2 - e to e^3 < 2^-34 (e = 2^k m from ExpTable; d from m.hi 2^k
  // rounded, to 2^-24 of itself). sigmoid(|x|) = 1 + d rounds once;
  // sigmoid(-|x|) = 2^k (m.hi + m.lo + m.hi d), the sum rounded once and 2^k
  // applied last (a second rounding where the result is subnormal, down to
  // x = -103.9). NaN propagates.
  template <class D, class V>
  static HWY_NOINLINE V ForwardTail(D d, V x) {
    const ExpScaled<D> e = ExpTable(d, hn::Max(NegAbs(d, x), hn::Set(d, -110.0f)));
    const V e1 = hn::Mul(e.m.hi, Pow2(d, hn::Max(e.k, hn::Set(hn::RebindToSigned<D>(), -100))));
    const V delta = FmaSub(d, e1, e1, e1);
    const V neg = Scale(d, hn::Add(e.m.hi, Fma(d, e.m.hi, delta, e.m.lo)), e.k);
    const V y = hn::IfThenElse(x < hn::Zero(d), neg, hn::Add(hn::Set(d, 1.0f), delta));
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }

  // sigmoid'(x) = e / (1 + e)^2 for |x| >= 7.875 (as ForwardTail):
  // 1 / (1 + e)^2 = 1 + d with d = 3e^2 - 2e to 4e^3 < 2^-32, so the
  // derivative is 2^k (m.hi + m.lo + m.hi d). NaN propagates.
  template <class D, class V>
  static HWY_NOINLINE V DerivativeTail(D d, V x) {
    const ExpScaled<D> e = ExpTable(d, hn::Max(NegAbs(d, x), hn::Set(d, -110.0f)));
    const V e1 = hn::Mul(e.m.hi, Pow2(d, hn::Max(e.k, hn::Set(hn::RebindToSigned<D>(), -100))));
    const V delta = hn::Mul(e1, Fma(d, e1, hn::Set(d, 3.0f), hn::Set(d, -2.0f)));
    const V g = Scale(d, hn::Add(e.m.hi, Fma(d, e.m.hi, delta, e.m.lo)), e.k);
    return hn::IfThenElse(hn::IsNaN(x), x, g);
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
