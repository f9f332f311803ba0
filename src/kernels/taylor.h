// Taylor coefficients of an op's own formula, at compile time: the spec's
// forward (or derivative), evaluated on truncated power series ("jets") in
// long double, gives every derivative at a point without a formula written
// twice. MakePieceTable turns them into the tables of the piecewise
// polynomials that float_math-inl.h evaluates (EvaluatePieces: float32
// sigmoid, tanh, ELU and the derivatives of sigmoid and tanh). Target-independent.
#pragma once

#include <cstddef>
#include <iterator>

namespace activa::kernels::detail {

// e^x in long double, usable at compile time: x = n ln2 + r with |r| <= ln2/2
// (r rounded once, |n ln2| < 2^5: |error| < 2^-58), e^r by its series to
// r^27/27! (< 2^-95), then 2^n. Relative error a few units of 2^-63 for
// |x| <= 32, far below the 2^-48 the tables keep.
constexpr long double ExpLong(long double x) {
  constexpr long double kLn2 = 0.693147180559945309417232121458176568L;
  const long double nf = x / kLn2;
  const long long n = static_cast<long long>(nf < 0 ? nf - 0.5L : nf + 0.5L);
  const long double r = x - static_cast<long double>(n) * kLn2;
  long double term = 1, sum = 1;
  for (int k = 1; k < 28; ++k) {
    term *= r / k;
    sum += term;
  }
  for (long long i = 0; i < (n < 0 ? -n : n); ++i) sum *= n < 0 ? 0.5L : 2.0L;
  return sum;
}

// f(a + e) = c[0] + c[1] e + ... + c[N] e^N + O(e^(N+1)). A spec's formula,
// written for any number type R (R(1), +, -, *, /, a comparison, and exp,
// expm1, cosh and tanh by argument-dependent lookup), computes these
// coefficients when R is a Jet. A comparison compares values: a branch of the
// formula is taken at the point a, as a computation at a would take it.
template <std::size_t N>
struct Jet {
  long double c[N + 1]{};

  constexpr Jet() = default;
  constexpr Jet(long double v) { c[0] = v; }  // NOLINT: implicit, as R(1) in a formula
  // The variable itself at a: a + e.
  static constexpr Jet Variable(long double a) {
    Jet j(a);
    if constexpr (N > 0) j.c[1] = 1;
    return j;
  }

  friend constexpr Jet operator-(const Jet& a) {
    Jet r;
    for (std::size_t k = 0; k <= N; ++k) r.c[k] = -a.c[k];
    return r;
  }
  friend constexpr Jet operator+(const Jet& a, const Jet& b) {
    Jet r;
    for (std::size_t k = 0; k <= N; ++k) r.c[k] = a.c[k] + b.c[k];
    return r;
  }
  friend constexpr Jet operator-(const Jet& a, const Jet& b) { return a + -b; }
  friend constexpr Jet operator*(const Jet& a, const Jet& b) {
    Jet r;
    for (std::size_t k = 0; k <= N; ++k) {
      for (std::size_t j = 0; j <= k; ++j) r.c[k] += a.c[j] * b.c[k - j];
    }
    return r;
  }
  // q = a / b from a = q b: q_k = (a_k - sum_{j=1..k} b_j q_{k-j}) / b_0.
  // Where a and b are both 0 at the point (f(u) / u at u = 0), their limit:
  // both divided by e first, which leaves q's top coefficient unknown, NaN
  // (MakePieceTable computes one order more than it keeps).
  friend constexpr Jet operator/(const Jet& a, const Jet& b) {
    if (b.c[0] == 0 && a.c[0] == 0) {
      Jet as, bs;
      for (std::size_t k = 0; k < N; ++k) as.c[k] = a.c[k + 1], bs.c[k] = b.c[k + 1];
      as.c[N] = bs.c[N] = __builtin_nanl("");
      return as / bs;
    }
    Jet q;
    for (std::size_t k = 0; k <= N; ++k) {
      long double s = a.c[k];
      for (std::size_t j = 1; j <= k; ++j) s -= b.c[j] * q.c[k - j];
      q.c[k] = s / b.c[0];
    }
    return q;
  }
  // y = e^a from y' = a' y: k y_k = sum_{j=1..k} j a_j y_{k-j}.
  friend constexpr Jet exp(const Jet& a) {
    Jet y(ExpLong(a.c[0]));
    for (std::size_t k = 1; k <= N; ++k) {
      long double s = 0;
      for (std::size_t j = 1; j <= k; ++j) s += static_cast<long double>(j) * a.c[j] * y.c[k - j];
      y.c[k] = s / static_cast<long double>(k);
    }
    return y;
  }
  friend constexpr Jet cosh(const Jet& a) { return (exp(a) + exp(-a)) * Jet(0.5L); }
  // Exact at a = 0, as at every a the tables use (0, or |a| >= 1/4, where
  // e^a - 1 in long double loses no more than a bit).
  friend constexpr Jet expm1(const Jet& a) {
    Jet y = exp(a);
    y.c[0] -= 1;
    return y;
  }
  friend constexpr Jet tanh(const Jet& a) { return Jet(1) - Jet(2) / (exp(a + a) + Jet(1)); }
  friend constexpr bool operator>(const Jet& a, const Jet& b) { return a.c[0] > b.c[0]; }
};

// Removes the terms of degree above `to` from a polynomial a[0] + a[1] t +
// ... + a[N] t^N (Chebyshev economization) on t in [-1/2, 1/2]: a[k] t^k is
// replaced by a[k] (t^k - T_k(2t) / 2^(2k - 1)), a polynomial of degree k - 2,
// which moves the result by at most |a[k]| / 2^(2k - 1). Truncating instead
// would move it by up to |a[k]| / 2^k.
// from_zero: on t in [0, 1/2] (piece 0, which the kernels evaluate only at
// u = |x| >= 0), with T_k shifted there and its value at 0 taken off:
// a[k] (t^k - (T_k(4t - 1) - T_k(-1)) / 2^(3k - 1)), of degree k - 1 with no
// constant term. p(0) = a[0] then stays exact (tanh(u) / u and (1 - e^-u) /
// u: 1, so that piece 0's lo is 0 and x (hi + lo) is -0 at x = -0), and the
// result moves by at most 2 |a[k]| / 2^(3k - 1), 1/32 as far at k = 6.
template <std::size_t N>
constexpr void Economize(long double (&a)[N + 1], std::size_t to, bool from_zero = false) {
  // T_k(w) in powers of t, w = scale t + shift mapping the interval onto [-1, 1].
  const long double scale = from_zero ? 4 : 2, shift = from_zero ? -1 : 0;
  for (std::size_t k = N; k > to; --k) {
    long double prev[N + 1]{}, cheb[N + 1]{};  // T_{j-1}, T_j
    prev[0] = 1;
    cheb[0] = shift;
    cheb[1] = scale;
    for (std::size_t j = 1; j < k; ++j) {  // T_{j+1} = 2w T_j - T_{j-1}
      long double next[N + 1]{};
      for (std::size_t m = 0; m < N; ++m) next[m + 1] = 2 * scale * cheb[m];
      for (std::size_t m = 0; m <= N; ++m) next[m] += 2 * shift * cheb[m] - prev[m];
      for (std::size_t m = 0; m <= N; ++m) prev[m] = cheb[m], cheb[m] = next[m];
    }
    const long double f = a[k] / cheb[k];
    for (std::size_t m = from_zero ? 1 : 0; m <= k; ++m) a[m] -= f * cheb[m];
    a[k] = 0;
  }
}

// The pieces of a piecewise polynomial in u = |x| on [0, kPiecesEnd): piece i
// is centred on u = i/4, and f(u) = f(i/4 + t/4) for t in [-1/2, 1/2] is
// its Taylor polynomial of degree kTaylorDegree in t, economized to Degree
// (piece 0, which only u >= 0 reach, on t in [0, 1/2], its value at 0 kept:
// Economize's from_zero).
// 32 pieces fit one AVX-512 two-table permutation per coefficient. With
// their coefficients rounded to float, the polynomials are within 2^-27.3
// of sigmoid and its derivative (degree 5) and 2^-28.6 of tanh's derivative
// (degree 6, as its poles at +-i pi/2 are twice as near, and the linear
// coefficient a pair), relative (tests/accuracy_test.cc); the results are
// within 0.68 and 0.86 ULP (tests/exhaustive_test.cc; tanh's derivative
// measured 1.27 at degree 5 and 1.04 with a float linear coefficient).
// tanh and ELU cross 0, where a sum hi + lo of pieces of the function would
// round away its relative accuracy; their pieces are of tanh(u) / u and
// (1 - e^-u) / u instead (1 at 0; degree 5: 2^-27.4 and 2^-28.7), the
// result x (hi + lo).
inline constexpr std::size_t kPieces = 32, kPiecesPerUnit = 4, kTaylorDegree = 8;
// The last piece's upper end: 7.875.
inline constexpr float kPiecesEnd = (static_cast<float>(kPieces) - 0.5f) / kPiecesPerUnit;

// c[0][i] + c[1][i] = p_i(0) for f with values in [0, 1]: c[0] is p_i(0)
// rounded to a multiple of 2^-24, so that c[0] - 1/2 and 1 - c[0] are floats
// too (sigmoid's centred pieces: pieces.h, ops/sigmoid-inl.h), and c[1] the
// nearest float to the rest (|c[1]| <= 2^-25); c[k + 1][i] is the
// coefficient of t^k times 4^k, so that the kernels evaluate in s = t / 4 =
// u - i/4 (float_math-inl.h, PieceOffset).
// Scaling by powers of two commutes with every rounding, so the results are
// those of the polynomial in t. With PairedSlope, c[Degree + 2][i] holds
// what the float c[2] leaves of the linear coefficient (times 4): where
// |f'/f| reaches 2 (tanh's derivative), that coefficient's rounding would
// cost up to 1/4 ULP.
// Mirrored: the table of f(-x), evaluated at x itself (Mirror, below).
template <std::size_t Degree, bool PairedSlope = false, bool Mirrored = false>
struct PieceTable {
  // The argument's direction: u = kDirection x.
  static constexpr float kDirection = Mirrored ? -1.0f : 1.0f;
  static constexpr std::size_t kDegree = Degree, kCount = Degree + 2 + PairedSlope;
  static constexpr bool kPairedSlope = PairedSlope;
  alignas(64) float c[kCount][kPieces];
};

// The first 8 coefficients piece by piece, row i = c[0..8)[i] (padded with
// zeros), for AVX2, which loads each lane's row and transposes them
// (float_math-inl.h, PieceRows) instead of permuting each coefficient's
// table. Built, like every table, at compile time, and only where used.
template <const auto& kTable>
inline constexpr auto kPieceRows = [] {
  struct {
    alignas(32) float r[kPieces][8];
  } rows{};
  for (std::size_t i = 0; i < kPieces; ++i) {
    for (std::size_t k = 0; k < std::size(kTable.c) && k < 8; ++k) rows.r[i][k] = kTable.c[k][i];
  }
  return rows;
}();

// f: a function of one number of any type R (a spec's formula, or one
// divided by u: tanh(u) / u). Its series is computed to one order more than
// kept, so that f(u) / u at 0 loses none (Jet's operator/).
template <std::size_t Degree, bool PairedSlope = false, class F>
constexpr PieceTable<Degree, PairedSlope> MakePieceTable(const F& f) {
  PieceTable<Degree, PairedSlope> table{};
  for (std::size_t i = 0; i < kPieces; ++i) {
    const Jet<kTaylorDegree + 1> y = f(Jet<kTaylorDegree + 1>::Variable(static_cast<long double>(i) / kPiecesPerUnit));
    long double a[kTaylorDegree + 1]{}, scale = 1;  // in t = 4 (u - i/4)
    for (std::size_t k = 0; k <= kTaylorDegree; ++k, scale /= kPiecesPerUnit) a[k] = y.c[k] * scale;
    Economize<kTaylorDegree>(a, Degree, /*from_zero=*/i == 0);
    const long double hi = static_cast<long double>(static_cast<long long>(a[0] * 0x1p24L + 0.5L)) * 0x1p-24L;
    if (!(hi >= 0 && hi <= 1)) throw "MakePieceTable: f outside [0, 1]";
    table.c[0][i] = static_cast<float>(hi);
    table.c[1][i] = static_cast<float>(a[0] - hi);
    // Rounded in t, then scaled to s = t / 4 exactly (a float times a power of two).
    float power = 1;
    for (std::size_t k = 1; k <= Degree; ++k) {
      power *= static_cast<float>(kPiecesPerUnit);
      table.c[k + 1][i] = static_cast<float>(a[k]) * power;
    }
    if constexpr (PairedSlope) {
      table.c[Degree + 2][i] = static_cast<float>(a[1] - static_cast<float>(a[1])) * static_cast<float>(kPiecesPerUnit);
    }
  }
  return table;
}

// The table of f + by: c[0] moved by `by`, the other coefficients as they
// are. Every moved value must be exact (sigmoid's values, multiples of 2^-24
// in [0, 1/2], and -1/2): in double, c[0] + by is exact, so the float sum
// equals it only if it was exact too; a value that is not stops the build.
template <std::size_t Degree, bool PairedSlope>
constexpr PieceTable<Degree, PairedSlope> ShiftValues(PieceTable<Degree, PairedSlope> table, float by) {
  for (float& v : table.c[0]) {
    const double exact = static_cast<double>(v) + by;
    v += by;
    if (static_cast<double>(v) != exact) throw "ShiftValues: a value does not move exactly";
  }
  return table;
}

// The same pieces as functions of x = -u, for a kernel whose argument is
// -u (ELU's negative side), which then need not negate it: piece i is centred
// on x = -i/4, at offset x + i/4 = -(u - i/4), so the coefficients of odd
// powers of the offset change sign. Exact, and since every rounding is
// symmetric, each step of the evaluation is that of the table in u, negated
// where its power is odd: the same bits.
template <std::size_t Degree, bool PairedSlope>
constexpr PieceTable<Degree, PairedSlope, true> Mirror(const PieceTable<Degree, PairedSlope>& table) {
  PieceTable<Degree, PairedSlope, true> mirrored{};
  for (std::size_t k = 0; k < std::size(table.c); ++k) {
    // c[k + 1] holds the coefficient of the offset's power k (k >= 1), and
    // the paired slope the rest of power 1.
    const bool odd = (k >= 2 && k % 2 == 0) || (PairedSlope && k == Degree + 2);
    for (std::size_t i = 0; i < kPieces; ++i) mirrored.c[k][i] = odd ? -table.c[k][i] : table.c[k][i];
  }
  return mirrored;
}

}  // namespace activa::kernels::detail
