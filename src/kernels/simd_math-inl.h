// exp and expm1 on double lanes, written with plain multiplies and adds (no FMA)
// so every Highway target computes the same bits: the reason activa does not
// use hwy/contrib/math here (its MulAdd is fused on AVX2/AVX-512 and not on
// SSE4, and its Exp returns 0 for NaN in Highway 1.0.3).
//
// Both are within 1 ULP of the exact value over all doubles, propagate NaN,
// saturate at ±inf, and keep subnormal results (2^k is applied as two factors).
// T is the type of the result (double: float32 results use float_math-inl.h,
// and softmax's ExpForFloat at the end of this file).

#if defined(ACTIVA_SIMD_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_SIMD_MATH_INL_H_
#undef ACTIVA_SIMD_MATH_INL_H_
#else
#define ACTIVA_SIMD_MATH_INL_H_
#endif

#include <array>

#include <hwy/highway.h>

#include "src/kernels/float_math-inl.h"
#include "src/kernels/twin-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// x = k ln2 + r with |r| <= ln2/2 (plus rounding), and 2^k = s1 * s2.
template <class D, class V = hn::Vec<D>>
struct Reduction {
  V r, s1, s2;
};

template <class D, class V = hn::Vec<D>>
HWY_INLINE Reduction<D> Reduce(D d, V x) {
  const hn::RebindToSigned<D> di;
  // |x| beyond 746 saturates either way: e^710 overflows, e^-746 < 2^-1075
  // rounds to 0. Clamping keeps k within int range and the factors normal.
  const V xc = hn::Min(hn::Max(x, hn::Set(d, -746.0)), hn::Set(d, 710.0));
  const V k = hn::Round(hn::Mul(xc, hn::Set(d, 1.4426950408889634)));  // log2(e)
  // ln2 split (fdlibm): kLn2Hi has 32 significant bits, so k * kLn2Hi is exact for |k| < 2^20.
  const V r = hn::Sub(hn::Sub(xc, hn::Mul(k, hn::Set(d, 6.93147180369123816490e-01))),
                      hn::Mul(k, hn::Set(d, 1.90821492927058770002e-10)));
  const auto ki = hn::ConvertTo(di, k);
  const auto k1 = hn::ShiftRight<1>(ki);
  const auto k2 = hn::Sub(ki, k1);
  const auto bias = hn::Set(di, 1023);
  return {r, hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(k1, bias))),
          hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(k2, bias)))};
}

// expm1(r) for |r| <= 0.35 by its Taylor series through r^14 (the first
// omitted term, r^15/15!, is below 2^-60 |r|, so the sum is accurate to
// rounding). Horner evaluation r (1 + r (1/2! + r (1/3! + ... + r / 14!))),
// one multiply and one add per degree.
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1Small(D d, V r) {
  static_assert(sizeof(T) == 8);
  constexpr std::size_t kDegree = 14;
  constexpr auto kInvFactorial = [] {
    std::array<double, kDegree + 1> c{};
    double f = 1;
    for (std::size_t k = 1; k <= kDegree; ++k) c[k] = 1.0 / (f *= static_cast<double>(k));
    return c;
  }();
  V p = hn::Set(d, kInvFactorial[kDegree]);
  for (std::size_t k = kDegree - 1; k >= 1; --k) p = hn::Add(hn::Set(d, kInvFactorial[k]), hn::Mul(r, p));
  return hn::Mul(r, p);
}

// e^x.
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Exp(D d, V x) {
  const Reduction<D> red = Reduce(d, x);
  const V e = hn::Mul(hn::Mul(hn::Add(Expm1Small<T>(d, red.r), hn::Set(d, 1.0)), red.s1), red.s2);
  return hn::IfThenElse(hn::IsNaN(x), x, e);
}

// e^x - 1 = 2^k expm1(r) + (2^k - 1): both terms exact for the k that matter, so
// one rounding in the sum (k = 0 gives expm1(r) itself, keeping tiny x exact).
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1(D d, V x) {
  const Reduction<D> red = Reduce(d, x);
  const V s = hn::Mul(red.s1, red.s2);
  const V scaled = hn::Mul(hn::Mul(Expm1Small<T>(d, red.r), red.s1), red.s2);
  const V e = hn::Add(scaled, hn::Sub(s, hn::Set(d, 1.0)));
  return hn::IfThenElse(hn::IsNaN(x), x, e);
}

// e^z for z <= 0 (or NaN) on double lanes, to 2^-31 relative: enough for a
// result rounded to float. Fused multiply-adds (Fma: std::fma on targets
// without FMA, so every target gives the same bits): the reduction
// z = k ln2 + r in two of them, then Taylor through r^8 by Horner (the first
// omitted term, r^9/9!, is below 2^-32 for |r| <= 0.35). Below -200 the
// result (< 2^-288) is far under float's smallest subnormal; clamping there
// keeps 2^k a normal double.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpForFloat(D d, V z) {
  const hn::RebindToSigned<D> di;
  const V zc = hn::Max(z, hn::Set(d, -200.0));
  const V k = hn::Round(hn::Mul(zc, hn::Set(d, 1.4426950408889634)));
  V r = Fma(d, hn::Neg(k), hn::Set(d, 6.93147180369123816490e-01), zc);
  r = Fma(d, hn::Neg(k), hn::Set(d, 1.90821492927058770002e-10), r);
  V p = hn::Set(d, 1.0 / 40320);
  for (const double c : {1.0 / 5040, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1.0, 1.0}) p = Fma(d, p, r, hn::Set(d, c));
  const V scale = hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(hn::ConvertTo(di, k), hn::Set(di, 1023))));
  return hn::IfThenElse(hn::IsNaN(z), z, hn::Mul(p, scale));
}

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_SIMD_MATH_INL_H_
