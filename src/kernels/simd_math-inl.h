// exp and expm1 on double lanes, with fused multiply-adds (Fma, float_math-inl.h:
// std::fma on targets without FMA), so every Highway target computes the same
// bits: the reason activa does not use hwy/contrib/math here (its MulAdd is
// fused on AVX2/AVX-512 and not on SSE4, and its Exp returns 0 for NaN in
// Highway 1.0.3). Against the Taylor series in plain multiplies and adds
// they replaced: 1.6x-1.95x the rate of double sigmoid, tanh and ELU on
// AVX-512, 1.4x-1.7x on AVX2 (sigmoid), 0.13x-0.22x on SSE4, where each fused
// multiply-add is std::fma lane by lane as in float32's code (AMD Zen 4,
// `tools/ab ... --dtype float64 --sizes 4Ki,256Ki --threads 1 [--target T]`).
//
// exp rounds once at the end (0.5 ULP) of a value within ~2^-54 of e^x (r's
// rounding and the polynomial's); expm1's 2^k expm1(r) + (2^k - 1) can double
// the first term's error: float64 ELU with alpha 1, expm1 itself, measured at
// most 1.04 ULP over accuracy_test's Float64ExponentRange (1.13 over 3
// million such inputs). Both propagate NaN, saturate at ±inf, and keep
// subnormal results (2^k is applied as two factors).
// T is the type of the result (double: float32 results use float_math-inl.h,
// and softmax's ExpForFloat at the end of this file).

#if defined(ACTIVA_SIMD_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_SIMD_MATH_INL_H_
#undef ACTIVA_SIMD_MATH_INL_H_
#else
#define ACTIVA_SIMD_MATH_INL_H_
#endif

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
  // rounds to 0. Clamping keeps k within [-1077, 1025] and the factors normal.
  const V xc = hn::Min(hn::Max(x, hn::Set(d, -746.0)), hn::Set(d, 710.0));
  // k = round(x log2(e)) as the low bits of x log2(e) + 1.5 * 2^52.
  const V magic = hn::Set(d, 0x1.8p52);
  const V t = Fma(d, xc, hn::Set(d, 1.4426950408889634), magic);
  const V k = hn::Sub(t, magic);
  // ln2 split (fdlibm): kLn2Hi has 32 significant bits, so k * kLn2Hi and
  // x - k * kLn2Hi are exact; one rounding in r.
  const V r = Fma(d, k, hn::Set(d, -1.90821492927058770002e-10), Fma(d, k, hn::Set(d, -6.93147180369123816490e-01), xc));
  const auto ki = hn::Sub(hn::BitCast(di, t), hn::BitCast(di, magic));
  const auto k1 = hn::ShiftRight<1>(ki);
  const auto bias = hn::Set(di, 1023);
  return {r, hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(k1, bias))),
          hn::BitCast(d, hn::ShiftLeft<52>(hn::Add(hn::Sub(ki, k1), bias)))};
}

// expm1(r) for |r| <= 0.3467 as r + r^2 q(r), q of degree 10 interpolating
// (expm1(r) - r) / r^2 at the Chebyshev nodes of [-0.3467, 0.3467]: with its
// coefficients rounded to double, within 2^-61.3 of expm1(r) relative to e^r
// (in 200-bit arithmetic on 2,001 points; the Taylor series through r^14 took
// 28 operations where this takes 12).
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1Small(D d, V r) {
  static_assert(sizeof(T) == 8);
  V q = hn::Set(d, 0x1.1f7315649f2d7p-29);
  for (const double c : {0x1.af4e092e1705bp-26, 0x1.27e4db5bb725ap-22, 0x1.71de02225a2f3p-19, 0x1.a01a01a6db488p-16,
                         0x1.a01a01abeccc3p-13, 0x1.6c16c16c162cfp-10, 0x1.11111111100d3p-7, 0x1.5555555555556p-5,
                         0x1.5555555555557p-3, 0x1.0000000000000p-1}) {
    q = Fma(d, q, r, hn::Set(d, c));
  }
  return Fma(d, hn::Mul(r, r), q, r);
}

// e^x = 2^k (1 + expm1(r)), 1 + expm1(r) rounded once by scaling it with s1.
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Exp(D d, V x) {
  const Reduction<D> red = Reduce(d, x);
  const V e = hn::Mul(Fma(d, Expm1Small<T>(d, red.r), red.s1, red.s1), red.s2);
  return hn::IfThenElse(hn::IsNaN(x), x, e);
}

// e^x - 1 = 2^k expm1(r) + (2^k - 1): both terms exact for the k that matter, so
// one rounding in the sum (k = 0 gives expm1(r) itself, keeping tiny x exact).
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1(D d, V x) {
  const Reduction<D> red = Reduce(d, x);
  const V s = hn::Mul(red.s1, red.s2);
  const V e = Fma(d, hn::Mul(Expm1Small<T>(d, red.r), red.s1), red.s2, hn::Sub(s, hn::Set(d, 1.0)));
  return hn::IfThenElse(hn::IsNaN(x), x, e);
}

// e^z for z <= 0 (-inf included) on double lanes, to 2^-33 relative: enough
// for a result rounded to float. NaN z gives an unspecified value: the caller
// (softmax) makes such rows NaN as a whole. Fused multiply-adds (Fma:
// std::fma on targets without FMA, so every target gives the same bits),
// thirteen operations (sixteen before 2^k went into the exponent field and the
// NaN select left):
// - k = round(z log2(e)) as the low bits of z log2(e) + 1.5 * 2^52;
// - r = z - k ln2 in one fused multiply-add: fl(ln2) errs by 2.3e-17, times
//   |k| <= 289 that is 2^-47 relative, and |r| <= 0.34658;
// - e^r = 1 + r q(r), q of degree 6 interpolating expm1(r) / r at the
//   Chebyshev nodes of [-0.34658, 0.34658]: within 2^-33.1 relative (measured
//   in long double on 400,001 points), exactly 1 at r = 0;
// - times 2^k by adding k to the exponent field: e^r is in [0.7, 1.42] and
//   k >= -289, so the result is normal and the addition exact, the product
//   by 2^k without a multiply.
// Below -200 the result (< 2^-288) is far under float's smallest subnormal;
// clamping there keeps k small.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpForFloat(D d, V z) {
  const hn::RebindToSigned<D> di;
  const V zc = hn::Max(z, hn::Set(d, -200.0));
  const V magic = hn::Set(d, 0x1.8p52);
  const V t = Fma(d, zc, hn::Set(d, 1.4426950408889634), magic);
  const V r = Fma(d, hn::Sub(t, magic), hn::Set(d, -0.6931471805599453), zc);
  V q = hn::Set(d, 0x1.a15171a5cb917p-13);
  for (const double c : {0x1.6d75353fc8f7fp-10, 0x1.1110c635d8795p-7, 0x1.5554acdded5a0p-5, 0x1.5555556752ac7p-3,
                         0x1.000000287a74ep-1, 0x1.ffffffffffff6p-1}) {
    q = Fma(d, q, r, hn::Set(d, c));
  }
  const V p = Fma(d, r, q, hn::Set(d, 1.0));
  // t's low 12 bits are k mod 2^12 (1.5 * 2^52 has none): shifted to the
  // exponent field, they add k there (mod 2^64, which the sum never wraps).
  return hn::BitCast(d, hn::Add(hn::BitCast(di, p), hn::ShiftLeft<52>(hn::BitCast(di, t))));
}

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_SIMD_MATH_INL_H_
