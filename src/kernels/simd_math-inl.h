// exp and expm1 on double lanes, written with plain multiplies and adds (no FMA)
// so every Highway target computes the same bits: the reason activa does not
// use hwy/contrib/math here (its MulAdd is fused on AVX2/AVX-512 and not on
// SSE4, and its Exp returns 0 for NaN in Highway 1.0.3).
//
// Both are within 1 ULP of the exact value over all doubles, propagate NaN,
// saturate at ±inf, and keep subnormal results (2^k is applied as two factors).
// The template parameter T is the type the result will be rounded to: for
// float (softmax, which computes float32 in double), a shorter polynomial
// (relative error 2^-37, far below float's 2^-24) suffices, since the double
// result is rounded to float once. Float32 sigmoid, tanh and ELU use
// float_math-inl.h instead.

#if defined(ACTIVA_SIMD_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_SIMD_MATH_INL_H_
#undef ACTIVA_SIMD_MATH_INL_H_
#else
#define ACTIVA_SIMD_MATH_INL_H_
#endif

#include <array>

#include <hwy/highway.h>

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

// expm1(r) for |r| <= 0.35 by its Taylor series through r^n: n = 14 for double
// results (the first omitted term, r^15/15!, is below 2^-60 |r|, so the sum is
// accurate to rounding), n = 10 for float results (r^11/11! < 2^-37 |r|).
// Horner evaluation r (1 + r (1/2! + r (1/3! + ... + r / n!))), one multiply
// and one add per degree.
template <class T, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1Small(D d, V r) {
  constexpr std::size_t kDegree = sizeof(T) == 4 ? 10 : 14;
  constexpr auto kInvFactorial = [] {
    std::array<double, kDegree + 1> c{};
    double f = 1;
    for (std::size_t k = 1; k <= kDegree; ++k) c[k] = 1.0 / (f *= static_cast<double>(k));
    return c;
  }();
  if constexpr (sizeof(T) == 4) {
    // Estrin: pairs c_k + c_{k+1} r, combined with r^2, r^4, r^8.
    const V r2 = hn::Mul(r, r), r4 = hn::Mul(r2, r2), r8 = hn::Mul(r4, r4);
    const auto pair = [&](std::size_t k) { return hn::Add(hn::Set(d, kInvFactorial[k]), hn::Mul(r, hn::Set(d, kInvFactorial[k + 1]))); };
    const V q01 = hn::Add(pair(1), hn::Mul(r2, pair(3)));
    const V q23 = hn::Add(pair(5), hn::Mul(r2, pair(7)));
    const V p = hn::Add(hn::Add(q01, hn::Mul(r4, q23)), hn::Mul(r8, pair(9)));
    return hn::Mul(r, p);
  }
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

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_SIMD_MATH_INL_H_
