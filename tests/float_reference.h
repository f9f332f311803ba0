// What a float32 result is measured against: the error in ULPs from an exact
// value held in double, and the options a float32 kernel really applies.
// Shared by the exhaustive sweep (tests/exhaustive_test.cc) and the
// baselines' accuracy comparison (bench/accuracy.cc).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <type_traits>

namespace activa::test {

// The spacing of floats at f (the subnormal step below the normal range), from its exponent bits.
inline double float_spacing(float f) {
  const std::uint32_t e = (std::bit_cast<std::uint32_t>(f) >> 23) & 0xff;
  return std::bit_cast<double>(static_cast<std::uint64_t>(std::max<std::uint32_t>(e, 1) - 127 - 23 + 1023) << 52);
}

// |actual - ref| in ULPs of float at ref; +inf for a mismatched NaN/inf.
inline double ulps(float actual, double ref) {
  if (std::isnan(ref) || std::isnan(actual)) return std::isnan(ref) && std::isnan(actual) ? 0 : INFINITY;
  if (std::isinf(ref) || std::isinf(actual)) return static_cast<double>(actual) == ref ? 0 : INFINITY;
  return std::abs(static_cast<double>(actual) - ref) / float_spacing(static_cast<float>(ref));
}

// Op's default options with every double parameter rounded to float, as a
// float32 kernel computes with it (leaky_relu's slope 0.01 is 0.01f): the
// reference is the exact function of those.
template <class Op>
typename Op::Options float32_options() {
  typename Op::Options r{};
  std::apply(
      [&](const auto&... p) {
        (([&] {
           if constexpr (std::is_same_v<std::remove_cvref_t<decltype(r.*(p.member))>, double>) {
             r.*(p.member) = static_cast<double>(static_cast<float>(r.*(p.member)));
           }
         }()),
         ...);
      },
      Op::params);
  return r;
}

}  // namespace activa::test
