// Loops, tails and fixed-order sums, written once for every op. A body
// (ops/<name>-inl.h) supplies only the math on one vector; these drivers apply
// it to buffers. Threading is outside, in dispatch.cc.
//
// Tails run the same body on one masked vector (AVX2, AVX-512: FirstLanes) or
// on one-lane vectors, so an element's result does not depend on where it
// sits in the buffer. Float ops whose body sets kWiden compute in double and
// round once at the end.

#if defined(ACTIVA_DRIVERS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ACTIVA_DRIVERS_INL_H_
#undef ACTIVA_DRIVERS_INL_H_
#else
#define ACTIVA_DRIVERS_INL_H_
#endif

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "src/kernels/simd_math-inl.h"
#include "src/kernels/table.h"
#include "src/kernels/twin-inl.h"

HWY_BEFORE_NAMESPACE();
namespace activa::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The SIMD body of an op; each ops/<name>-inl.h specializes it.
template <class Op>
struct Body;

// v (lanes of T) in the compute type of dc (double when widening).
template <class DC, class V>
HWY_INLINE hn::Vec<DC> Widen(DC dc, V v) {
  if constexpr (std::is_same_v<hn::Vec<DC>, V>) {
    return v;
  } else {
    return hn::PromoteTo(dc, v);
  }
}

// Mask m of ds's lanes as a mask of as many lanes of dc (double when
// widening): on AVX-512 both are the same mask-register bits.
template <class DC, class DS, class M>
HWY_INLINE auto WidenMask(DC dc, DS ds, M m) {
  if constexpr (std::is_same_v<DC, DS>) {
    return m;
#if HWY_TARGET <= HWY_AVX3
  } else if constexpr (!hn::kIsTwin<DC>) {
    return decltype(hn::MaskFromVec(hn::Zero(dc))){m.raw};
#endif
  } else {  // all-ones lanes stay all ones, sign-extended
    const hn::RebindToSigned<DS> di;
    const hn::RebindToSigned<DC> dl;
    return hn::MaskFromVec(hn::BitCast(dc, hn::PromoteTo(dl, hn::BitCast(di, hn::VecFromMask(ds, m)))));
  }
}

// acc + a b, for a and b widened from T: fused for float, whose product is
// exact in double (so the bits of a product then a sum, on every target, FMA
// or not); for double, the product rounded first, as without FMA.
template <class T, class V>
HWY_INLINE V AddProduct(V acc, V a, V b) {
  if constexpr (sizeof(T) == 4) {
    return hn::MulAdd(a, b, acc);
  } else {
    return hn::Add(acc, hn::Mul(a, b));
  }
}

// acc where m, else AddProduct: for float on AVX-512, one masked fused
// multiply-add (a select after it put a second operation on the sum's chain:
// prelu backward 1.16x at 4 Ki).
template <class T, class DC, class M, class V>
HWY_INLINE V AddProductUnless(DC, M m, V acc, V a, V b) {
#if HWY_TARGET <= HWY_AVX3
  if constexpr (sizeof(T) == 4 && !hn::kIsTwin<DC> && hn::MaxLanes(DC()) == 8) {
    return V{_mm512_mask3_fmadd_pd(a.raw, b.raw, acc.raw, static_cast<__mmask8>(~m.raw))};
  }
#endif
  return hn::IfThenElse(m, acc, AddProduct<T>(acc, a, b));
}

// Whether a loop's tail of fewer than a vector's lanes runs as one vector
// whose loads and stores are masked (FirstLanes), reading and writing nothing
// past its lanes: AVX2 and AVX-512, whose masked loads do not fault. Older
// targets (and scalar) run it one lane at a time. The same bits either way:
// every lane's value depends on its own elements only. One lane at a time, a
// tail of 15 floats ran the whole body 15 times, each a dependency chain:
// masked, sigmoid, tanh and ELU forward over 100 floats ran 7.2x-8.5x, over
// 1,000 2.9x-3.75x, and softmax over rows of 100 1.24x forward and 1.40x
// backward on AVX-512 (activa bench and softmax A/B runs against 72cbd95,
// docs/bench.md).
inline constexpr bool kMaskedTails = HWY_TARGET <= HWY_AVX2;

// The storage tag of such a tail: the first n lanes of a vector of DS
// (0 < n < its lanes). LoadAs and StoreAs take it in place of DS: lanes past
// n load as 0 and are never stored. Highway's own loads and stores do not
// take it, so a body that bypassed LoadAs and StoreAs would not compile.
template <class DS>
struct FirstLanes {
  std::size_t n;
};
template <class D>
inline constexpr bool kIsFirstLanes = false;
template <class DS>
inline constexpr bool kIsFirstLanes<FirstLanes<DS>> = true;

// The tag of DS's whole vectors, for a body that computes in DS itself.
template <class DS>
HWY_INLINE DS WholeOf(DS ds) {
  return ds;
}
template <class DS>
HWY_INLINE DS WholeOf(FirstLanes<DS>) {
  return DS();
}

// Loads lanes of T at p into the compute type of dc.
template <class DC, class DS>
HWY_INLINE hn::Vec<DC> LoadAs(DC dc, DS ds, const hn::TFromD<DS>* p) {
  return Widen(dc, hn::LoadU(ds, p));
}
template <class DC, class DS>
HWY_INLINE hn::Vec<DC> LoadAs(DC dc, FirstLanes<DS> t, const hn::TFromD<DS>* p) {
  const DS ds;
  return Widen(dc, hn::MaskedLoad(hn::FirstN(ds, t.n), ds, p));
}

// Stores v as lanes of T at p; kStream: around the caches (Stream), p aligned
// to the vector of T.
template <bool kStream = false, class DC, class DS>
HWY_INLINE void StoreAs(DC, DS ds, hn::Vec<DC> v, hn::TFromD<DS>* p) {
  if constexpr (hn::kIsTwin<DC>) {
    const typename DC::Inner dc1;
    const typename DS::Inner ds1;
    StoreAs<kStream>(dc1, ds1, v.a, p);
    StoreAs<kStream>(dc1, ds1, v.b, p + hn::Lanes(ds1));
  } else if constexpr (HWY_TARGET == HWY_SCALAR && !std::is_same_v<hn::TFromD<DC>, hn::TFromD<DS>>) {
    // Highway's scalar DemoteTo clamps to the float range; a cast rounds to ±inf.
    *p = static_cast<hn::TFromD<DS>>(hn::GetLane(v));
  } else {
    hn::Vec<DS> out;
    if constexpr (std::is_same_v<hn::TFromD<DC>, hn::TFromD<DS>>) {
      out = v;
    } else {
      out = hn::DemoteTo(ds, v);
    }
    if constexpr (kStream) {
      hn::Stream(out, ds, p);
    } else {
      hn::StoreU(out, ds, p);
    }
  }
}
// A tail's first lanes, stored plainly (never streamed: not a whole vector).
template <bool kStream = false, class DC, class DS>
HWY_INLINE void StoreAs(DC, FirstLanes<DS> t, hn::Vec<DC> v, hn::TFromD<DS>* p) {
  const DS ds;
  if constexpr (std::is_same_v<hn::TFromD<DC>, hn::TFromD<DS>>) {
    hn::BlendedStore(v, hn::FirstN(ds, t.n), ds, p);
  } else {
    hn::BlendedStore(hn::DemoteTo(ds, v), hn::FirstN(ds, t.n), ds, p);
  }
}

template <class T, bool kWiden>
using ComputeT = std::conditional_t<kWiden, double, T>;

// A loop's body, called once a vector (or quad): inlined always. GCC kept the
// larger ones (ELU's and tanh's forward, sigmoid's and tanh's backward, on
// quads) out of line, a call a quad that reloaded every table and constant.
// Inlined, the same bits: float32 on one thread, 4 Ki and 256 Ki, ELU forward
// 1.08x and 1.12x, tanh forward 1.07x and 1.10x, sigmoid backward 1.06x and
// 1.08x, tanh backward 1.05x and 1.03x; float64 1.04x-1.14x.
#ifndef ACTIVA_INLINE_LAMBDA
#define ACTIVA_INLINE_LAMBDA __attribute__((always_inline))
#endif

// Calls f(dc, ds, i) for vectors of i = begin, ... < n: four vectors a step,
// as one quad where kInterleave (twin-inl.h: their dependency chains
// interleave), then single vectors, then the tail: one masked vector
// (FirstLanes, as ds) where kMaskedTails, else one-lane vectors. dc is the
// compute tag, ds the storage tag.
template <class T, bool kWiden, bool kInterleave = false, class F>
HWY_INLINE void ForEachVector(std::size_t n, const F& f, std::size_t begin = 0) {
  using DC = hn::ScalableTag<ComputeT<T, kWiden>>;
  using DS = hn::Rebind<T, DC>;
  const DC dc;
  const DS ds;
  const std::size_t lanes = hn::Lanes(dc);
  std::size_t i = begin;
  for (; i + 4 * lanes <= n; i += 4 * lanes) {
    if constexpr (kInterleave) {
      f(hn::QuadD<DC>(), hn::QuadD<DS>(), i);
    } else {
      for (std::size_t k = 0; k < 4; ++k) f(dc, ds, i + k * lanes);
    }
  }
  for (; i + lanes <= n; i += lanes) f(dc, ds, i);
  if constexpr (kMaskedTails) {
    if (i < n) f(dc, FirstLanes<DS>{n - i}, i);
  } else {
    const hn::CappedTag<ComputeT<T, kWiden>, 1> dc1;
    const hn::Rebind<T, decltype(dc1)> ds1;
    for (; i < n; ++i) f(dc1, ds1, i);
  }
}

// acc + t into acc, its rounding error (TwoSum, exact) into err.
template <class V>
HWY_INLINE void AddCompensated(V& acc, V& err, V t) {
  const V sum = hn::Add(acc, t);
  const V bb = hn::Sub(sum, acc);
  err = hn::Add(err, hn::Add(hn::Sub(acc, hn::Sub(sum, bb)), hn::Sub(t, bb)));
  acc = sum;
}

// Fixed-order reductions keep kGroup accumulators: element i goes to
// accumulator i mod kGroup on every target, and they are combined pairwise at
// the end. Cheap terms use 8; exponentials use 32, four AVX-512 vectors
// updated as one quad (twin-inl.h) so that four are in flight at once.
inline constexpr std::size_t kCheapGroup = 8, kChainGroup = 32;

// The quads that hold kGroup accumulators in vectors of DC (at least one).
template <std::size_t kGroup, class DC>
inline constexpr std::size_t kQuadsFor = std::max<std::size_t>(1, kGroup / (4 * hn::MaxLanes(DC())));

// Vector k of an array of quads.
template <class V>
HWY_INLINE V& VectorOf(hn::Twin<hn::Twin<V>>* quads, std::size_t k) {
  auto& q = quads[k / 4];
  auto& t = k % 4 < 2 ? q.a : q.b;
  return k % 2 == 0 ? t.a : t.b;
}

// The lanes of v summed by halves: lane j and j + n/2 first, then j and
// j + n/4, ... (with err, v's rounding errors, when kCompensated).
template <bool kCompensated, class D>
HWY_INLINE double FoldLanes(D d, hn::Vec<D> v, hn::Vec<D> err) {
#if HWY_TARGET == HWY_SCALAR
  (void)d;
  return kCompensated ? hn::GetLane(v) + hn::GetLane(err) : hn::GetLane(v);
#else
  if constexpr (hn::MaxLanes(d) == 1) {
    return kCompensated ? hn::GetLane(v) + hn::GetLane(err) : hn::GetLane(v);
  } else {
    const hn::Half<D> dh;
    const auto lo = hn::LowerHalf(dh, v), hi = hn::UpperHalf(dh, v);
    if constexpr (kCompensated) {
      const auto t = TwoSum(lo, hi);
      return FoldLanes<true>(dh, t.hi, hn::Add(hn::Add(hn::LowerHalf(dh, err), hn::UpperHalf(dh, err)), t.lo));
    } else {
      return FoldLanes<false>(dh, hn::Add(lo, hi), lo);
    }
  }
#endif
}

// s[0] + ... + s[kGroup - 1], pairwise in a fixed order: s[j] + s[j + kGroup/2]
// first, then j and j + kGroup/4, ...; whole vectors while the halves span
// them, then FoldLanes. (GCC vectorized the loop over memory, each level's
// store then read back narrower: at rows of 33, 36% of softmax backward's
// time.)
template <std::size_t kGroup>
HWY_INLINE double PairwiseSum(const double* s) {
  const hn::CappedTag<double, kGroup> d;
  constexpr std::size_t kVectors = kGroup / hn::MaxLanes(d);
  hn::Vec<decltype(d)> v[kVectors];
  for (std::size_t k = 0; k < kVectors; ++k) v[k] = hn::LoadU(d, s + k * hn::MaxLanes(d));
  for (std::size_t w = kVectors / 2; w >= 1; w /= 2) {
    for (std::size_t j = 0; j < w; ++j) v[j] = hn::Add(v[j], v[j + w]);
  }
  return FoldLanes<false>(d, v[0], v[0]);
}

// The kGroup accumulators held in quads, stored to `out` (room for all the
// quads' lanes: kStoredFor).
template <std::size_t kGroup, class DC>
inline constexpr std::size_t kStoredFor = kQuadsFor<kGroup, DC> * 4 * hn::MaxLanes(DC());

template <std::size_t kGroup, class DC>
HWY_INLINE void StoreQuads(const hn::Vec<hn::QuadD<DC>>* quads, double* out) {
  const hn::QuadD<DC> dq;
  for (std::size_t q = 0; q < kQuadsFor<kGroup, DC>; ++q) hn::StoreU(quads[q], dq, out + q * hn::Lanes(dq));
}

// Calls g(std::integral_constant<std::size_t, k>{}) for k = 0, ..., kCount - 1:
// indices known at compile time keep arrays of vectors in registers.
template <std::size_t kCount, class G>
HWY_INLINE void ForIndex(const G& g) {
  [&]<std::size_t... k>(std::index_sequence<k...>) {
    (g(std::integral_constant<std::size_t, k>{}), ...);
  }(std::make_index_sequence<kCount>{});
}

// Calls f(d, ds, i, state...) over [0, n) in blocks starting at element i,
// with each state the accumulators of the block (one of kQuadsFor quads, or
// one vector of them): whole groups (as quads where a group fills at least
// one), then the vectors left, then where kMaskedTails the tail as one masked
// vector. Returns where it stopped: the one-lane tail of other targets is the
// caller's, element i going to accumulator i mod kGroup.
template <class T, std::size_t kGroup, class DC, std::size_t kStates, class F>
HWY_INLINE std::size_t ForEachAccumulated(std::size_t n, std::array<hn::Vec<hn::QuadD<DC>>*, kStates> states,
                                          const F& f) {
  using DS = hn::Rebind<T, DC>;
  constexpr std::size_t kLanes = hn::MaxLanes(DC());
  constexpr std::size_t kVectors = kGroup / kLanes;
  const auto vector = [&](std::size_t i, auto k) {
    std::apply([&](auto*... st) { f(DC(), DS(), i, VectorOf(st, k)...); }, states);
  };
  std::size_t i = 0;
  for (; i + kGroup <= n; i += kGroup) {
    if constexpr (4 * kLanes <= kGroup) {
      ForIndex<kQuadsFor<kGroup, DC>>([&](auto q) {
        const std::size_t at = i + q * 4 * kLanes;
        std::apply([&](auto*... st) { f(hn::QuadD<DC>(), hn::QuadD<DS>(), at, st[q]...); }, states);
      });
    } else {
      ForIndex<kVectors>([&](auto k) { vector(i + k * kLanes, k); });
    }
  }
  // The vectors left, unrolled and inlined: GCC kept them out of line once
  // they held the masked tail, then the sum's loop ran 0.8x at rows of 1,000.
  const auto left = [&](auto k) ACTIVA_INLINE_LAMBDA {
    if (i + kLanes <= n) {
      vector(i, k);
      i += kLanes;
      return;
    }
    if constexpr (kMaskedTails) {
      if (i == n) return;
      // The tail, masked (FirstLanes) in accumulator vector k: its lanes
      // past n keep their accumulators as they were.
      const auto mask = hn::FirstN(DC(), n - i);
      [&]<std::size_t... s>(std::index_sequence<s...>) ACTIVA_INLINE_LAMBDA {
        const std::array before{VectorOf(states[s], k)...};
        f(DC(), FirstLanes<DS>{n - i}, i, VectorOf(states[s], k)...);
        ((VectorOf(states[s], k) = hn::IfThenElse(mask, VectorOf(states[s], k), before[s])), ...);
      }(std::make_index_sequence<kStates>{});
      i = n;
    }
  };
  [&]<std::size_t... k>(std::index_sequence<k...>) ACTIVA_INLINE_LAMBDA {
    (left(std::integral_constant<std::size_t, k>{}), ...);
  }(std::make_index_sequence<kVectors>{});
  return i;
}

// Sums term(dc, ds, i) (double lanes) over [0, n) in an order that no target
// changes: element i goes to accumulator i mod kGroup, which sums its elements
// in order. Accumulators start at -0, the identity of IEEE addition:
// a sum of -0 terms stays -0, as in PyTorch's reductions. A term that takes
// the accumulator as a fourth argument adds its lanes into it itself (fused:
// AddProduct).
// kCompensated: each accumulator also sums its own rounding errors (TwoSum),
// added back at the end, so the sum of n terms is accurate to a few ulps of
// double however long it is (softmax's denominators).
template <class T, std::size_t kGroup = kCheapGroup, bool kCompensated = false, class F>
HWY_INLINE double SumFixedOrder(std::size_t n, const F& term) {
  using DC = hn::ScalableTag<double>;
  const hn::QuadD<DC> dq;
  constexpr std::size_t kQuads = kQuadsFor<kGroup, DC>;
  hn::Vec<decltype(dq)> acc[kQuads], err[kQuads];
  for (std::size_t q = 0; q < kQuads; ++q) acc[q] = hn::Set(dq, -0.0), err[q] = hn::Zero(dq);
  const auto add = [&](auto d, auto ds, std::size_t i, auto& a, auto& e) {
    if constexpr (std::is_invocable_v<const F&, decltype(d), decltype(ds), std::size_t, decltype(a)>) {
      term(d, ds, i, a);  // adds its terms into a itself
    } else if constexpr (kCompensated) {
      AddCompensated(a, e, term(d, ds, i));
    } else {
      a = hn::Add(a, term(d, ds, i));
    }
  };
  std::size_t i = ForEachAccumulated<T, kGroup, DC>(n, std::array{acc, err}, add);
  alignas(64) double sums[kStoredFor<kGroup, DC>], errs[kStoredFor<kGroup, DC>];
  StoreQuads<kGroup, DC>(acc, sums);
  StoreQuads<kGroup, DC>(err, errs);
  const hn::CappedTag<double, 1> d1;
  for (; i < n; ++i) {
    const std::size_t j = i % kGroup;
    auto a = hn::Set(d1, sums[j]), e = hn::Set(d1, errs[j]);
    add(d1, hn::Rebind<T, decltype(d1)>(), i, a, e);
    sums[j] = hn::GetLane(a);
    errs[j] = hn::GetLane(e);
  }
  if constexpr (kCompensated) {
    for (std::size_t j = 0; j < kGroup; ++j) sums[j] += errs[j];
  }
  return PairwiseSum<kGroup>(sums);
}

// Whether vectors of DS can be streamed: Highway streams whole 16-, 32- and
// 64-byte vectors only (SSE4's two floats widened to double are half a
// vector; scalar has nothing to stream).
template <class DS>
constexpr bool Streamable() {
  return hn::MaxLanes(DS()) * sizeof(hn::TFromD<DS>) >= 16;
}

// Whether p is aligned for streaming vectors of DS.
template <class DS>
HWY_INLINE bool AlignedFor(DS ds, const hn::TFromD<DS>* p) {
  return reinterpret_cast<std::uintptr_t>(p) % (hn::Lanes(ds) * sizeof(hn::TFromD<DS>)) == 0;
}

// Whether D is a whole vector (or twin) of its target, not a tail (one lane,
// or FirstLanes).
template <class D>
constexpr bool WholeVector() {
  if constexpr (kIsFirstLanes<D>) {
    return false;
  } else if constexpr (hn::kIsTwin<D>) {
    return true;
  } else {
    return hn::MaxLanes(D()) > 1;
  }
}

// Stores f(dc, ds, i), the vector of elements [i, i + lanes) in the compute
// type, at y + i for the vectors of [0, n), as ForEachVector visits them.
// Where `stream`, whole vectors are stored around the caches (Stream): the
// elements before y's first aligned vector go one lane at a time, as tails
// do; the caller ends its streamed stores with one hwy::FlushStream(). Either
// way every element goes through the same body: the values do not depend on it.
template <class T, bool kWiden, bool kInterleave = false, class F>
HWY_INLINE void ForEachOutput(T* y, std::size_t n, bool stream, const F& f) {
  const hn::Rebind<T, hn::ScalableTag<ComputeT<T, kWiden>>> ds;
  if (!stream || !Streamable<decltype(ds)>()) {
    ForEachVector<T, kWiden, kInterleave>(
        n, [&](auto dc, auto ds_i, std::size_t i) ACTIVA_INLINE_LAMBDA { StoreAs(dc, ds_i, f(dc, ds_i, i), y + i); });
    return;
  }
  const std::size_t bytes = hn::Lanes(ds) * sizeof(T);
  const std::size_t head = std::min(n, (bytes - reinterpret_cast<std::uintptr_t>(y) % bytes) % bytes / sizeof(T));
  const hn::CappedTag<ComputeT<T, kWiden>, 1> dc1;
  const hn::Rebind<T, decltype(dc1)> ds1;
  for (std::size_t i = 0; i < head; ++i) StoreAs(dc1, ds1, f(dc1, ds1, i), y + i);
  ForEachVector<T, kWiden, kInterleave>(
      n,
      [&](auto dc, auto ds_i, std::size_t i) ACTIVA_INLINE_LAMBDA {
        // The tail (one-lane vectors, or FirstLanes, which StoreAs never
        // streams) is not aligned: stored plainly.
        StoreAs<WholeVector<decltype(dc)>()>(dc, ds_i, f(dc, ds_i, i), y + i);
      },
      head);
}

// ---- pointwise ----

template <class Op, class T>
void PointwiseForward(const T* x, T* y, std::size_t n, typename Op::Options o, bool stream) {
  constexpr bool kInterleave = detail::interleaves(Body<Op>::kCost.forward);
  ForEachOutput<T, Body<Op>::kWiden, kInterleave>(y, n, stream, [&](auto dc, auto ds, std::size_t i) ACTIVA_INLINE_LAMBDA {
    return Body<Op>::template Forward<T>(dc, LoadAs(dc, ds, x + i), o);
  });
  if (stream) hwy::FlushStream();
}

template <class Op, class T>
void PointwiseBackward(const T* saved, const T* dy, T* dx, std::size_t n, typename Op::Options o, bool stream) {
  constexpr bool kInterleave = detail::interleaves(Body<Op>::kCost.backward);
  ForEachOutput<T, Body<Op>::kWiden, kInterleave>(dx, n, stream, [&](auto dc, auto ds, std::size_t i) ACTIVA_INLINE_LAMBDA {
    return Body<Op>::template Backward<T>(dc, LoadAs(dc, ds, saved + i), LoadAs(dc, ds, dy + i), o);
  });
  if (stream) hwy::FlushStream();
}

// From the output y, in the element type: two roundings (the derivative, then
// the product with dy), < 1.5 ULP.
template <class Op, class T>
void PointwiseBackwardFromOutput(const T* y, const T* dy, T* dx, std::size_t n, typename Op::Options o,
                                 bool stream) {
  ForEachOutput<T, /*kWiden=*/false>(dx, n, stream, [&](auto d, auto ds, std::size_t i) {
    return Body<Op>::template BackwardFromOutput<T>(d, LoadAs(d, ds, y + i), LoadAs(d, ds, dy + i), o);
  });
  if (stream) hwy::FlushStream();
}

// ---- weighted ----

// Rows (channels' runs of inner elements) of up to this many vectors go
// through a plain loop of their own in the forward.
inline constexpr std::size_t kShortWeightedRow = 8;

template <class Op, class T>
void WeightedForward(const T* x, const T* w, T* y, ChannelLayout l, std::int64_t row_begin,
                     std::int64_t row_end, bool stream) {
  const auto inner = static_cast<std::size_t>(l.inner);
  std::int64_t c = row_begin % l.channels;  // counted, not divided, per row
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  if (inner % lanes == 0 && inner <= kShortWeightedRow * lanes &&
      (!stream || (Streamable<decltype(d)>() && AlignedFor(d, y + static_cast<std::size_t>(row_begin) * inner)))) {
    // Rows of a few whole vectors: a plain loop (ForEachOutput's set-up per
    // row, its head, quad and tail decisions, cost as much as the row's four
    // vectors at rows of 64 floats: 1.19x at [1, 64, 64] on one thread); every
    // row's vectors are aligned if the first row's are.
    // A row's vectors are unrolled (a switch over 1 to 8): the loop of 4
    // vectors a row ran at 17.6 or 20.9 Gelem/s at [1, 64, 64] on one thread
    // depending on where it fell against 64-byte lines (other kernels' code
    // moved it).
    const auto store = [&]<bool kStream, std::size_t kVectors>(std::integral_constant<bool, kStream>,
                                                             std::integral_constant<std::size_t, kVectors>) {
      for (std::int64_t r = row_begin; r < row_end; ++r, c = c + 1 == l.channels ? 0 : c + 1) {
        const auto wc = hn::Set(d, w[c]);
        const std::size_t base = static_cast<std::size_t>(r) * inner;
        ForIndex<kVectors>([&](auto k) {
          const std::size_t i = k * lanes;
          StoreAs<kStream>(d, d, Body<Op>::template Forward<T>(d, hn::LoadU(d, x + base + i), wc), y + base + i);
        });
      }
    };
    ForIndex<kShortWeightedRow>([&](auto k) {
      constexpr std::size_t kVectors = k + 1;
      if (inner != kVectors * lanes) return;
      constexpr std::integral_constant<std::size_t, kVectors> vectors;
      stream ? store(std::true_type{}, vectors) : store(std::false_type{}, vectors);
    });
    if (stream) hwy::FlushStream();
    return;
  }
  for (std::int64_t r = row_begin; r < row_end; ++r, c = c + 1 == l.channels ? 0 : c + 1) {
    const T wc = w[c];
    const std::size_t base = static_cast<std::size_t>(r) * inner;
    ForEachOutput<T, false>(y + base, inner, stream, [&](auto d, auto ds, std::size_t i) {
      return Body<Op>::template Forward<T>(d, LoadAs(d, ds, x + base + i), hn::Set(d, wc));
    });
  }
  if (stream) hwy::FlushStream();
}

template <class Op, class T>
void WeightedBackward(const T* x, const T* w, const T* dy, T* dx, double* partial,
                      ChannelLayout l, std::int64_t unit_begin, std::int64_t unit_end, bool stream) {
  // Unit u is block b of row r, channel c; counted, not divided, per unit (an
  // integer division costs as much as a few dozen elements).
  const std::int64_t per_row = detail::blocks_per_row(l);
  std::int64_t r = unit_begin / per_row, b = unit_begin % per_row, c = r % l.channels;
  for (std::int64_t u = unit_begin; u < unit_end; ++u) {
    const std::int64_t lo = b * detail::kWeightedBlock;
    const auto n = static_cast<std::size_t>(std::min(l.inner - lo, detail::kWeightedBlock));
    const std::size_t base = static_cast<std::size_t>(r * l.inner + lo);
    const T wc = w[c];
    if (++b == per_row) {
      b = 0;
      ++r;
      c = c + 1 == l.channels ? 0 : c + 1;
    }
    // One pass: each group of elements is loaded once, its input gradient
    // stored and its weight term summed (in double, in SumFixedOrder's order).
    // Both are computed from x and dy before dx is written, so dx may alias dy.
    using DS = hn::Rebind<T, hn::ScalableTag<double>>;  // SumFixedOrder's vectors of T
    const auto unit = [xu = x + base, dyu = dy + base, dxu = dx + base, wc, n]<bool kStream>() {
      return SumFixedOrder<T>(n, [=](auto dc, auto ds, std::size_t i, auto& acc) {
        const auto d = WholeOf(ds);  // computes in the storage type
        const auto xs = LoadAs(d, ds, xu + i);
        const auto dys = LoadAs(d, ds, dyu + i);
        const auto upper = Body<Op>::UpperBranch(d, xs);
        acc = Body<Op>::template AddWeightTerm<T>(dc, WidenMask(dc, d, upper), Widen(dc, xs), Widen(dc, dys), acc);
        const auto g = Body<Op>::BackwardInput(d, upper, hn::Set(d, wc), dys);
        StoreAs<kStream && WholeVector<decltype(ds)>()>(d, ds, g, dxu + i);
      });
    };
    // The sum's vectors start at multiples of their lanes from the unit's
    // first element, so a unit whose first output is aligned streams them all
    // (the tail stored plainly); others store plainly:
    // splitting off a head would change the sum's grouping. (The streaming
    // instance is only compiled where DS can be streamed at all.)
    constexpr bool kStreamable = Streamable<DS>();
    partial[u - unit_begin] = stream && kStreamable && AlignedFor(DS(), dx + base)
                                  ? unit.template operator()<kStreamable>()
                                  : unit.template operator()<false>();
  }
  if (stream) hwy::FlushStream();
}

// ---- weighted, as columns (table.h, kColumnInner) ----

// The weights of columns [first, first + count) of l's slices, where the
// columns past the last wrap round to the first (pieces of k rows): w itself
// where every column is a channel (inner 1) and no wrap falls inside, else
// spread into `spread` (room for kColumnBlock), a run of inner copies each.
template <class T>
HWY_INLINE const T* ColumnWeights(const T* w, const ChannelLayout& l, std::int64_t first, std::int64_t count,
                                  T* spread) {
  const std::int64_t cols = detail::column_count(l);
  if (l.inner == 1 && first + count <= cols) return w + first;
  // Runs of w (inner 1) or of one weight, each a copy or a fill: element by
  // element, the spreading cost as much as a forward of 4 Ki elements
  // ([64, 64, 1], one thread).
  std::int64_t c = first / l.inner % l.channels, k = first % l.inner;
  for (std::int64_t j = 0; j < count;) {
    if (l.inner == 1) {  // w from channel c on, then from 0
      const std::int64_t n = std::min(count - j, l.channels - c);
      std::copy_n(w + c, n, spread + j);
      j += n;
      c = 0;
    } else {  // the rest of channel c's inner copies
      const std::int64_t n = std::min(count - j, l.inner - k);
      std::fill_n(spread + j, n, w[c]);
      j += n;
      k = 0;
      c = c + 1 == l.channels ? 0 : c + 1;
    }
  }
  return spread;
}

// The forward over [begin, end) (table.h, forward_columns): elements in
// pieces of up to a period (detail::column_period, k whole rows) or, where
// the weights are spread a block at a time, (block, slice) items, block by
// block. Any split gives the same bits.
template <class Op, class T>
void WeightedForwardColumns(const T* x, const T* w, T* y, ChannelLayout l, std::int64_t begin, std::int64_t end,
                            bool stream) {
  alignas(64) T spread[detail::kColumnBlock];
  const auto piece = [&](std::int64_t at, std::int64_t n, const T* wp) ACTIVA_INLINE_LAMBDA {
    const auto a = static_cast<std::size_t>(at);
    ForEachOutput<T, false>(y + a, static_cast<std::size_t>(n), stream, [&](auto d, auto ds, std::size_t i) {
      return Body<Op>::template Forward<T>(d, LoadAs(d, ds, x + a + i), LoadAs(d, ds, wp + i));
    });
  };
  const std::int64_t blocks = detail::forward_column_blocks(l);
  if (blocks == 1) {
    const std::int64_t period = detail::column_period(l);
    const T* table = ColumnWeights(w, l, 0, period, spread);
    for (std::int64_t p = begin; p < end;) {
      const std::int64_t q = p % period;  // one division a piece
      const std::int64_t n = std::min(end - p, period - q);
      piece(p, n, table + q);
      p += n;
    }
  } else {
    // Item (b, o): columns [b * kColumnBlock, ...) of slice o, spread once a block.
    const std::int64_t cols = detail::column_count(l);
    for (std::int64_t item = begin, spread_block = -1; item < end; ++item) {
      const std::int64_t b = item / l.outer, o = item % l.outer;
      const std::int64_t first = b * detail::kColumnBlock, n = std::min(detail::kColumnBlock, cols - first);
      if (b != spread_block) ColumnWeights(w, l, first, n, spread), spread_block = b;
      piece(o * cols + first, n, spread);
    }
  }
  if (stream) hwy::FlushStream();
}

// The double tag of as many lanes as DS (sums of column terms), a tail's
// FirstLanes too.
template <class DS>
HWY_INLINE hn::Rebind<double, DS> SumsTag(DS) {
  return {};
}
template <class DS>
HWY_INLINE FirstLanes<hn::Rebind<double, DS>> SumsTag(FirstLanes<DS> t) {
  return {t.n};
}

// One piece of n elements: dx stored, and each element's weight term added
// into its column's sum acc[i] (in double, as AddWeightTerm; lanes past a
// tail keep theirs).
template <class Op, class T, bool kStream>
HWY_INLINE void ColumnsBackwardPiece(const T* x, const T* w, const T* dy, T* dx, double* acc, std::size_t n) {
  ForEachVector<T, /*kWiden=*/true>(n, [&](auto dc, auto ds, std::size_t i) ACTIVA_INLINE_LAMBDA {
    const auto d = WholeOf(ds);  // dx in the storage type
    const auto xs = LoadAs(d, ds, x + i);
    const auto dys = LoadAs(d, ds, dy + i);
    const auto upper = Body<Op>::UpperBranch(d, xs);
    StoreAs<kStream && WholeVector<decltype(ds)>()>(d, ds, Body<Op>::BackwardInput(d, upper, LoadAs(d, ds, w + i), dys),
                                                    dx + i);
    const auto sums = SumsTag(ds);
    const auto a = LoadAs(dc, sums, acc + i);
    StoreAs(dc, sums, Body<Op>::template AddWeightTerm<T>(dc, WidenMask(dc, d, upper), Widen(dc, xs), Widen(dc, dys), a),
            acc + i);
  });
}

// The backward over slices [o_begin, o_end), columns [col_begin, col_end):
// all the columns go k rows at a time (a period), else one block of a row at
// a time. sums[j - col_begin] = column j's terms summed over the slices in
// order, the k copies of a period added in copy order.
template <class Op, class T>
void WeightedBackwardColumns(const T* x, const T* w, const T* dy, T* dx, double* sums, ChannelLayout l,
                             std::int64_t o_begin, std::int64_t o_end, std::int64_t col_begin, std::int64_t col_end,
                             bool stream) {
  const std::int64_t cols = detail::column_count(l), width = col_end - col_begin;
  const bool whole = width == cols;
  const std::int64_t period = whole ? detail::column_period(l) : width, rows = period / width;
  alignas(64) T spread[detail::kColumnBlock];
  alignas(64) double copies[detail::kColumnBlock];
  const T* wp = ColumnWeights(w, l, col_begin, period, spread);
  // One copy of the row sums into `sums` itself (a copy from the stack
  // there cost 40% of a call over one slice).
  double* const acc = rows == 1 ? sums : copies;
  std::fill_n(acc, period, 0.0);
  using DS = hn::Rebind<T, hn::ScalableTag<double>>;
  for (std::int64_t o = o_begin; o < o_end; o += rows) {
    const auto at = static_cast<std::size_t>(o * cols + col_begin);
    const auto n = static_cast<std::size_t>(whole ? std::min(rows, o_end - o) * cols : width);
    // Vectors start at multiples of their lanes from the piece's start
    // (the columns' sums are indexed from it), so only a piece whose first
    // output is aligned streams.
    if (stream && Streamable<DS>() && AlignedFor(DS(), dx + at)) {
      ColumnsBackwardPiece<Op, T, Streamable<DS>()>(x + at, wp, dy + at, dx + at, acc, n);
    } else {
      ColumnsBackwardPiece<Op, T, false>(x + at, wp, dy + at, dx + at, acc, n);
    }
  }
  if (rows > 1) {
    for (std::int64_t j = 0; j < width; ++j) {
      double s = acc[j];
      for (std::int64_t r = 1; r < rows; ++r) s += acc[r * width + j];
      sums[j] = s;
    }
  }
  if (stream) hwy::FlushStream();
}

// ---- along a dim ----

// NaN if any lane-wise input was NaN, else the maximum: PyTorch's max propagates NaN.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V MaxNaN(D d, V m, V v) {
  return hn::IfThenElse(hn::Or(hn::IsNaN(m), hn::IsNaN(v)), hn::Set(d, std::numeric_limits<hn::TFromD<D>>::quiet_NaN()),
                        hn::Max(m, v));
}

using detail::kSmallRow;
// Softmax forward over contiguous float rows of kVectorRow to kSmallRow
// elements (to 64 on AVX-512: kForwardVectorRow) runs row by row
// (ShortRowsForwardGroup); shorter rows, a vector of rows
// at a time (ForEachRowBlock), where a row would leave most lanes idle; so do
// double rows, whose exponential costs ~3x float's (rows of 10: 0.085 against
// 0.11-0.16 Gelem/s; rows of 16 and 32, 1.0x-1.08x). Backward (a dot product,
// no exponentials) runs row by row at every length: rows of 1 to 32 of float,
// 1.9x-4.5x the transposed blocks; float forward 1.2x-2x from rows of 5 (about
// even at 9), 0.6x-0.9x below (A/B in one shell, 256 Ki elements). On
// AVX-512, float rows of kVectorRow to kTransposedRow go 8 rows at a time,
// transposed in registers (TransposedRowsForward: 1.5x-1.8x row by row at
// rows of 5 to 12, 1.04x at 16), with row by row's sum order.
template <class T>
inline constexpr std::size_t kVectorRow = sizeof(T) == 4 ? 5 : kSmallRow + 1;

// v[0] op ... op v[kN - 1] lane by lane in ShortRowSum's tree: slots j and
// j + P/2 of the kN slots padded to a power of two P first, then j and
// j + P/4, ... (an absent slot is ShortRowSum's -0, which adds nothing).
// Reduces into v; kW is the stride of the next level.
template <std::size_t kN, std::size_t kW = std::bit_ceil(kN) / 2, class V, class Op>
HWY_INLINE V TreeReduce(V* v, const Op& op) {
  if constexpr (kW >= 1) {
    ForIndex<(kN > kW ? kN - kW : 0)>([&](auto j) { v[j] = op(v[j], v[j + kW]); });
    return TreeReduce<std::min(kN, kW), kW / 2>(v, op);
  }
  return v[0];
}

// Forward over slices held in vectors, lane l of v[s] element s of slice l,
// the outputs written over v, with the sum in ShortRowSum's tree (TreeReduce),
// the tree contiguous rows of kN take when they run in vectors of their own.
// Unrolled (ForIndex), so that v stays in registers. The max is exact in any
// order: a tree too, not one chain of kN. A NaN anywhere makes the inputs'
// sum NaN, and so the max; so does +inf with -inf, where a max of +inf would
// make the outputs NaN anyway (Denominator).
template <class Op, class T, std::size_t kN, class DC>
HWY_INLINE void TreeSlicesForward(DC dc, hn::Vec<DC>* v) {
  const auto each = [](const auto& f) { ForIndex<kN>(f); };
  const auto add = [](auto a, auto b) { return hn::Add(a, b); };
  hn::Vec<DC> t[kN];
  each([&](auto s) { t[s] = v[s]; });
  auto m = TreeReduce<kN>(t, [](auto a, auto b) { return hn::Max(a, b); });
  each([&](auto s) { t[s] = v[s]; });
  m = hn::IfThenElse(hn::IsNaN(TreeReduce<kN>(t, add)), hn::Set(dc, std::numeric_limits<double>::quiet_NaN()), m);
  each([&](auto s) { t[s] = v[s] = Body<Op>::template Numerator<T>(dc, v[s], m); });
  const auto den = Body<Op>::template Denominator<T>(dc, TreeReduce<kN>(t, add), m);
  each([&](auto s) { v[s] = Body<Op>::template Normalize<T>(dc, v[s], den); });
}

// Slices `inner` apart up to this length keep their numerators on the
// stack between the sum and the outputs (SlicesForward's kKept; a quad of
// doubles a slice element: 32 KiB), where longer ones compute each
// exponential twice. Contiguous short rows keep kSmallRow.
inline constexpr std::size_t kStridedKept = 128;

// One vector of lanes, each lane its own slice of `size` elements `stride`
// apart starting at x + lane: max, sum and outputs run lane by lane in slice
// order, the same on every target.
template <class Op, class T, std::size_t kKept = kSmallRow, class DC, class DS>
HWY_INLINE void SlicesForward(DC dc, DS ds, const T* x, T* y, std::size_t size, std::size_t stride) {
  auto m = LoadAs(dc, ds, x);
  for (std::size_t s = 1; s < size; ++s) m = MaxNaN(dc, m, LoadAs(dc, ds, x + s * stride));
  auto sum = hn::Zero(dc), err = hn::Zero(dc);
  if (size <= kKept) {
    // Short slices keep their numerators between the sum and the outputs.
    hn::Vec<DC> num[kKept];
    for (std::size_t s = 0; s < size; ++s) {
      num[s] = Body<Op>::template Numerator<T>(dc, LoadAs(dc, ds, x + s * stride), m);
      AddCompensated(sum, err, num[s]);
    }
    const auto den = Body<Op>::template Denominator<T>(dc, hn::Add(sum, err), m);
    for (std::size_t s = 0; s < size; ++s) {
      StoreAs(dc, ds, Body<Op>::template Normalize<T>(dc, num[s], den), y + s * stride);
    }
    return;
  }
  for (std::size_t s = 0; s < size; ++s) {
    AddCompensated(sum, err, Body<Op>::template Numerator<T>(dc, LoadAs(dc, ds, x + s * stride), m));
  }
  sum = hn::Add(sum, err);
  const auto den = Body<Op>::template Denominator<T>(dc, sum, m);
  for (std::size_t s = 0; s < size; ++s) {
    const auto v = Body<Op>::template Numerator<T>(dc, LoadAs(dc, ds, x + s * stride), m);
    StoreAs(dc, ds, Body<Op>::template Normalize<T>(dc, v, den), y + s * stride);
  }
}

// Slices `stride` apart, one per lane: PyTorch's strided reduction starts
// from +0 (contiguous rows start from -0: ShortRowSum, SumFixedOrder).
template <class Op, class T, class DC, class DS>
HWY_INLINE void SlicesBackward(DC dc, DS ds, const T* y, const T* dy, T* dx, std::size_t size,
                               std::size_t stride) {
  auto dot = hn::Zero(dc);
  for (std::size_t s = 0; s < size; ++s) {
    dot = AddProduct<T>(dot, LoadAs(dc, ds, y + s * stride), LoadAs(dc, ds, dy + s * stride));
  }
  for (std::size_t s = 0; s < size; ++s) {
    const std::size_t k = s * stride;
    StoreAs(dc, ds, Body<Op>::template Backward<T>(dc, LoadAs(dc, ds, y + k), LoadAs(dc, ds, dy + k), dot), dx + k);
  }
}

// The max m of x[0, n) and the sum of Numerator(x_i, m), reading x once
// (Milakov & Gimelshein 2018): element i goes to accumulator i mod
// kChainGroup, which keeps its own running max m_j and sum s_j of
// Numerator(x, m_j), rescaling s_j by Numerator(m_j, x) = e^(m_j - x) when x
// exceeds m_j; one exponential per element, e^-|x - m_j|. The accumulators are
// combined in a fixed order, so no target changes the result. -inf elements
// add nothing (an all -inf row gives NaN in the outputs, as in PyTorch); NaN
// anywhere makes m NaN.
template <class Op, class T>
HWY_INLINE std::pair<double, double> OnlineMaxSum(const T* x, std::size_t n) {
  using DC = hn::ScalableTag<double>;
  const hn::QuadD<DC> dq;
  constexpr std::size_t kGroup = kChainGroup;
  constexpr std::size_t kQuads = kQuadsFor<kGroup, DC>;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const auto step = [x](auto d, auto ds, std::size_t i, auto& m, auto& s, auto& nan) {
    const auto v = LoadAs(d, ds, x + i);
    const auto e = Body<Op>::template Numerator<T>(d, hn::Min(v, m), hn::Max(v, m));
    const auto up = v > m;
    const auto s_new = hn::IfThenElse(up, hn::Add(hn::Mul(s, e), hn::Set(d, 1.0)), hn::Add(s, e));
    const auto skip = hn::Eq(v, hn::Set(d, -kInf));
    s = hn::IfThenElse(skip, s, s_new);
    m = hn::IfThenElse(up, v, m);
    nan = hn::Or(nan, hn::VecFromMask(d, hn::IsNaN(v)));
  };
  hn::Vec<decltype(dq)> m[kQuads], s[kQuads], nan[kQuads];
  for (std::size_t q = 0; q < kQuads; ++q) m[q] = hn::Set(dq, -kInf), s[q] = nan[q] = hn::Zero(dq);
  std::size_t i = ForEachAccumulated<T, kGroup, DC>(n, std::array{m, s, nan}, step);
  alignas(64) double ms[kStoredFor<kGroup, DC>], ss[kStoredFor<kGroup, DC>], nans[kStoredFor<kGroup, DC>];
  StoreQuads<kGroup, DC>(m, ms);
  StoreQuads<kGroup, DC>(s, ss);
  StoreQuads<kGroup, DC>(nan, nans);
  const hn::CappedTag<double, 1> d1;
  for (; i < n; ++i) {
    const std::size_t j = i % kGroup;
    auto mj = hn::Set(d1, ms[j]), sj = hn::Set(d1, ss[j]), nj = hn::Set(d1, nans[j]);
    step(d1, hn::Rebind<T, decltype(d1)>(), i, mj, sj, nj);
    ms[j] = hn::GetLane(mj);
    ss[j] = hn::GetLane(sj);
    nans[j] = hn::GetLane(nj);
  }
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // A flagged lane holds all ones, which is a NaN and so unequal to 0.
  for (std::size_t j = 0; j < kGroup; ++j) {
    if (!(nans[j] == 0.0)) return {kNaN, kNaN};
  }
  double mx = ms[0];
  for (std::size_t j = 1; j < kGroup; ++j) mx = std::max(mx, ms[j]);
  for (std::size_t j = 0; j < kGroup; ++j) {
    ss[j] *= hn::GetLane(Body<Op>::template Numerator<T>(d1, hn::Set(d1, ms[j]), hn::Set(d1, mx)));
  }
  return {mx, PairwiseSum<kGroup>(ss)};
}

// ---- short rows, each in vectors of its own ----

// Lanes [0, n) of T at p in the compute type of dc, the rest 0; reads nothing
// past p + n. AVX2 and AVX-512 mask their loads; older targets copy.
template <class DC, class DS>
HWY_INLINE hn::Vec<DC> LoadFirstAs(DC dc, DS ds, const hn::TFromD<DS>* p, std::size_t n) {
  if (n >= hn::Lanes(ds)) return LoadAs(dc, ds, p);
  if constexpr (kMaskedTails) {
    return LoadAs(dc, FirstLanes<DS>{n}, p);
  } else {
    alignas(64) hn::TFromD<DS> part[hn::MaxLanes(ds)] = {};
    std::copy(p, p + n, part);
    return LoadAs(dc, ds, part);
  }
}

// Stores lanes [0, n) of v at p as T, writing nothing past p + n.
template <class DC, class DS>
HWY_INLINE void StoreFirstAs(DC dc, DS ds, hn::Vec<DC> v, hn::TFromD<DS>* p, std::size_t n) {
  if (n >= hn::Lanes(ds)) return StoreAs(dc, ds, v, p);
  StoreAs(dc, FirstLanes<DS>{n}, v, p);
}

// Float rows up to this length run forward in vectors of their own: up to
// 2 kChainGroup = 64 where that is at most 8 vectors of double (AVX-512), else
// kSmallRow. Rows of 33 to 64 in vectors of their own (ShortRowsForwardGroup)
// ran 1.35x-2.3x the long rows' path, which then paid for its tails one lane
// at a time (rows of 33, 40, 48, 63 and 64; medians of three alternations, 8 Ki
// elements, one thread), and give the same bits as the long rows' path on
// other targets: for rows up to 2 kChainGroup, its sum (kChainGroup
// accumulators, element i into i mod kChainGroup, then pairwise) is
// ShortRowSum's halving tree, and every other step is element-wise.
// (Backward stays at kSmallRow: the long rows' outputs are formed in float
// lanes, BackwardSplit, the short rows' in double.)
template <class T, class DC>
inline constexpr std::size_t kForwardVectorRow =
    sizeof(T) == 4 && hn::MaxLanes(DC()) >= 8 ? 2 * kChainGroup : kSmallRow;

// A row of up to kForwardVectorRow elements as vectors v[0, count) of the
// compute type, lanes past the row's end holding a pad value. `count` is a
// compile-time constant (std::integral_constant) on targets with 4 lanes or
// more of double, so that v lives in registers, and v has `count` slots.
template <class DC>
inline constexpr std::size_t kMaxRowVectors =
    std::max<std::size_t>(1, kForwardVectorRow<float, DC> / hn::MaxLanes(DC()));

// The vectors a row takes where WithRowVectors passes them as a
// std::integral_constant, else 0 (known only at run time).
template <class Count>
constexpr std::size_t KnownCount() {
  if constexpr (requires { Count::value; }) {
    return Count::value;
  } else {
    return 0;
  }
}

template <class DC, class Count>
constexpr std::size_t RowSlots() {
  return KnownCount<Count>() != 0 ? KnownCount<Count>() : kMaxRowVectors<DC>;
}

template <class DC, class Count>
struct ShortRow {
  hn::Vec<DC> v[RowSlots<DC, Count>()];
  Count count;
  std::size_t last;  // elements in v[count - 1]
};

template <class DC, class DS, class Count>
HWY_INLINE ShortRow<DC, Count> LoadShortRow(DC dc, DS ds, const hn::TFromD<DS>* p, std::size_t size, Count count,
                                            double pad) {
  const std::size_t lanes = hn::Lanes(dc);
  ShortRow<DC, Count> r;
  r.count = count;
  r.last = size - (count - 1) * lanes;
  for (std::size_t k = 0; k + 1 < count; ++k) r.v[k] = LoadAs(dc, ds, p + k * lanes);
  const auto tail = LoadFirstAs(dc, ds, p + (count - 1) * lanes, r.last);
  r.v[count - 1] = hn::IfThenElse(hn::FirstN(dc, r.last), tail, hn::Set(dc, pad));
  return r;
}

// Stores row r's vectors as T at p, `size` elements.
template <class DC, class DS, class Count>
HWY_INLINE void StoreShortRow(DC dc, DS ds, const ShortRow<DC, Count>& r, hn::TFromD<DS>* p) {
  const std::size_t lanes = hn::Lanes(dc);
  for (std::size_t k = 0; k + 1 < r.count; ++k) StoreAs(dc, ds, r.v[k], p + k * lanes);
  StoreFirstAs(dc, ds, r.v[r.count - 1], p + (r.count - 1) * lanes, r.last);
}

// The sum of a short row whose lanes past its end hold -0 (the identity of
// IEEE addition), in one fixed tree on every target: slots j and j + S/2 of
// the row padded to a power of two S first, then j and j + S/4, ...: whole
// vectors add while S spans more than one, then halves of the last.
// kCompensated: every addition also sums its rounding error (TwoSum), added
// back at the end.
// The row's vectors row[0, count) are copied into a local array, only those:
// a copy of a whole ShortRow (passed by value) was a block copy on AVX2 (rep
// movsq, 60% of the time of softmax backward over rows of 10).
template <bool kCompensated, class DC, class Count>
HWY_INLINE double ShortRowSum(DC dc, const hn::Vec<DC>* row, Count row_count) {
  std::size_t count = 1;
  while (count < row_count) count *= 2;
  count = std::min(count, kMaxRowVectors<DC>);  // row_count <= kMaxRowVectors, a power of two
  hn::Vec<DC> v[kMaxRowVectors<DC>], err[kMaxRowVectors<DC>];
  for (std::size_t k = 0; k < count; ++k) {
    v[k] = k < row_count ? row[k] : hn::Set(dc, -0.0);
    err[k] = hn::Zero(dc);
  }
  for (; count > 1; count /= 2) {
    for (std::size_t j = 0; j < count / 2; ++j) {
      if constexpr (kCompensated) {
        const Pair<hn::Vec<DC>> t = TwoSum(v[j], v[j + count / 2]);
        v[j] = t.hi;
        err[j] = hn::Add(hn::Add(err[j], err[j + count / 2]), t.lo);
      } else {
        v[j] = hn::Add(v[j], v[j + count / 2]);
      }
    }
  }
  return FoldLanes<kCompensated>(dc, v[0], err[0]);
}

// Calls f(count) with the vectors of dc that a row of `size` (at most
// kMaxRow) needs, as a std::integral_constant where a row needs at most 8 (a
// switch over them); fewer lanes (SSE4, scalar) pass it as a number.
template <std::size_t kMaxRow, class DC, class F>
HWY_INLINE void WithRowVectors(DC dc, std::size_t size, const F& f) {
  const std::size_t count = (size + hn::Lanes(dc) - 1) / hn::Lanes(dc);
  constexpr std::size_t kMaxCount = (kMaxRow + hn::MaxLanes(dc) - 1) / hn::MaxLanes(dc);
  if constexpr (kMaxRowVectors<DC> <= 8) {
    ForIndex<kMaxCount>([&](auto k) {
      if (count == k + 1) f(std::integral_constant<std::size_t, k + 1>{});
    });
  } else {
    f(count);
  }
}

// Softmax-like ops over short contiguous rows, vectors along the row.
// Where a vector of rows (ForEachRowBlock) would first transpose them, a row
// needs nothing but masked loads and stores; its max is exact in any order,
// its sum is ShortRowSum's tree. A row is one chain of ~130 cycles (max,
// exponentials, sum, division), so kShortRowGroup rows go through each step
// together, their chains interleaved; the rows left go one at a time, each
// row computed alike.
inline constexpr std::size_t kShortRowGroup = 4;

template <class Op, class T, std::size_t kRows, class DC, class DS, class Count>
HWY_INLINE void ShortRowsForwardGroup(DC dc, DS ds, const T* x, T* y, std::size_t size, Count count) {
  const hn::CappedTag<double, 1> d1;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  ShortRow<DC, Count> r[kRows];
  for (std::size_t g = 0; g < kRows; ++g) r[g] = LoadShortRow(dc, ds, x + g * size, size, count, -kInf);
  hn::Vec<DC> max[kRows];
  for (std::size_t g = 0; g < kRows; ++g) {
    auto m = r[g].v[0];
    auto nan = hn::IsNaN(r[g].v[0]);
    for (std::size_t k = 1; k < count; ++k) {
      m = hn::Max(m, r[g].v[k]);
      nan = hn::Or(nan, hn::IsNaN(r[g].v[k]));
    }
    max[g] = hn::AllFalse(dc, nan) ? hn::MaxOfLanes(dc, m) : hn::Set(dc, std::numeric_limits<double>::quiet_NaN());
  }
  for (std::size_t g = 0; g < kRows; ++g) {
    // Lanes past the row's end take the max (numerator 1, then dropped): -inf
    // there would make double's exp produce subnormals, 3x slower.
    r[g].v[count - 1] = hn::IfThenElse(hn::FirstN(dc, r[g].last), r[g].v[count - 1], max[g]);
    for (std::size_t k = 0; k < count; ++k) r[g].v[k] = Body<Op>::template Numerator<T>(dc, r[g].v[k], max[g]);
    r[g].v[count - 1] = hn::IfThenElse(hn::FirstN(dc, r[g].last), r[g].v[count - 1], hn::Set(dc, -0.0));
  }
  for (std::size_t g = 0; g < kRows; ++g) {
    const double sum = ShortRowSum<sizeof(T) == 8>(dc, r[g].v, count);
    const auto den1 = Body<Op>::template Denominator<T>(d1, hn::Set(d1, sum), hn::Set(d1, hn::GetLane(max[g])));
    const auto den = hn::Set(dc, hn::GetLane(den1));
    for (std::size_t k = 0; k < count; ++k) r[g].v[k] = Body<Op>::template Normalize<T>(dc, r[g].v[k], den);
  }
  for (std::size_t g = 0; g < kRows; ++g) StoreShortRow(dc, ds, r[g], y + g * size);
}

template <class Op, class T, std::size_t kRows, class DC, class DS, class Count>
HWY_INLINE void ShortRowsBackwardGroup(DC dc, DS ds, const T* y, const T* dy, T* dx, std::size_t size,
                                       Count count) {
  ShortRow<DC, Count> ry[kRows], r[kRows];
  for (std::size_t g = 0; g < kRows; ++g) {
    // Padded with -0 and +0: their products, -0, add nothing to the dot.
    ry[g] = LoadShortRow(dc, ds, y + g * size, size, count, -0.0);
    r[g] = LoadShortRow(dc, ds, dy + g * size, size, count, 0.0);
  }
  hn::Vec<DC> dot[kRows];
  ForIndex<kRows>([&](auto g) ACTIVA_INLINE_LAMBDA {
    hn::Vec<DC> p[kMaxRowVectors<DC>];
    for (std::size_t k = 0; k < count; ++k) p[k] = hn::Mul(ry[g].v[k], r[g].v[k]);
    dot[g] = hn::Set(dc, ShortRowSum<false>(dc, p, count));
  });
  for (std::size_t g = 0; g < kRows; ++g) {
    for (std::size_t k = 0; k < count; ++k) r[g].v[k] = Body<Op>::template Backward<T>(dc, ry[g].v[k], r[g].v[k], dot[g]);
    StoreShortRow(dc, ds, r[g], dx + g * size);
  }
}

// The rows of a group: kShortRowGroup, or fewer where a group may hold at most
// kGroupVectors vectors of each input (the count known, KnownCount), at least
// one row.
template <std::size_t kGroupVectors, class Count>
constexpr std::size_t GroupRows() {
  if constexpr (KnownCount<Count>() == 0) {
    return kShortRowGroup;
  } else {
    return std::clamp<std::size_t>(kGroupVectors / KnownCount<Count>(), 1, kShortRowGroup);
  }
}

// Calls f(dc, ds, rows, base, count) for the contiguous rows [begin, end) of
// `size` (at most kMaxRow): GroupRows rows at a time while they last, then
// one, with rows a std::integral_constant, base the first row's offset and
// count the vectors a row takes (WithRowVectors). Backward's groups hold at
// most 4 vectors of y and of dy (four rows of one vector, two of two, else
// one): with four rows of three vectors, GCC kept the group in memory even on
// AVX-512, and on AVX2 in block copies.
template <class T, bool kWiden, std::size_t kMaxRow, std::size_t kGroupVectors = SIZE_MAX, class F>
HWY_INLINE void ForEachShortRowGroup(std::size_t size, std::int64_t begin, std::int64_t end, const F& f) {
  using DC = hn::ScalableTag<ComputeT<T, kWiden>>;
  const DC dc;
  const hn::Rebind<T, DC> ds;
  // Inlined, and so is backward's f: once the long rows' loops held masked
  // tails, GCC kept backward's groups out of line (rows of 10 and 16 ran
  // 0.84x on AVX-512).
  WithRowVectors<kMaxRow>(dc, size, [&](auto count) ACTIVA_INLINE_LAMBDA {
    std::int64_t o = begin;
    const auto run = [&](auto rows) ACTIVA_INLINE_LAMBDA {
      for (; o + static_cast<std::int64_t>(rows) <= end; o += static_cast<std::int64_t>(rows)) {
        f(dc, ds, rows, static_cast<std::size_t>(o) * size, count);
      }
    };
    run(std::integral_constant<std::size_t, GroupRows<kGroupVectors, decltype(count)>()>{});
    run(std::integral_constant<std::size_t, 1>{});
  });
}

// dst[c * dst_stride + r] = src[r * src_stride + c] for the whole 8 x 8
// tiles of [0, rows) x [0, columns), on targets with 8 float lanes or more:
// each tile 8 loads of 8 floats, 24 shuffles and 8 stores, where element by
// element took 128 moves. Returns whether it ran (else it did nothing).
HWY_INLINE bool TransposeTiles(const float* src, std::size_t src_stride, float* dst, std::size_t dst_stride,
                               std::size_t rows, std::size_t columns) {
#if HWY_MAX_BYTES >= 32
  const hn::FixedTag<float, 8> d;
  const hn::Repartition<double, decltype(d)> dd;
  for (std::size_t r = 0; r + 8 <= rows; r += 8) {
    for (std::size_t c = 0; c + 8 <= columns; c += 8) {
      hn::Vec<decltype(d)> v[8], a[8];
      for (std::size_t k = 0; k < 8; ++k) v[k] = hn::LoadU(d, src + (r + k) * src_stride + c);
      // a[2m], a[2m + 1]: rows 2m and 2m + 1 interleaved, columns {0, 1, 4, 5}
      // and {2, 3, 6, 7}.
      for (std::size_t m = 0; m < 4; ++m) {
        a[2 * m] = hn::InterleaveLower(d, v[2 * m], v[2 * m + 1]);
        a[2 * m + 1] = hn::InterleaveUpper(d, v[2 * m], v[2 * m + 1]);
      }
      // v[4h + k]: rows 4h to 4h + 3 of columns k and k + 4.
      for (std::size_t h = 0; h < 2; ++h) {
        for (std::size_t k = 0; k < 2; ++k) {
          const auto lo = hn::BitCast(dd, a[4 * h + k]), hi = hn::BitCast(dd, a[4 * h + 2 + k]);
          v[4 * h + 2 * k] = hn::BitCast(d, hn::InterleaveLower(dd, lo, hi));
          v[4 * h + 2 * k + 1] = hn::BitCast(d, hn::InterleaveUpper(dd, lo, hi));
        }
      }
      for (std::size_t k = 0; k < 4; ++k) {
        hn::StoreU(hn::ConcatLowerLower(d, v[4 + k], v[k]), d, dst + (c + k) * dst_stride + r);
        hn::StoreU(hn::ConcatUpperUpper(d, v[4 + k], v[k]), d, dst + (c + k + 4) * dst_stride + r);
      }
    }
  }
  return true;
#else
  (void)src, (void)src_stride, (void)dst, (void)dst_stride, (void)rows, (void)columns;
  return false;
#endif
}

// Element s of row r of the `lanes` rows of `size` at rows to
// columns[s * lanes + r]: rows of 1 to 4 a vector of rows at a time by
// Highway's interleaved loads (softmax forward 1.8x-2.2x the copy element by
// element), longer ones element by element.
template <class T>
HWY_INLINE void ToColumns(const T* rows, T* columns, std::size_t size, std::size_t lanes) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const std::size_t n = hn::Lanes(d);
  if (size <= 4 && lanes % n == 0) {
    for (std::size_t q = 0; q < lanes; q += n) {
      const T* p = rows + q * size;
      V v[4];
      if (size == 1) v[0] = hn::LoadU(d, p);
      if (size == 2) hn::LoadInterleaved2(d, p, v[0], v[1]);
      if (size == 3) hn::LoadInterleaved3(d, p, v[0], v[1], v[2]);
      if (size == 4) hn::LoadInterleaved4(d, p, v[0], v[1], v[2], v[3]);
      for (std::size_t s = 0; s < size; ++s) hn::StoreU(v[s], d, columns + s * lanes + q);
    }
    return;
  }
  // With lanes a multiple of 8, the tiles leave the columns past size / 8 * 8.
  std::size_t done = 0;
  if constexpr (std::is_same_v<T, float>) {
    if (lanes % 8 == 0 && TransposeTiles(rows, size, columns, lanes, lanes, size)) done = size / 8 * 8;
  }
  for (std::size_t r = 0; r < lanes; ++r) {
    for (std::size_t s = done; s < size; ++s) columns[s * lanes + r] = rows[r * size + s];
  }
}

// The inverse of ToColumns.
template <class T>
HWY_INLINE void FromColumns(const T* columns, T* rows, std::size_t size, std::size_t lanes) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const std::size_t n = hn::Lanes(d);
  if (size <= 4 && lanes % n == 0) {
    for (std::size_t q = 0; q < lanes; q += n) {
      T* p = rows + q * size;
      V v[4];
      for (std::size_t s = 0; s < size; ++s) v[s] = hn::LoadU(d, columns + s * lanes + q);
      if (size == 1) hn::StoreU(v[0], d, p);
      if (size == 2) hn::StoreInterleaved2(v[0], v[1], d, p);
      if (size == 3) hn::StoreInterleaved3(v[0], v[1], v[2], d, p);
      if (size == 4) hn::StoreInterleaved4(v[0], v[1], v[2], v[3], d, p);
    }
    return;
  }
  std::size_t done = 0;
  if constexpr (std::is_same_v<T, float>) {
    if (lanes % 8 == 0 && TransposeTiles(columns, lanes, rows, size, size, lanes)) done = size / 8 * 8;
  }
  for (std::size_t r = 0; r < lanes; ++r) {
    for (std::size_t s = done; s < size; ++s) rows[r * size + s] = columns[s * lanes + r];
  }
}

// Calls f(dc, ds, source, destination, stride) for blocks of rows
// [o, o + lanes) of contiguous rows of `size`: full blocks are transposed into
// buf (element s of row r at buf[s * lanes + r]) and back, where kInterleave
// four vectors of rows at a time as a quad while they last (twin-inl.h: a
// block's max, sum and division are one dependency chain), then one; single rows
// (the tail) run in place with one-lane vectors and stride 1.
template <class T, bool kWiden, bool kInterleave, class F>
HWY_INLINE void ForEachRowBlock(const T* in, T* out, std::size_t size, std::int64_t begin, std::int64_t end,
                                const F& f) {
  using DC = hn::ScalableTag<ComputeT<T, kWiden>>;
  using DS = hn::Rebind<T, DC>;
  constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(ComputeT<T, kWiden>);
  alignas(64) T buf[2][kSmallRow * (kInterleave ? 4 : 1) * kMaxLanes];
  std::int64_t o = begin;
  const auto blocks = [&](auto dc, auto ds) {
    const std::size_t lanes = hn::Lanes(dc);
    for (; o + static_cast<std::int64_t>(lanes) <= end; o += static_cast<std::int64_t>(lanes)) {
      const std::size_t base = static_cast<std::size_t>(o) * size;
      ToColumns(in + base, buf[0], size, lanes);
      f(dc, ds, buf[0], buf[1], lanes);
      FromColumns(buf[1], out + base, size, lanes);
    }
  };
  if constexpr (kInterleave) blocks(hn::QuadD<DC>(), hn::QuadD<DS>());
  blocks(DC(), DS());
  const hn::CappedTag<ComputeT<T, kWiden>, 1> dc1;
  const hn::Rebind<T, decltype(dc1)> ds1;
  for (; o < end; ++o) {
    const std::size_t base = static_cast<std::size_t>(o) * size;
    f(dc1, ds1, in + base, out + base, std::size_t{1});
  }
}

// Slices `inner` apart with fewer of them in an outer block than a vector has
// lanes go lanes outer blocks at a time (ForEachSliceBlock) where a block's
// size * inner elements are at most this many.
inline constexpr std::size_t kSliceBlockWidth = 512;

// Whether slices `inner` apart take ForEachSliceBlock, which fills every lane
// where one outer block at a time leaves lanes - inner of them idle, at the
// cost of transposing the blocks (TransposeTiles for float, element by element
// for double). Measured against one outer block at a time (one thread, 256 Ki
// elements, slices of 10 and 100, the same bits): float forward 3.5x-3.7x at
// inner 2, 1.3x-1.5x at 5, 1.07x at 7 on AVX-512's 8 double lanes; float
// backward 1.9x-2.9x at 2, 1.23x-1.3x at 4, 0.58x-0.95x from 5; double
// forward 2.1x-2.7x at 2, 1.1x-1.2x at 4, 0.87x at 7; double backward
// 0.2x-0.85x. On AVX2's 4, float 1.4x-4.5x at 2 and 3, both ways.
template <class T, bool kWiden, bool kBackward>
HWY_INLINE bool TakesSliceBlocks(std::size_t size, std::size_t inner) {
  const std::size_t lanes = hn::Lanes(hn::ScalableTag<ComputeT<T, kWiden>>());
  const std::size_t most = sizeof(T) == 4 ? (kBackward ? std::min<std::size_t>(lanes - 1, 4) : lanes - 1)
                                          : (kBackward ? 1 : lanes / 2);
  return inner > 1 && inner <= most && size * inner <= kSliceBlockWidth;
}

// Calls f(dc, ds, buf, lanes) for blocks of `lanes` consecutive outer blocks
// of `width` elements (size * inner) from [begin, end): each array of `in`
// transposed into buf[k] (element c of block r at buf[k][c * lanes + r]), so
// that slice j of block r is lane r of the vectors at buf[k] + j * lanes,
// inner * lanes apart; f leaves the outputs in the last buffer, which goes
// back to `out`. Four vectors of blocks at a time as a quad where they fit
// (twin-inl.h: each vector of slices is one dependency chain), then one.
// Each lane computes what one outer block at a time does: the same bits.
// Returns the first outer block not done (fewer than a vector's lanes left).
template <class T, bool kWiden, std::size_t kArrays, class F>
HWY_INLINE std::int64_t ForEachSliceBlock(const std::array<const T*, kArrays>& in, T* out, std::size_t width,
                                          std::int64_t begin, std::int64_t end, const F& f) {
  using DC = hn::ScalableTag<ComputeT<T, kWiden>>;
  using DS = hn::Rebind<T, DC>;
  constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(ComputeT<T, kWiden>);
  alignas(64) T buf[kArrays][kSliceBlockWidth * kMaxLanes];
  std::int64_t o = begin;
  const auto blocks = [&](auto dc, auto ds, std::size_t lanes) ACTIVA_INLINE_LAMBDA {
    for (; o + static_cast<std::int64_t>(lanes) <= end; o += static_cast<std::int64_t>(lanes)) {
      const std::size_t base = static_cast<std::size_t>(o) * width;
      for (std::size_t k = 0; k < kArrays; ++k) ToColumns(in[k] + base, buf[k], width, lanes);
      f(dc, ds, buf, lanes);
      FromColumns(buf[kArrays - 1], out + base, width, lanes);
    }
  };
  const std::size_t lanes = hn::Lanes(DC());
  if (4 * width <= kSliceBlockWidth) blocks(hn::QuadD<DC>(), hn::QuadD<DS>(), 4 * lanes);
  blocks(DC(), DS(), lanes);
  return o;
}

#if HWY_TARGET <= HWY_AVX3
// Float rows up to this length run in blocks of 8 transposed in registers
// (TransposedRowsForward) on targets with 16 float lanes.
inline constexpr std::size_t kTransposedRow = 16;

// Transposes 8 rows of 16 floats: v[k], row k, becomes v[j] = [column j |
// column j + 8], each column's 8 elements in row order. Applied to [column j
// | column j + 8] it gives the rows back. Three stages of 8 interleaves,
// block swaps and blends: 32 operations per 8 rows.
template <class D>
HWY_INLINE void Transpose8x16(D d, hn::Vec<D>* v) {
  const hn::Repartition<double, D> dd;
  // Block b of a[k] (k even) holds rows k and k + 1 of columns 4b and 4b + 1,
  // of a[k + 1] columns 4b + 2 and 4b + 3.
  hn::Vec<D> a[8];
  for (std::size_t k = 0; k < 8; k += 2) {
    a[k] = hn::InterleaveLower(d, v[k], v[k + 1]);
    a[k + 1] = hn::InterleaveUpper(d, v[k], v[k + 1]);
  }
  // Block b of q[h][m] holds rows 4h to 4h + 3 of column 4b + m.
  hn::Vec<D> q[2][4];
  for (std::size_t h = 0; h < 2; ++h) {
    for (std::size_t c = 0; c < 2; ++c) {
      const auto lo = hn::BitCast(dd, a[4 * h + c]), hi = hn::BitCast(dd, a[4 * h + 2 + c]);
      q[h][2 * c] = hn::BitCast(d, hn::InterleaveLower(dd, lo, hi));
      q[h][2 * c + 1] = hn::BitCast(d, hn::InterleaveUpper(dd, lo, hi));
    }
  }
  for (std::size_t m = 0; m < 4; ++m) {
    v[m] = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(q[1][m]), q[0][m]);
    v[m + 4] = hn::OddEvenBlocks(q[1][m], hn::SwapAdjacentBlocks(q[0][m]));
  }
}

// Calls f(dc, v, size) for blocks of 8 contiguous float rows of `size`
// (kVectorRow to kTransposedRow) from [begin, end), v[s] holding element s of
// each row as doubles, size a std::integral_constant; f leaves the outputs in
// v. Two blocks go as a twin (twin-inl.h: a block is one dependency chain of
// ~150 cycles, transpositions, max, exponentials, sum, division), then one.
// Rows are loaded and stored masked (nothing read or written past them) and
// transposed in registers. Returns the first row not done (fewer than 8
// left). Every lambda is inlined (ACTIVA_INLINE_LAMBDA): GCC kept the
// blocks' transposition and stores out of line, a call a block that passed
// the outputs through memory (softmax forward 1.19x-1.28x inlined at rows of
// 5, 10 and 16, medians of five alternations, 4 Ki elements, one thread).
template <class F>
HWY_INLINE std::int64_t ForEachTransposedBlock(const float* in, float* out, std::size_t size, std::int64_t begin,
                                               std::int64_t end, const F& f) {
  const hn::ScalableTag<float> d;
  const hn::Half<decltype(d)> dh;
  using DC = hn::Repartition<double, decltype(d)>;
  std::int64_t o = begin;
  ForIndex<kTransposedRow + 1>([&](auto k) {
    constexpr std::size_t kSize = k;
    if constexpr (kSize >= kVectorRow<float>) {
      if (size != kSize) return;
      const auto mask = hn::FirstN(d, kSize);
      // A local row index: the masked stores may alias anything, o included.
      std::int64_t row = o;
      const auto blocks = [&]<std::size_t kBlocks>(auto dc, std::integral_constant<std::size_t, kBlocks>) {
        for (; row + 8 * static_cast<std::int64_t>(kBlocks) <= end; row += 8 * kBlocks) {
          const std::size_t base = static_cast<std::size_t>(row) * kSize;
          hn::Vec<decltype(d)> v[kBlocks][8];
          hn::Vec<decltype(dc)> c[kSize];
          ForIndex<kBlocks>([&](auto b) ACTIVA_INLINE_LAMBDA {
            ForIndex<8>([&](auto r) ACTIVA_INLINE_LAMBDA {
              v[b][r] = hn::MaskedLoad(mask, d, in + base + (8 * b + r) * kSize);
            });
            Transpose8x16(d, v[b]);
          });
          ForIndex<kSize>([&](auto s) ACTIVA_INLINE_LAMBDA {
            const auto column = [&](std::size_t b) ACTIVA_INLINE_LAMBDA {
              return hn::PromoteTo(DC(), s < 8 ? hn::LowerHalf(dh, v[b][s % 8]) : hn::UpperHalf(dh, v[b][s % 8]));
            };
            if constexpr (kBlocks == 1) {
              c[s] = column(0);
            } else {
              c[s] = {column(0), column(1)};
            }
          });
          f(dc, c, std::integral_constant<std::size_t, kSize>{});
          ForIndex<kBlocks>([&](auto b) ACTIVA_INLINE_LAMBDA {
            const auto half = [&](auto s) ACTIVA_INLINE_LAMBDA {
              if constexpr (s >= kSize) {
                return hn::Zero(dh);
              } else if constexpr (kBlocks == 1) {
                return hn::DemoteTo(dh, c[s]);
              } else {
                return hn::DemoteTo(dh, b == 0 ? c[s].a : c[s].b);
              }
            };
            ForIndex<8>([&](auto j) ACTIVA_INLINE_LAMBDA {
              v[b][j] = hn::Combine(d, half(std::integral_constant<std::size_t, j + 8>{}), half(j));
            });
            Transpose8x16(d, v[b]);
            ForIndex<8>([&](auto r) ACTIVA_INLINE_LAMBDA {
              hn::BlendedStore(v[b][r], mask, d, out + base + (8 * b + r) * kSize);
            });
          });
        }
      };
      blocks(hn::TwinD<DC>(), std::integral_constant<std::size_t, 2>{});
      blocks(DC(), std::integral_constant<std::size_t, 1>{});
      o = row;
    }
  });
  return o;
}
#endif

// Prefetches the 64-byte lines that start in p[i, i + lanes): called with
// the next row's elements at a block of this row's, it fetches each line once.
template <class T>
HWY_INLINE void PrefetchLines(const T* p, std::size_t i, std::size_t lanes) {
  constexpr std::size_t kLine = 64 / sizeof(T);
  for (std::size_t k = (kLine - i % kLine) % kLine; k < lanes; k += kLine) hwy::Prefetch(p + i + k);
}

// Contiguous rows up to this length keep their numerators on the stack
// (16 KiB of doubles) between the sum and the outputs.
inline constexpr std::size_t kBufferedRow = 2048;

// Float rows up to this length (1 MiB, half of a 2 MiB L2) find their max in
// a pass of its own and stay in L2 for the sum and the outputs: 1.25x-1.4x the
// one-pass max and sum (OnlineMaxSum, whose running maxima cost ~10
// operations per vector) at rows of 4,096 and 100,000 in L2, even at rows of
// 100,000 from memory; with the numerators kept in the output, 1.37x at rows
// of 200,000 in L3 and 1.17x (1.26x on two threads) from memory. Longer rows
// still ran 1.03x-1.2x faster in three passes (400,000 to 4 million, from
// this machine's 260 MiB L3), but their second and third reads would come
// from memory where the last-level cache is smaller: the input is read from
// memory at most twice.
inline constexpr std::size_t kOnlineRow = std::size_t{1} << 18;

// The max of x[0, n), NaN if any element is NaN (PyTorch's max propagates
// NaN). In the element type, where max is exact and its order does not
// matter: a quad of running maxima, so no one chain of Max latencies.
template <class T>
HWY_INLINE double RowMax(const T* x, std::size_t n) {
  const hn::ScalableTag<T> d;
  const hn::QuadD<decltype(d)> dq;
  const std::size_t lanes = hn::Lanes(d);
  // v (a vector or a quad) into the running max m and NaN flags nan.
  const auto take = [](auto dv, auto& m, auto& nan, auto v) ACTIVA_INLINE_LAMBDA {
    nan = hn::Or(nan, hn::VecFromMask(dv, hn::IsNaN(v)));
    m = hn::Max(m, v);
  };
  auto mq = hn::Set(dq, -std::numeric_limits<T>::infinity());
  auto nanq = hn::Zero(dq);
  std::size_t i = 0;
  for (; i + 4 * lanes <= n; i += 4 * lanes) take(dq, mq, nanq, hn::LoadU(dq, x + i));
  const auto m2 = hn::Max(mq.a, mq.b);
  const auto nan2 = hn::Or(nanq.a, nanq.b);
  auto m = hn::Max(m2.a, m2.b);
  auto nan = hn::Or(nan2.a, nan2.b);
  for (; i + lanes <= n; i += lanes) take(d, m, nan, hn::LoadU(d, x + i));
  if constexpr (kMaskedTails) {
    if (i < n) {
      const auto mask = hn::FirstN(d, n - i);
      take(d, m, nan, hn::IfThenElse(mask, LoadAs(d, FirstLanes<decltype(d)>{n - i}, x + i), m));
      i = n;
    }
  }
  bool any_nan = !hn::AllTrue(d, hn::Eq(nan, hn::Zero(d)));
  double r = hn::GetLane(hn::MaxOfLanes(d, m));
  for (; i < n; ++i) {
    any_nan = any_nan || std::isnan(x[i]);
    r = std::max(r, static_cast<double>(x[i]));
  }
  return any_nan ? std::numeric_limits<double>::quiet_NaN() : r;
}

#if HWY_TARGET <= HWY_AVX3
// Softmax-like ops over float rows of kVectorRow to kTransposedRow in
// transposed blocks; returns the first row not done. Kept out of
// AlongDimForward: inlined there, it changed how that function's other loops
// compiled (rows of 1 ran 0.7x-0.85x before ToColumns replaced those loops).
template <class Op>
HWY_NOINLINE std::int64_t TransposedRowsForward(const float* x, float* y, std::size_t size, std::int64_t begin,
                                                std::int64_t end) {
  return ForEachTransposedBlock(x, y, size, begin, end, [](auto dc, auto* v, auto count) {
    TreeSlicesForward<Op, float, count>(dc, v);
  });
}
#endif

// Its lambdas are all inlined (ACTIVA_INLINE_LAMBDA): 1.11x at rows of 20
// (the median of five alternations, 4 Ki elements, one thread). Inlining the
// short rows' alone moved GCC to keep the long rows' sum and outputs out of
// line, a call a quad: 0.77x at rows of 1,000.
template <class Op, class T>
void AlongDimForward(const T* x, T* y, RowLayout l, std::int64_t outer_begin,
                     std::int64_t outer_end, bool stream) {
  constexpr bool kWiden = Body<Op>::kWiden;
  constexpr bool kInterleave = detail::interleaves(Body<Op>::kCost.forward);
  const auto size = static_cast<std::size_t>(l.size);
  const auto inner = static_cast<std::size_t>(l.inner);
#if HWY_TARGET <= HWY_AVX3
  if constexpr (std::is_same_v<T, float>) {
    if (inner == 1 && size >= kVectorRow<T> && size <= kTransposedRow) {
      outer_begin = TransposedRowsForward<Op>(x, y, size, outer_begin, outer_end);
    }
  }
#endif
  constexpr std::size_t kVectorRowEnd = kForwardVectorRow<T, hn::ScalableTag<ComputeT<T, kWiden>>>;
  if (inner == 1 && size >= kVectorRow<T> && size <= kVectorRowEnd) {
    ForEachShortRowGroup<T, kWiden, kVectorRowEnd>(
        size, outer_begin, outer_end,
        [&](auto dc, auto ds, auto rows, std::size_t base, auto count) ACTIVA_INLINE_LAMBDA {
          ShortRowsForwardGroup<Op, T, rows>(dc, ds, x + base, y + base, size, count);
        });
    return;
  }
  if (inner == 1 && size <= kSmallRow) {
    ForEachRowBlock<T, kWiden, kInterleave>(x, y, size, outer_begin, outer_end,
                                            [&](auto dc, auto ds, const T* in, T* out, std::size_t stride) ACTIVA_INLINE_LAMBDA {
                                              SlicesForward<Op, T>(dc, ds, in, out, size, stride);
                                            });
    return;
  }
  if (TakesSliceBlocks<T, kWiden, /*kBackward=*/false>(size, inner)) {
    outer_begin = ForEachSliceBlock<T, kWiden, 1>(
        {x}, y, size * inner, outer_begin, outer_end, [&](auto dc, auto ds, auto& buf, std::size_t lanes) ACTIVA_INLINE_LAMBDA {
          for (std::size_t j = 0; j < inner; ++j) {
            T* slices = buf[0] + j * lanes;
            SlicesForward<Op, T, kStridedKept>(dc, ds, slices, slices, size, inner * lanes);
          }
        });
  }
  for (std::int64_t o = outer_begin; o < outer_end; ++o) {
    const T* xs = x + static_cast<std::size_t>(o) * size * inner;
    T* ys = y + static_cast<std::size_t>(o) * size * inner;
    if (inner == 1) {
      // One long contiguous slice: its max, the numerators summed, then the
      // outputs. Up to kBufferedRow elements the numerators stay on the stack
      // for the outputs. Longer rows read the row three times, the last two
      // from L2 up to kOnlineRow elements; longer float rows find max and sum
      // in one pass (OnlineMaxSum), reading the input twice in all. Their
      // outputs compute the numerators again, except those kept in the
      // output (below), and fetch the next row meanwhile: 1.24x-1.30x at
      // rows of 100,000 from memory, 1 and 2 threads.
      // The float rows' sums in double are not compensated: 32 accumulators
      // of up to kOnlineRow / 32 = 2^13 terms err by at most 2^-40 relative,
      // far below float's 2^-24 (OnlineMaxSum's rows: 2^-53 per term).
      const bool buffered = size <= kBufferedRow;
      constexpr bool kCompensated = sizeof(T) == 8;
      using C = ComputeT<T, kWiden>;
      alignas(64) C num[kBufferedRow];
      // Rows past kBufferedRow whose output is not their input (and so shares
      // no element with it: the API refuses partial overlaps) keep
      // the numerators of their first `kept` elements in the output itself
      // (half the row for float, all of it for double), each read back before
      // the outputs overwrite it; the rest are computed again, the same bits.
      // `kept` is a multiple of 64, so the sum's vectors (ForEachAccumulated:
      // whole groups from 0) store every vector that the outputs read back.
      // Float 1.22x-1.26x and double 1.5x at rows of 4,096 and 100,000 in L2.
      // Not where the outputs stream: their lines, brought into the cache by
      // the kept numerators, then ran 0.74x on one thread and 0.92x on two
      // from memory (0.92x and 0.85x with plain stores in the output pass).
      const bool online = sizeof(T) == 4 && size > kOnlineRow;
      const std::size_t kept = buffered || online || stream || xs == ys ? 0 : size * sizeof(T) / sizeof(C) / 64 * 64;
      C* const kept_num = reinterpret_cast<C*>(ys);
      double m, sum;
      if (online) {
        std::tie(m, sum) = OnlineMaxSum<Op, T>(xs, size);
      } else {
        m = RowMax(xs, size);
        sum = SumFixedOrder<T, kChainGroup, kCompensated>(size, [&](auto dc, auto ds, std::size_t i) ACTIVA_INLINE_LAMBDA {
          const auto v = Body<Op>::template Numerator<T>(dc, LoadAs(dc, ds, xs + i), hn::Set(dc, m));
          if (i + hn::Lanes(dc) <= kept) hn::StoreU(v, dc, kept_num + i);
          if (buffered) {
            hn::StoreU(v, dc, num + i);
            // The next row's max reads its elements first: fetch them now,
            // while this loop is busy with exponentials (rows from L3 or
            // memory otherwise stall that cheap loop).
            PrefetchLines(xs + size, i, hn::Lanes(dc));
          }
          return v;
        });
      }
      const hn::CappedTag<double, 1> d1;
      const double den = hn::GetLane(Body<Op>::template Denominator<T>(d1, hn::Set(d1, sum), hn::Set(d1, m)));
      ForEachOutput<T, kWiden, kInterleave>(ys, size, stream, [&](auto dc, auto ds, std::size_t i) ACTIVA_INLINE_LAMBDA {
        if (!buffered) PrefetchLines(xs + size, i, hn::Lanes(dc));
        const auto v = buffered                   ? hn::LoadU(dc, num + i)
                       : i + hn::Lanes(dc) <= kept ? hn::LoadU(dc, kept_num + i)
                                                   : Body<Op>::template Numerator<T>(dc, LoadAs(dc, ds, xs + i), hn::Set(dc, m));
        return Body<Op>::template Normalize<T>(dc, v, hn::Set(dc, den));
      });
    } else {
      // Slices `inner` apart: vectorise across them, one lane per slice.
      ForEachVector<T, kWiden, kInterleave>(inner, [&](auto dc, auto ds, std::size_t j) ACTIVA_INLINE_LAMBDA {
        SlicesForward<Op, T, kStridedKept>(dc, ds, xs + j, ys + j, size, inner);
      });
    }
  }
  if (stream) hwy::FlushStream();
}

// Contiguous backward rows up to this length compute the next row's dot
// product before their outputs (AlongDimBackward).
inline constexpr std::size_t kAheadRow = 384;

template <class Op, class T>
void AlongDimBackward(const T* y, const T* dy, T* dx, RowLayout l, std::int64_t outer_begin,
                      std::int64_t outer_end, bool stream) {
  constexpr bool kWiden = Body<Op>::kWiden;
  const auto size = static_cast<std::size_t>(l.size);
  const auto inner = static_cast<std::size_t>(l.inner);
  if (inner == 1 && size <= kSmallRow) {
    ForEachShortRowGroup<T, kWiden, kSmallRow, /*kGroupVectors=*/4>(
        size, outer_begin, outer_end, [&](auto dc, auto ds, auto rows, std::size_t base, auto count) ACTIVA_INLINE_LAMBDA {
          ShortRowsBackwardGroup<Op, T, rows>(dc, ds, y + base, dy + base, dx + base, size, count);
        });
    return;
  }
  // 32 accumulators (a quad of AVX-512 vectors): with 8, one chain of
  // additions bounded the pass (1.2x at rows of 1,000 in L2).
  // Fused for float (AddProduct): 1.09x at rows of 1,000 in L1.
  const auto dot_of = [&](std::int64_t o) ACTIVA_INLINE_LAMBDA {
    const std::size_t base = static_cast<std::size_t>(o) * size;
    return SumFixedOrder<T, kChainGroup>(size, [&](auto dc, auto ds, std::size_t i, auto& acc) {
      acc = AddProduct<T>(acc, LoadAs(dc, ds, y + base + i), LoadAs(dc, ds, dy + base + i));
    });
  };
  // Contiguous rows up to kAheadRow: the next row's dot product before this
  // row's outputs, so that its sum's last additions, a chain of ~50 cycles,
  // overlap them (the rows are disjoint: it reads nothing they write). 16 Ki
  // elements on one thread, medians of five alternations: rows of 100 and
  // 200 1.09x and 1.12x on AVX-512 (40 and 384 0.98x-0.99x), rows of 40 to
  // 384 1.08x-1.28x on AVX2; at 256 Ki rows of 100, 200 and 300 1.15x, 1.05x
  // and 1.04x. Rows of 512 and 1,000 ran 0.95x-0.98x, and 0.90x at 256 Ki
  // (the row read between a row's dot product and its outputs evicts it
  // from L1), so longer rows keep the plain order.
  if (TakesSliceBlocks<T, kWiden, /*kBackward=*/true>(size, inner)) {
    outer_begin = ForEachSliceBlock<T, kWiden, 2>(
        {y, dy}, dx, size * inner, outer_begin, outer_end, [&](auto dc, auto ds, auto& buf, std::size_t lanes) ACTIVA_INLINE_LAMBDA {
          for (std::size_t j = 0; j < inner; ++j) {
            T* slices = buf[1] + j * lanes;
            SlicesBackward<Op, T>(dc, ds, buf[0] + j * lanes, slices, slices, size, inner * lanes);
          }
        });
  }
  const bool ahead = inner == 1 && size <= kAheadRow;
  double next = ahead && outer_begin < outer_end ? dot_of(outer_begin) : 0;
  for (std::int64_t o = outer_begin; o < outer_end; ++o) {
    const std::size_t base = static_cast<std::size_t>(o) * size * inner;
    const T *ys = y + base, *dys = dy + base;
    T* dxs = dx + base;
    if (inner == 1) {
      const double dot = ahead ? next : dot_of(o);
      if (ahead && o + 1 < outer_end) next = dot_of(o + 1);
      // Rows that fit in L1: fetch the y and dy of the row whose dot product
      // comes next during these outputs, a line of each every 64 bytes (1.07x
      // at rows of 1,000 from L3; longer rows stream well without, and lost
      // 0.8x with).
      const bool prefetch = size <= kBufferedRow;
      const std::size_t fetch = ahead ? 2 * size : size;
      if constexpr (std::is_same_v<T, float>) {
        if (std::isfinite(dot)) {
          // Float rows with a finite dot product: the outputs in float lanes
          // (Body::BackwardSplit), twice as many a vector as in double
          // (1.15x at rows of 1,000 in L1 with the exact two-sum, 1.03x-1.23x
          // in L2). Streamed outputs too: their bits must not depend on
          // streaming.
          const float dh = static_cast<float>(dot), dl = static_cast<float>(dot - static_cast<double>(dh));
          ForEachOutput<T, /*kWiden=*/false>(dxs, size, stream, [&](auto d, auto ds, std::size_t i) {
            if (prefetch) {
              PrefetchLines(ys + fetch, i, hn::Lanes(d));
              PrefetchLines(dys + fetch, i, hn::Lanes(d));
            }
            return Body<Op>::BackwardSplit(d, LoadAs(d, ds, ys + i), LoadAs(d, ds, dys + i), hn::Set(d, dh),
                                           hn::Set(d, dl));
          });
          continue;
        }
      }
      ForEachOutput<T, kWiden>(dxs, size, stream, [&](auto dc, auto ds, std::size_t i) {
        if (prefetch) {
          PrefetchLines(ys + fetch, i, hn::Lanes(dc));
          PrefetchLines(dys + fetch, i, hn::Lanes(dc));
        }
        return Body<Op>::template Backward<T>(dc, LoadAs(dc, ds, ys + i), LoadAs(dc, ds, dys + i), hn::Set(dc, dot));
      });
    } else {
      // Slices `inner` apart, four vectors of them at a time (a quad): four
      // dot-product chains in flight, and each row's visit reads whole lines
      // (a vector of 8 floats widened is half a line). The same bits, lane by
      // lane. One vector at a time: [64, 10, 4096] 0.63 Gelem/s against 1.12-1.18
      // as quads, [16, 21, 16384] 0.44 against 0.76, [1, 1000, 256] 0.75-0.84
      // against 3.15-3.21 (one thread; power-of-two strides put every row of a
      // slice in one L1 set).
      ForEachVector<T, kWiden, /*kInterleave=*/true>(inner, [&](auto dc, auto ds, std::size_t j) {
        SlicesBackward<Op, T>(dc, ds, ys + j, dys + j, dxs + j, size, inner);
      });
    }
  }
  if (stream) hwy::FlushStream();
}

}  // namespace activa::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // ACTIVA_DRIVERS_INL_H_
