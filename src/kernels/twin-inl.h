// Twin: two vectors (or masks) that every op processes side by side, so that
// a body written for one vector runs on two (or, nested, four) with their
// instructions interleaved in program order.
//
// Why: a float32 exp-based body is one dependency chain of ~150 cycles and
// 50-70 instructions per vector. Emitted one vector after another, the
// out-of-order window (97 scheduler entries on the Cascade Lake machine this
// was measured on) holds mostly instructions waiting on that one chain, and
// the two vector ports idle ~40% of the time. Four interleaved chains keep them busy: sigmoid,
// tanh and ELU run 1.4-1.85x faster, with the same bits, since each lane's
// arithmetic is unchanged (the old and new library alternated in one shell;
// docs/bench.md, "Where activa stands").
//
// The overloads live in Highway's namespace because the bodies call
// Highway's ops by qualified name (hn::Add); only the ops that the bodies and
// drivers use are here.

#if defined(ACTIVA_TWIN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_TWIN_INL_H_
#undef ACTIVA_TWIN_INL_H_
#else
#define ACTIVA_TWIN_INL_H_
#endif

#include <cstddef>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace hwy::HWY_NAMESPACE {

// The tag of a Twin: D1's lanes, twice.
template <class D1>
struct TwinD {
  using T = TFromD<D1>;
  using Inner = D1;
  template <class NewT>
  using Rebind = TwinD<hwy::HWY_NAMESPACE::Rebind<NewT, D1>>;
};

// Two vectors or two masks: lanes [0, n) and [n, 2n).
template <class V>
struct Twin {
  V a, b;
};

template <class D>
inline constexpr bool kIsTwin = false;
template <class D1>
inline constexpr bool kIsTwin<TwinD<D1>> = true;

// Four vectors: a twin of twins.
template <class D>
using QuadD = TwinD<TwinD<D>>;

// op applied to the first halves, then to the second.
template <class F, class... X>
HWY_INLINE auto Each(const F& op, const Twin<X>&... x) {
  return Twin<decltype(op(x.a...))>{op(x.a...), op(x.b...)};
}

// Tags, loads and stores.
template <class D1>
HWY_INLINE std::size_t Lanes(TwinD<D1>) {
  return 2 * Lanes(D1());
}
template <class D1>
HWY_INLINE auto Zero(TwinD<D1>) {
  return Twin<decltype(Zero(D1()))>{Zero(D1()), Zero(D1())};
}
template <class D1, class T>
HWY_INLINE auto Set(TwinD<D1>, T t) {
  return Twin<decltype(Set(D1(), t))>{Set(D1(), t), Set(D1(), t)};
}
template <class D1, class T>
HWY_INLINE auto LoadU(TwinD<D1>, const T* p) {
  return Twin<decltype(LoadU(D1(), p))>{LoadU(D1(), p), LoadU(D1(), p + Lanes(D1()))};
}
template <class V, class D1, class T>
HWY_INLINE void StoreU(Twin<V> v, TwinD<D1>, T* p) {
  StoreU(v.a, D1(), p);
  StoreU(v.b, D1(), p + Lanes(D1()));
}

// Conversions into the tag's type.
// clang-format off
template <class D1, class V> HWY_INLINE auto BitCast(TwinD<D1>, Twin<V> v) { return Each([](auto x) { return BitCast(D1(), x); }, v); }
template <class D1, class V> HWY_INLINE auto ConvertTo(TwinD<D1>, Twin<V> v) { return Each([](auto x) { return ConvertTo(D1(), x); }, v); }
template <class D1, class V> HWY_INLINE auto PromoteTo(TwinD<D1>, Twin<V> v) { return Each([](auto x) { return PromoteTo(D1(), x); }, v); }
template <class D1, class V> HWY_INLINE auto DemoteTo(TwinD<D1>, Twin<V> v) { return Each([](auto x) { return DemoteTo(D1(), x); }, v); }
template <class D1, class M> HWY_INLINE auto RebindMask(TwinD<D1>, Twin<M> m) { return Each([](auto x) { return RebindMask(D1(), x); }, m); }
template <class D1, class M> HWY_INLINE auto VecFromMask(TwinD<D1>, Twin<M> m) { return Each([](auto x) { return VecFromMask(D1(), x); }, m); }
template <class V> HWY_INLINE auto MaskFromVec(Twin<V> v) { return Each([](auto x) { return MaskFromVec(x); }, v); }

// Arithmetic, comparisons, classes and selects (And, Or: on vectors; Or on masks too).
template <class V> HWY_INLINE auto Neg(Twin<V> x) { return Each([](auto... v) { return Neg(v...); }, x); }
template <class V> HWY_INLINE auto Abs(Twin<V> x) { return Each([](auto... v) { return Abs(v...); }, x); }
template <class V> HWY_INLINE auto Round(Twin<V> x) { return Each([](auto... v) { return Round(v...); }, x); }
template <class V> HWY_INLINE auto Add(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Add(v...); }, x, y); }
template <class V> HWY_INLINE auto Sub(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Sub(v...); }, x, y); }
template <class V> HWY_INLINE auto Mul(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Mul(v...); }, x, y); }
template <class V> HWY_INLINE auto Div(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Div(v...); }, x, y); }
template <class V> HWY_INLINE auto Min(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Min(v...); }, x, y); }
template <class V> HWY_INLINE auto Max(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Max(v...); }, x, y); }
template <class V> HWY_INLINE auto And(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return And(v...); }, x, y); }
template <class V> HWY_INLINE auto Or(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Or(v...); }, x, y); }
template <class V> HWY_INLINE auto Xor(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Xor(v...); }, x, y); }
template <class V> HWY_INLINE auto CopySign(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return CopySign(v...); }, x, y); }
template <class V> HWY_INLINE auto MulAdd(Twin<V> x, Twin<V> y, Twin<V> z) { return Each([](auto... v) { return MulAdd(v...); }, x, y, z); }
template <class V> HWY_INLINE auto MulSub(Twin<V> x, Twin<V> y, Twin<V> z) { return Each([](auto... v) { return MulSub(v...); }, x, y, z); }
template <class V> HWY_INLINE auto NegMulAdd(Twin<V> x, Twin<V> y, Twin<V> z) { return Each([](auto... v) { return NegMulAdd(v...); }, x, y, z); }
template <int kBits, class V> HWY_INLINE auto ShiftLeft(Twin<V> x) { return Each([](auto v) { return ShiftLeft<kBits>(v); }, x); }
template <int kBits, class V> HWY_INLINE auto ShiftRight(Twin<V> x) { return Each([](auto v) { return ShiftRight<kBits>(v); }, x); }
template <class V> HWY_INLINE auto operator<(Twin<V> x, Twin<V> y) { return Each([](auto p, auto q) { return p < q; }, x, y); }
template <class V> HWY_INLINE auto operator>(Twin<V> x, Twin<V> y) { return Each([](auto p, auto q) { return p > q; }, x, y); }
template <class V> HWY_INLINE auto operator<=(Twin<V> x, Twin<V> y) { return Each([](auto p, auto q) { return p <= q; }, x, y); }
template <class V> HWY_INLINE auto operator>=(Twin<V> x, Twin<V> y) { return Each([](auto p, auto q) { return p >= q; }, x, y); }
template <class V> HWY_INLINE auto Eq(Twin<V> x, Twin<V> y) { return Each([](auto... v) { return Eq(v...); }, x, y); }
template <class V> HWY_INLINE auto IsNaN(Twin<V> x) { return Each([](auto... v) { return IsNaN(v...); }, x); }
template <class V> HWY_INLINE auto IsFinite(Twin<V> x) { return Each([](auto... v) { return IsFinite(v...); }, x); }
template <class M, class V> HWY_INLINE auto IfThenElse(Twin<M> m, Twin<V> x, Twin<V> y) { return Each([](auto... v) { return IfThenElse(v...); }, m, x, y); }
template <class M, class V> HWY_INLINE auto IfThenElseZero(Twin<M> m, Twin<V> x) { return Each([](auto... v) { return IfThenElseZero(v...); }, m, x); }
// clang-format on

template <class D1, class M>
HWY_INLINE bool AllTrue(TwinD<D1>, Twin<M> m) {
  return AllTrue(D1(), m.a) && AllTrue(D1(), m.b);
}
template <class D1, class M>
HWY_INLINE bool AllFalse(TwinD<D1>, Twin<M> m) {
  return AllFalse(D1(), m.a) && AllFalse(D1(), m.b);
}

}  // namespace hwy::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_TWIN_INL_H_
