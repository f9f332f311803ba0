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
#include "src/kernels/pieces.h"
#include "src/kernels/simd_math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Float32 sigmoid and its derivative for |x| < kPiecesEnd (7.875), where
// nearly every input of a trained network lies: piecewise polynomials in |x|
// (float_math-inl.h, EvaluatePieces) whose tables are the Taylor coefficients
// of the spec's own formulas, computed at compile time (pieces.h).

template <>
struct Body<ops::Sigmoid> {
  static constexpr bool kWiden = false;  // float32 in float lanes (float_math-inl.h)
  // Cost per element (table.h): a polynomial of degree 5 and its lookups
  // (one thread is faster up to ~9 Ki elements, measured with 1 and 2).
  static constexpr detail::Cost kCost{.forward = 4, .backward = 4};
  static constexpr detail::Cost kCost64 = detail::kDoubleExpCost;  // double: an exponential

  // Float32: for |x| < 7.875, g = sigmoid(-|x|) - 1/2 from its pieces
  // (kSigmoidCentredPieces), and sigmoid(x) = 1/2 + g where x < 0, else
  // 1/2 - g. With m = +1 where x < 0, else -1, that is 1/2 + m g.hi + m g.lo:
  // 1/2 + m g.hi is exact (g.hi + 1/2 is a multiple of 2^-24 in [0, 1/2]), so
  // one fused multiply-add rounds the result once (at most 0.67 ULP,
  // tests/exhaustive_test.cc). (With the table of sigmoid(-|x|) itself, 1/2
  // - m/2 took one more multiply-add a vector.)
  // Past 7.875 (ForwardTail), e = exp(-|x|) <= 3.8e-4 and 1 / (1 + e) =
  // 1 + d with d = e^2 - e (< 2^-34 left): sigmoid(|x|) = 1 + d rounds once,
  // sigmoid(-|x|) = e (1 + d) (float_math-inl.h, OnePlusTimes).
  template <class T, class D, class V>
  static HWY_INLINE V Forward(D d, V x, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const auto pieces = [&](V u) ACTIVA_INLINE_LAMBDA {
        const Pair<V> g = EvaluatePieces<detail::kSigmoidCentredPieces, /*kReduce=*/true>(d, u);
        const V m = hn::Xor(hn::And(x, hn::SignBit(d)), hn::Set(d, -1.0f));
        return Fma(d, m, g.lo, Fma(d, m, g.hi, hn::Set(d, 0.5f)));
      };
      return Piecewise(d, hn::Abs(x), pieces, [&] { return ForwardTail(d, x); });
    } else {
      // Double: 1 / (1 + e) where x >= 0, e / (1 + e) where x < 0, e = exp(-|x|).
      const V e = Exp<T>(d, NegAbs(d, x));
      return hn::Div(hn::IfThenElse(x >= hn::Zero(d), hn::Set(d, 1.0), e), hn::Add(hn::Set(d, 1.0), e));
    }
  }

  // sigmoid'(x), even: from its pieces for |x| < 7.875, else
  // e / (1 + e)^2 (float_math-inl.h, ExpOverSquareTail).
  template <class T, class D, class V>
  static HWY_INLINE V Backward(D d, V x, V dy, const ops::Sigmoid::Options&) {
    if constexpr (sizeof(hn::TFromD<D>) == 4) {
      const auto pieces = [&](V u) ACTIVA_INLINE_LAMBDA {
        const Pair<V> g = EvaluatePieces<detail::kSigmoidDerivativePieces>(d, u);
        return hn::Add(g.hi, g.lo);
      };
      return hn::Mul(dy, Piecewise(d, hn::Abs(x), pieces, [&] { return DerivativeTail(d, x); }));
    } else {
      const V e = Exp<T>(d, NegAbs(d, x));
      const V t = hn::Add(hn::Set(d, 1.0), e);
      return hn::Mul(dy, hn::Div(e, hn::Mul(t, t)));
    }
  }

  template <class D, class V>
  static HWY_NOINLINE V ForwardTail(D d, V x) {
    V e1;
    const ExpScaled<D> e = SmallExp(d, NegAbs(d, x), e1);
    const V delta = FmaSub(d, e1, e1, e1);
    const V y = hn::IfThenElse(x < hn::Zero(d), OnePlusTimes(d, e, delta), hn::Add(hn::Set(d, 1.0f), delta));
    return hn::IfThenElse(hn::IsNaN(x), x, y);
  }

  template <class D, class V>
  static HWY_NOINLINE V DerivativeTail(D d, V x) {
    return hn::IfThenElse(hn::IsNaN(x), x, ExpOverSquareTail(d, NegAbs(d, x), 0));
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
