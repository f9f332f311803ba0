// exp-based float32 math in float lanes, carrying the few extra bits that a
// result within 1 ULP needs as unevaluated sums hi + lo (double-float).
//
// Why not round e^x to float and go on from there: sigmoid(x) = 1 / (1 + e)
// then rounds three times (e, 1 + e, the quotient), up to ~1.5 ULP. Here e^z
// is kept as 2^k times a pair hi + lo (ExpTable), and sigmoid, tanh, ELU and
// the derivatives of sigmoid and tanh, where |x| < 7.875, are piecewise
// polynomials whose value is a pair too (EvaluatePieces): every sum that
// would lose bits is exact, so the result rounds about once (measured:
// tests/exhaustive_test.cc, every float input).
//
// Every multiply-add below is fused. Targets without FMA (SSE4, SSSE3,
// scalar) compute it lane by lane with std::fma, which is correctly rounded:
// every target gives the same bits, and the fallback targets are slower.

#if defined(ACTIVA_FLOAT_MATH_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_FLOAT_MATH_INL_H_
#undef ACTIVA_FLOAT_MATH_INL_H_
#else
#define ACTIVA_FLOAT_MATH_INL_H_
#endif

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <hwy/highway.h>

#include "src/kernels/exp2_table.h"
#include "src/kernels/taylor.h"
#include "src/kernels/twin-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// a * b + c rounded once.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Fma(D d, V a, V b, V c) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulAdd(a, b, c);
#else
  if constexpr (hn::kIsTwin<D>) {
    const typename D::Inner d1;
    return {Fma(d1, a.a, b.a, c.a), Fma(d1, a.b, b.b, c.b)};
  } else {
    using T = hn::TFromD<D>;
    constexpr std::size_t kMax = HWY_MAX_BYTES / sizeof(T);
    alignas(HWY_MAX_BYTES) T va[kMax], vb[kMax], vc[kMax];
    hn::StoreU(a, d, va);
    hn::StoreU(b, d, vb);
    hn::StoreU(c, d, vc);
    for (std::size_t i = 0; i < hn::Lanes(d); ++i) va[i] = std::fma(va[i], vb[i], vc[i]);
    return hn::LoadU(d, va);
  }
#endif
}

// c - a * b rounded once (one instruction with FMA; a negation spelled out
// as Neg is a separate XOR the compiler does not fold).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V NegFma(D d, V a, V b, V c) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::NegMulAdd(a, b, c);
#else
  return Fma(d, hn::Neg(a), b, c);
#endif
}

// a * b - c rounded once.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V FmaSub(D d, V a, V b, V c) {
#if HWY_NATIVE_FMA
  (void)d;
  return hn::MulSub(a, b, c);
#else
  return Fma(d, a, b, hn::Neg(c));
#endif
}

// -|x|: the sign bit set, one operation (Neg(Abs(x)) is two).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V NegAbs(D d, V x) {
  return hn::Or(x, hn::SignBit(d));
}

// The vector of v, built from an immediate (a broadcast from a general
// register) where the compiler would load it from the constant pool: for the
// cheapest bodies, whose calls at 4 Ki floats and three arrays fill the L1,
// one line fewer a call (dispatch.cc, DispatchState).
template <class D>
HWY_INLINE hn::Vec<D> SetUnloaded(D d, hn::TFromD<D> v) {
#if defined(__GNUC__)
  const hn::RebindToUnsigned<D> du;
  auto bits = std::bit_cast<hn::TFromD<decltype(du)>>(v);
  asm("" : "+r"(bits));  // opaque: the compiler cannot fold it back into a load
  return hn::BitCast(d, hn::Set(du, bits));
#else
  return hn::Set(d, v);
#endif
}

template <class V>
struct Pair {
  V hi, lo;  // the value hi + lo, |lo| small next to |hi|
};

// hi + lo = a + b exactly, hi = fl(a + b) (Knuth; any magnitudes).
template <class V>
HWY_INLINE Pair<V> TwoSum(V a, V b) {
  const V s = hn::Add(a, b);
  const V bb = hn::Sub(s, a);
  const V err = hn::Add(hn::Sub(a, hn::Sub(s, bb)), hn::Sub(b, bb));
  return {s, err};
}

// The same when |a| >= |b| or a = 0 (Dekker).
template <class V>
HWY_INLINE Pair<V> FastTwoSum(V a, V b) {
  const V s = hn::Add(a, b);
  return {s, hn::Sub(b, hn::Sub(s, a))};
}

// 2^k for integral k in [-126, 127], from the exponent bits.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Pow2(D d, hn::Vec<hn::RebindToSigned<D>> k) {
  return hn::BitCast(d, hn::ShiftLeft<23>(hn::Add(k, hn::Set(hn::RebindToSigned<D>(), 127))));
}

// v * 2^k where v 2^(k + 64) is a normal float (the callers: k in [-159, 2],
// v in [0.24, 2], so it lies in [2^-98, 2^67]): that product is exact, and the
// constant 2^-64 then rounds a subnormal result once.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Scale(D d, V v, hn::Vec<hn::RebindToSigned<D>> k) {
  return hn::Mul(hn::Mul(v, Pow2(d, hn::Add(k, hn::Set(hn::RebindToSigned<D>(), 64)))), hn::Set(d, 0x1p-64f));
}

#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
// Lanes of table[0, 8 << kBits) at the low 3 + kBits bits of i, on
// AVX2's 8 float lanes: a permutation of each 8 entries (vpermps reads an
// index's low three bits), then a blend a bit above them picks between
// halves, from bit 3 up. Gathers cost ~20 cycles each on the Ice Lake-SP
// guest measured here: sigmoid's forward, seven gathers a vector of 8, took
// ~160 cycles a vector (the Gather Data Sampling microcode slows gathers on
// many Intel parts; whether it did here, where Linux reports the guest not
// affected, is not known).
template <int kBits>
HWY_INLINE __m256 PermuteTable(const float* table, __m256i i) {
  if constexpr (kBits == 0) {
    return _mm256_permutevar8x32_ps(_mm256_loadu_ps(table), i);
  } else {
    constexpr int kHalf = 8 << (kBits - 1);
    const __m256 bit = _mm256_castsi256_ps(_mm256_slli_epi32(i, 31 - (2 + kBits)));
    return _mm256_blendv_ps(PermuteTable<kBits - 1>(table, i), PermuteTable<kBits - 1>(table + kHalf, i),
                            bit);
  }
}
#endif

// Lanes of the 16-entry table at the indices j (in [0, 16)): one permutation
// where a vector holds the table (AVX-512), two and a blend on AVX2, else a
// gather; the same bits either way.
template <class D>
HWY_INLINE hn::Vec<D> Lookup16(D d, hn::Vec<hn::RebindToSigned<D>> j, const hn::TFromD<D>* table) {
  if constexpr (hn::kIsTwin<D>) {
    const typename D::Inner d1;
    return {Lookup16(d1, j.a, table), Lookup16(d1, j.b, table)};
  } else if constexpr (hn::MaxLanes(D()) == 16) {
    return hn::TableLookupLanes(hn::LoadU(d, table), hn::IndicesFromVec(d, j));
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  } else if constexpr (hn::MaxLanes(D()) == 8 && sizeof(hn::TFromD<D>) == 4) {
    return {PermuteTable<1>(table, j.raw)};
#endif
  } else {
    return hn::GatherIndex(d, table, j);
  }
}

// Lanes of a 32-entry table at the indices i mod 32 (the low five bits): one
// two-table permutation on AVX-512, which reads only those bits, four
// permutations and three blends on AVX2 (PermuteTable, the same bits), else
// a gather of the masked indices; the same bits either way.
template <class D>
HWY_INLINE hn::Vec<D> Lookup32(D d, hn::Vec<hn::RebindToSigned<D>> i, const hn::TFromD<D>* table) {
  if constexpr (hn::kIsTwin<D>) {
    const typename D::Inner d1;
    return {Lookup32(d1, i.a, table), Lookup32(d1, i.b, table)};
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  } else if constexpr (hn::MaxLanes(D()) == 16 && sizeof(hn::TFromD<D>) == 4) {
    return {_mm512_permutex2var_ps(hn::LoadU(d, table).raw, i.raw, hn::LoadU(d, table + 16).raw)};
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  } else if constexpr (hn::MaxLanes(D()) == 8 && sizeof(hn::TFromD<D>) == 4) {
    return {PermuteTable<2>(table, i.raw)};
#endif
  } else {
    return hn::GatherIndex(d, table, hn::And(i, hn::Set(hn::RebindToSigned<D>(), 31)));
  }
}

// e^z = 2^k m for z in [-110, 0], m a normalized pair in [0.97, 1.96],
// accurate to ~2^-29 relative to e^z, from 2^(j/16) looked up:
// - n = 16k + j = round(16 z / ln2), as the low bits of 16 z / ln2 + 1.5 * 2^23;
// - r = z - n ln2/16, |r| <= 0.0217: ln2/16 = C + delta, and z - n C is exact
//   (C has 21 significant bits, n at most 12, and the difference needs no
//   more than 24: where n != 0, |z| > 0.021, so z is a multiple of 2^-29);
//   -n delta (< 2^-21) is added with one rounding, 2^-24 |r| < 2^-29.5;
// - e^r - 1 = p by its Taylor series through r^4 (r^5/5! < 2^-34), one
//   rounding of 2^-24 |p| < 2^-29.5 at the end;
// - m = 2^(j/16) e^r = hi_j + (hi_j p + lo_j), the table's parts
//   (exp2_table.h), the sum two-summed.
// 17 operations.
template <class D, class V = hn::Vec<D>>
struct ExpScaled {
  hn::Vec<hn::RebindToSigned<D>> k;
  Pair<V> m;
};

template <class D, class V = hn::Vec<D>>
HWY_INLINE ExpScaled<D> ExpTable(D d, V z) {
  const hn::RebindToSigned<D> di;
  const V magic = hn::Set(d, 0x1.8p23f);
  const V big = Fma(d, z, hn::Set(d, 0x1.715476p+4f), magic);  // 16 / ln2
  const V n = hn::Sub(big, magic);
  const V r_hi = Fma(d, n, hn::Set(d, -0x1.62e43p-5f), z);   // -C
  const V r = Fma(d, n, hn::Set(d, 0x1.05c61p-33f), r_hi);  // -delta
  V c = Fma(d, r, hn::Set(d, 1.0f / 24), hn::Set(d, 1.0f / 6));
  c = Fma(d, c, r, hn::Set(d, 0.5f));
  const V p = Fma(d, hn::Mul(r, r), c, r);
  const auto bits = hn::BitCast(di, big);
  const auto j = hn::And(bits, hn::Set(di, 15));
  const V hi = Lookup16(d, j, detail::kExp2Hi);
  // bits = bits(magic) + n exactly: |n| < 2^22 stays in magic's binade.
  return {hn::ShiftRight<4>(hn::Sub(bits, hn::BitCast(di, magic))),
          FastTwoSum(hi, Fma(d, hi, p, Lookup16(d, j, detail::kExp2Lo)))};
}

// s = u - n/4 for n = round(4u), ties to even, as 4u + 1.5 * 2^23 rounds it
// in `big`: exact (|s| <= 1/8). With kReduce, on AVX-512, one `vreduceps` (2
// fraction bits, ties to even, no precision exception); else n = big - magic
// and one fused multiply-add: the same bits. A/B, one thread, float32:
// `vreduceps` made sigmoid, tanh and ELU forward 1.04x-1.09x faster at 4 Ki
// and 256 Ki, but sigmoid's backward 0.88x at 32 Ki and 0.85x at 256 Ki
// (1.07x at 4 Ki; the two-operation path there: 1.00x): the forward bodies
// take it, the backward ones not.
template <bool kReduce, float kDirection = 1.0f, class D, class V>
HWY_INLINE V PieceOffset(D d, V u, V big, V magic) {
  if constexpr (hn::kIsTwin<D>) {
    const typename D::Inner d1;
    return {PieceOffset<kReduce, kDirection>(d1, u.a, big.a, magic.a),
            PieceOffset<kReduce, kDirection>(d1, u.b, big.b, magic.b)};
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  } else if constexpr (kReduce && hn::MaxLanes(D()) == 16 && sizeof(hn::TFromD<D>) == 4) {
    return {_mm512_reduce_ps(u.raw, (2 << 4) | _MM_FROUND_NO_EXC | _MM_FROUND_TO_NEAREST_INT)};
#endif
  } else {
    return NegFma(d, hn::Sub(big, magic), hn::Set(d, kDirection / detail::kPiecesPerUnit), u);
  }
}

#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
// On AVX2's 8 float lanes, c[0..8) of each lane's piece (i's low five bits)
// from the table's rows (taylor.h, kPieceRows): the rows' byte offsets go
// through the stack, each lane pair (p, p + 4) has its rows' halves loaded
// into the two halves of a vector, and two 4x4 transposes within the halves
// (16 shuffles) leave coefficient k in vector k. For 7 coefficients, 15
// shuffles, 8 inserts and 24 loads, where a permutation per 8 entries
// (PermuteTable) took 28 permutations and 21 blends; the same values.
// Sigmoid, tanh and ELU forward 1.23x-1.35x, sigmoid's and tanh's backward
// 1.24x-1.55x at 16 Ki and 256 Ki (docs/bench.md), though a quad's 28
// coefficients spill from AVX2's 16 registers (computing them nearer their
// use, or a vector at a time, ran slower).
template <const auto& kTable>
HWY_INLINE void PieceRows(__m256i i, __m256 (&c)[8]) {
  const char* rows = reinterpret_cast<const char*>(detail::kPieceRows<kTable>.r);
  alignas(32) std::int32_t at[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(at),
                     _mm256_and_si256(_mm256_slli_epi32(i, 5), _mm256_set1_epi32(31 << 5)));
  // Read back from memory: GCC would extract the lanes (vpextrd, two
  // operations each, one on the shuffle port).
  asm("" : "+m"(at));
  __m256 t[8];
  for (int p = 0; p < 4; ++p) {
    const float* low = reinterpret_cast<const float*>(rows + at[p]);
    const float* high = reinterpret_cast<const float*>(rows + at[p + 4]);
    t[p] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_load_ps(low)), _mm_load_ps(high), 1);
    t[p + 4] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_load_ps(low + 4)), _mm_load_ps(high + 4), 1);
  }
  for (int h = 0; h < 8; h += 4) {
    const __m256 ab0 = _mm256_unpacklo_ps(t[h], t[h + 1]), ab1 = _mm256_unpackhi_ps(t[h], t[h + 1]);
    const __m256 cd0 = _mm256_unpacklo_ps(t[h + 2], t[h + 3]), cd1 = _mm256_unpackhi_ps(t[h + 2], t[h + 3]);
    c[h] = _mm256_shuffle_ps(ab0, cd0, 0x44);
    c[h + 1] = _mm256_shuffle_ps(ab0, cd0, 0xEE);
    c[h + 2] = _mm256_shuffle_ps(ab1, cd1, 0x44);
    c[h + 3] = _mm256_shuffle_ps(ab1, cd1, 0xEE);
  }
}
#endif

// Whether D's lanes take their coefficients from the rows (PieceRows).
template <class D>
constexpr bool PieceRowLookup() {
#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  if constexpr (!hn::kIsTwin<D>) return hn::MaxLanes(D()) == 8 && sizeof(hn::TFromD<D>) == 4;
#endif
  return false;
}

// Coefficient k of each lane's piece at the table indices i: a lookup of
// c[k] where it is used (Lookup32), or on AVX2 all of them at once from the
// rows (PieceRows); a twin's halves each their own.
template <const auto& kTable, class D, class = void>
struct PieceCoefficients {
  hn::Vec<hn::RebindToSigned<D>> i;
  HWY_INLINE hn::Vec<D> operator[](std::size_t k) const { return Lookup32(D(), i, kTable.c[k]); }
};

template <const auto& kTable, class D1>
struct PieceCoefficients<kTable, hn::TwinD<D1>> {
  PieceCoefficients<kTable, D1> a, b;
  explicit PieceCoefficients(hn::Twin<hn::Vec<hn::RebindToSigned<D1>>> i) : a{i.a}, b{i.b} {}
  HWY_INLINE hn::Twin<hn::Vec<D1>> operator[](std::size_t k) const { return {a[k], b[k]}; }
};

#if HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
template <const auto& kTable, class D>
struct PieceCoefficients<kTable, D, std::enable_if_t<PieceRowLookup<D>()>> {
  hn::Vec<hn::RebindToSigned<D>> i;
  __m256 c[8];
  explicit PieceCoefficients(hn::Vec<hn::RebindToSigned<D>> at) : i(at) { PieceRows<kTable>(i.raw, c); }
  // Past the rows' 8 (tanh's derivative has 9), a lookup.
  HWY_INLINE hn::Vec<D> operator[](std::size_t k) const {
    return k < 8 ? hn::Vec<D>{c[k]} : Lookup32(D(), i, kTable.c[k]);
  }
};
#endif

// A piecewise polynomial (taylor.h: the table kTable) at u in [0,
// kPiecesEnd): u lies in piece i = round(4u), at s = u - i/4 in [-1/8, 1/8]
// (exact: s is a float). 4u +
// 1.5 * 2^23 rounds 4u to an integer and holds it in its low bits, the table
// index (two instructions where a conversion to integer costs Highway five).
// The coefficients are those of t = 4s scaled by 4^k (taylor.h), so every
// rounding below is the one the polynomial in t would make, scaled by a
// power of two. The value is f(i/4) + w: hi = f(i/4) to a multiple of 2^-24
// (taylor.h), and w = lo + t p1 + t^2 (p2 + t p3 + ...) rounded once more by
// the last fused multiply-add. |t p1| <= |f'| / 8, so for sigmoid's tail
// (|f'| <= f) that rounding costs at most 1/8 ULP of the result, and the
// rest less. Lanes with u outside [0, kPiecesEnd) get values the caller
// must discard. kReduce: PieceOffset's. A mirrored table (taylor.h, Mirror)
// takes x = -u itself: i = round(-4x), at x + i/4 = -s.
template <const auto& kTable, bool kReduce = false, class D, class V = hn::Vec<D>>
HWY_INLINE Pair<V> EvaluatePieces(D d, V u) {
  using Table = std::remove_cvref_t<decltype(kTable)>;
  constexpr float kDirection = Table::kDirection;
  const V magic = hn::Set(d, 0x1.8p23f), per_unit = hn::Set(d, kDirection * detail::kPiecesPerUnit);
  const V big = Fma(d, u, per_unit, magic);
  const PieceCoefficients<kTable, D> c(hn::BitCast(hn::RebindToSigned<D>(), big));
  const V s = PieceOffset<kReduce, kDirection>(d, u, big, magic);
  constexpr std::size_t kTop = Table::kDegree + 1;
  V q = c[kTop];
  for (std::size_t k = kTop - 1; k >= 3; --k) q = Fma(d, q, s, c[k]);
  V w = Fma(d, hn::Mul(s, s), q, c[1]);
  if constexpr (Table::kPairedSlope) w = Fma(d, s, c[Table::kDegree + 2], w);
  return {c[0], Fma(d, s, c[2], w)};
}

// The integers whose order is that of a piece table's argument v = u /
// kDirection on its bits (AllInsidePieces): signed for u = v, unsigned for a
// mirrored table's v = -u.
template <float kDirection, class D>
using PiecesOrder = std::conditional_t<(kDirection > 0), hn::RebindToSigned<D>, hn::RebindToUnsigned<D>>;

// Whether every lane of v is inside the pieces, u = kDirection v below
// kPiecesEnd, tested on v's bits as integers (PiecesOrder): a twin or quad
// takes the integer max of its vectors first, and tests once: one branch a
// quad instead of four, 1.04x-1.07x for sigmoid, tanh and ELU forward on
// inputs in [-6, 6] (0.98x-0.99x on [-20, 20], where most quads straddle
// kPiecesEnd and go on to the lane test). For v = u (|x|), as signed
// integers, +inf and a NaN (sign clear, as |x| gives) are above every
// number. For a mirrored table's v = -u (ELU's x), as unsigned integers
// against -kPiecesEnd's bits: a negative v is below them where -v <
// kPiecesEnd, and -inf and a NaN with its sign set are above; every v with
// its sign clear (ELU's x >= 0, +inf, +NaN) is below, where ELU's final
// select returns x either way.
template <float kDirection = 1.0f, class D, class V>
HWY_INLINE bool AllInsidePieces(D d, V v) {
  if constexpr (hn::kIsTwin<D>) {
    const typename D::Inner d1;
    const PiecesOrder<kDirection, decltype(d1)> di;
    return AllInsidePieces<kDirection>(d1, hn::BitCast(d1, hn::Max(hn::BitCast(di, v.a), hn::BitCast(di, v.b))));
  } else {
    const PiecesOrder<kDirection, D> di;
    const auto end = hn::BitCast(di, hn::Set(d, kDirection * detail::kPiecesEnd));
    return hn::AllTrue(di, hn::BitCast(di, v) < end);
  }
}

// A function of u = |x| (kDirection -1: of x = -u, ELU's) from its pieces for
// u < kPiecesEnd (near(v)), else from far(), which must hold for infinities
// and NaN too. A lane's result depends on its own input only: a vector with
// lanes on both sides takes both paths and blends; far() is out of line, as
// rare on most data.
template <float kDirection = 1.0f, class D, class V, class Near, class Far>
HWY_INLINE V Piecewise(D d, V v, const Near& near, const Far& far) {
  if (HWY_LIKELY(AllInsidePieces<kDirection>(d, v))) return near(v);
  const auto inside = kDirection > 0 ? v < hn::Set(d, detail::kPiecesEnd) : v > hn::Set(d, -detail::kPiecesEnd);
  if (hn::AllFalse(d, inside)) return far();
  return hn::IfThenElse(inside, near(v), far());
}

// Past the pieces, e = exp(z) <= 3.8e-4 (z <= -7.875, or -inf, or NaN), and
// 1 / (1 + e)^p = 1 + d to e^3 without a division. SmallExp: e = 2^k m
// (ExpTable), and in e1 its float (2^k capped at 2^-100, where e no longer
// shows next to 1), from which d is computed (to 2^-24 of itself).
template <class D, class V = hn::Vec<D>>
HWY_INLINE ExpScaled<D> SmallExp(D d, V z, V& e1) {
  const ExpScaled<D> e = ExpTable(d, hn::Max(z, hn::Set(d, -110.0f)));
  e1 = hn::Mul(e.m.hi, Pow2(d, hn::Max(e.k, hn::Set(hn::RebindToSigned<D>(), -100))));
  return e;
}

// e^z to 2^-18 relative, where only the sum with 1 needs it (tanh's and
// ELU's tails: e < 3.8e-4 moves 1 by less than 2^-11, so the error stays
// below 2^-29 of the result). z is clamped to [-40, 0] first (e^-40 no
// longer shows next to 1; a NaN becomes 0, for the caller to replace; a
// lane above 0 is one the caller discards): z = k ln2 + r, |r| <= ln2/2
// (k from the low bits of z/ln2 + 1.5 * 2^23, r with one fused
// multiply-add, off by k times ln2's rounding, < 2^-23 relative), e^r by its
// series through r^5 (r^6/6! < 2^-18.6), times 2^k. 13 operations.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V CoarseExp(D d, V z) {
  z = hn::Max(hn::Min(z, hn::Zero(d)), hn::Set(d, -40.0f));
  const V magic = hn::Set(d, 0x1.8p23f);
  const V big = Fma(d, z, hn::Set(d, 1.44269504088896341f), magic);  // log2(e)
  const auto di = hn::RebindToSigned<D>();
  const V k = hn::Sub(big, magic);
  const V r = NegFma(d, k, hn::Set(d, 6.931471806e-01f), z);
  V p = Fma(d, r, hn::Set(d, 1.0f / 120), hn::Set(d, 1.0f / 24));
  p = Fma(d, p, r, hn::Set(d, 1.0f / 6));
  p = Fma(d, p, r, hn::Set(d, 0.5f));
  p = Fma(d, p, r, hn::Set(d, 1.0f));
  p = Fma(d, p, r, hn::Set(d, 1.0f));
  return hn::Mul(p, Pow2(d, hn::Sub(hn::BitCast(di, big), hn::BitCast(di, magic))));
}

// 2^j e (1 + d) = 2^(k + j) (m.hi + m.lo + m.hi d), j in [0, 2]: the sum
// rounded once, 2^(k + j) applied last (a second rounding where the result
// is subnormal).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V OnePlusTimes(D d, const ExpScaled<D>& e, V delta, int j = 0) {
  const auto k = hn::Add(e.k, hn::Set(hn::RebindToSigned<D>(), j));
  return Scale(d, hn::Add(e.m.hi, Fma(d, e.m.hi, delta, e.m.lo)), k);
}

// 2^j e / (1 + e)^2 = 2^j e (1 + d), d = 3e^2 - 2e (4e^3 < 2^-32 left): the
// derivative of sigmoid (j = 0, z = -|x|) and of tanh (j = 2, z = -2|x|)
// past their pieces. NaN where z is NaN.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ExpOverSquareTail(D d, V z, int j) {
  V e1;
  const ExpScaled<D> e = SmallExp(d, z, e1);
  return OnePlusTimes(d, e, hn::Mul(e1, Fma(d, e1, hn::Set(d, 3.0f), hn::Set(d, -2.0f))), j);
}

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_FLOAT_MATH_INL_H_
