// Inputs and helpers shared by the registry-driven tests.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "activa/activa.h"

namespace activa::test {

template <class T>
std::string hex_bits(T v) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  std::ostringstream os;
  os << "0x" << std::hex << std::bit_cast<U>(v);
  return os.str();
}

template <class T>
std::string describe(T v) {
  std::ostringstream os;
  os.precision(std::numeric_limits<T>::max_digits10);
  os << v << " (" << hex_bits(v) << ")";
  return os.str();
}

// Inputs that exercise every regime: specials, signed zeros, subnormals, the
// kinks, saturation points, a dense grid over the interesting interval and
// random bit patterns over the whole type.
template <class T>
std::vector<T> sample_inputs(std::size_t random_count, std::uint64_t seed = 42) {
  using L = std::numeric_limits<T>;
  std::vector<T> v = {T(0),          -T(0),        L::infinity(), -L::infinity(), L::quiet_NaN(),
                      L::min(),      -L::min(),    L::denorm_min(), -L::denorm_min(), L::max(),
                      -L::max(),     T(1e-30),     T(-1e-30),     T(1e-10),       T(-1e-10),
                      T(1e-5),       T(-1e-5),     T(0.5),        T(-0.5),        T(1),
                      T(-1),         T(5),         T(-5),         T(16.5),        T(17.5),
                      T(-17.5),      T(20),        T(-20),        T(40),          T(-40),
                      T(88.5),       T(-88.5),     T(89),         T(-89),         T(100),
                      T(-100),       T(-103),      T(-104),       T(700),         T(-700),
                      T(710),        T(-710),      T(-745),       T(-746),        T(1e4),
                      T(-1e4)};
  for (int i = -2000; i <= 2000; ++i) v.push_back(static_cast<T>(i) / T(100));  // [-20, 20]
  std::mt19937_64 rng(seed);
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  std::uniform_real_distribution<double> moderate(-30, 30);
  for (std::size_t i = 0; i < random_count; ++i) {
    v.push_back(std::bit_cast<T>(static_cast<U>(rng())));
    v.push_back(static_cast<T>(moderate(rng)));
  }
  return v;
}

// Bitwise equal, except that any NaN equals any NaN: which payload a NaN
// carries depends on operand order the compiler may commute, and is no result.
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return false;
  }
  return true;
}

// Runs f<Op>() for every op in the list (a named callable for test bodies).
template <class F>
void for_each_op(F&& f) {
  AllOps::for_each(f);
}

}  // namespace activa::test
