// Twin: two vectors that every op processes side by side, so that a body
// written for one vector runs on two (or, nested, four) with their
// instructions interleaved in program order.
//
// Why: the float32 exp-based bodies are one dependency chain of ~150 cycles
// and ~70 instructions per vector. Emitted one vector after another, the
// out-of-order window (97 scheduler entries on the AVX-512 machine) holds
// mostly instructions waiting on one chain, and the two vector ports stay
// idle 40% of the time. Four interleaved chains keep them busy: sigmoid,
// tanh and ELU forward run 1.6-1.7x faster, with the same bits, since each
// lane's arithmetic is unchanged (measured on 4 Ki floats against the
// one-vector loop in the same process; docs/bench.md has the table).
//
// The overloads live in Highway's namespace because the bodies call
// Highway's ops by qualified name (hn::Add); only the ops the bodies and
// drivers use are here.

#if defined(ACTIVA_TWIN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_TWIN_INL_H_
#undef ACTIVA_TWIN_INL_H_
#else
#define ACTIVA_TWIN_INL_H_
#endif

#include <cstddef>
#include <type_traits>

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

template <class V>
struct Twin {
  V a, b;  // lanes [0, n) and [n, 2n)
};

template <class M>
struct TwinMask {
  M a, b;
};

template <class D>
inline constexpr bool kIsTwin = false;
template <class D1>
inline constexpr bool kIsTwin<TwinD<D1>> = true;

// Four vectors: a twin of twins.
template <class D>
using QuadD = TwinD<TwinD<D>>;

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

// Lane-wise conversions into the tag's type.
#define ACTIVA_TWIN_CONVERT(OP)                                     \
  template <class D1, class V>                                      \
  HWY_INLINE auto OP(TwinD<D1>, Twin<V> v) {                        \
    return Twin<decltype(OP(D1(), v.a))>{OP(D1(), v.a), OP(D1(), v.b)}; \
  }
ACTIVA_TWIN_CONVERT(BitCast)
ACTIVA_TWIN_CONVERT(ConvertTo)
ACTIVA_TWIN_CONVERT(PromoteTo)
ACTIVA_TWIN_CONVERT(DemoteTo)
#undef ACTIVA_TWIN_CONVERT

template <class D1, class M>
HWY_INLINE auto RebindMask(TwinD<D1>, TwinMask<M> m) {
  return TwinMask<decltype(RebindMask(D1(), m.a))>{RebindMask(D1(), m.a), RebindMask(D1(), m.b)};
}

#define ACTIVA_TWIN_UNARY(OP)               \
  template <class V>                        \
  HWY_INLINE Twin<V> OP(Twin<V> x) {        \
    return {OP(x.a), OP(x.b)};              \
  }
#define ACTIVA_TWIN_BINARY(OP)                  \
  template <class V>                            \
  HWY_INLINE Twin<V> OP(Twin<V> x, Twin<V> y) { \
    return {OP(x.a, y.a), OP(x.b, y.b)};        \
  }
#define ACTIVA_TWIN_COMPARE(OP)                                    \
  template <class V>                                               \
  HWY_INLINE auto OP(Twin<V> x, Twin<V> y) {                       \
    return TwinMask<decltype(OP(x.a, y.a))>{OP(x.a, y.a), OP(x.b, y.b)}; \
  }
#define ACTIVA_TWIN_CLASSIFY(OP)                                 \
  template <class V>                                             \
  HWY_INLINE auto OP(Twin<V> x) {                                \
    return TwinMask<decltype(OP(x.a))>{OP(x.a), OP(x.b)};        \
  }
ACTIVA_TWIN_UNARY(Neg)
ACTIVA_TWIN_UNARY(Abs)
ACTIVA_TWIN_UNARY(Round)
ACTIVA_TWIN_BINARY(Add)
ACTIVA_TWIN_BINARY(Sub)
ACTIVA_TWIN_BINARY(Mul)
ACTIVA_TWIN_BINARY(Div)
ACTIVA_TWIN_BINARY(Min)
ACTIVA_TWIN_BINARY(Max)
ACTIVA_TWIN_BINARY(And)
ACTIVA_TWIN_BINARY(Or)
ACTIVA_TWIN_BINARY(Xor)
ACTIVA_TWIN_BINARY(CopySign)
ACTIVA_TWIN_BINARY(CopySignToAbs)
ACTIVA_TWIN_COMPARE(operator<)
ACTIVA_TWIN_COMPARE(operator>)
ACTIVA_TWIN_COMPARE(operator<=)
ACTIVA_TWIN_COMPARE(operator>=)
ACTIVA_TWIN_COMPARE(operator==)
ACTIVA_TWIN_COMPARE(Eq)
ACTIVA_TWIN_CLASSIFY(IsNaN)
ACTIVA_TWIN_CLASSIFY(IsInf)
ACTIVA_TWIN_CLASSIFY(IsFinite)
#undef ACTIVA_TWIN_UNARY
#undef ACTIVA_TWIN_BINARY
#undef ACTIVA_TWIN_COMPARE
#undef ACTIVA_TWIN_CLASSIFY

template <class V>
HWY_INLINE Twin<V> MulAdd(Twin<V> x, Twin<V> y, Twin<V> z) {
  return {MulAdd(x.a, y.a, z.a), MulAdd(x.b, y.b, z.b)};
}
template <int kBits, class V>
HWY_INLINE Twin<V> ShiftLeft(Twin<V> x) {
  return {ShiftLeft<kBits>(x.a), ShiftLeft<kBits>(x.b)};
}
template <int kBits, class V>
HWY_INLINE Twin<V> ShiftRight(Twin<V> x) {
  return {ShiftRight<kBits>(x.a), ShiftRight<kBits>(x.b)};
}

template <class M>
HWY_INLINE TwinMask<M> Or(TwinMask<M> x, TwinMask<M> y) {
  return {Or(x.a, y.a), Or(x.b, y.b)};
}
template <class D1, class M>
HWY_INLINE auto VecFromMask(TwinD<D1>, TwinMask<M> m) {
  return Twin<decltype(VecFromMask(D1(), m.a))>{VecFromMask(D1(), m.a), VecFromMask(D1(), m.b)};
}

template <class M, class V>
HWY_INLINE Twin<V> IfThenElse(TwinMask<M> m, Twin<V> x, Twin<V> y) {
  return {IfThenElse(m.a, x.a, y.a), IfThenElse(m.b, x.b, y.b)};
}
template <class M, class V>
HWY_INLINE Twin<V> IfThenElseZero(TwinMask<M> m, Twin<V> x) {
  return {IfThenElseZero(m.a, x.a), IfThenElseZero(m.b, x.b)};
}
template <class M, class V>
HWY_INLINE Twin<V> IfThenZeroElse(TwinMask<M> m, Twin<V> x) {
  return {IfThenZeroElse(m.a, x.a), IfThenZeroElse(m.b, x.b)};
}

}  // namespace hwy::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_TWIN_INL_H_
