// What a float32 result is measured against: the error in ULPs from an exact
// value held in double.
// Shared by the exhaustive sweep (tests/exhaustive_test.cc) and the
// baselines' accuracy comparison (bench/accuracy.cc).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

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

}  // namespace activa::test
